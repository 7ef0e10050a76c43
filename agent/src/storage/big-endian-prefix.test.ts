import { describe, expect, it } from 'vitest';
import { bigEndianHeadersAsLittle } from './big-endian-prefix.js';
import { readInstanceHeader } from './instance-header.js';

/** One explicit VR big endian element with a short length. */
function be(group: number, element: number, vr: string, value: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16BE(group, 0);
  head.writeUInt16BE(element, 2);
  head.write(vr, 4, 'latin1');
  head.writeUInt16BE(value.length, 6);
  return Buffer.concat([head, value]);
}

function beSequence(group: number, element: number, items: Buffer[]): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt16BE(group, 0);
  head.writeUInt16BE(element, 2);
  head.write('SQ', 4, 'latin1');
  head.writeUInt32BE(0xffffffff, 8);
  const parts: Buffer[] = [head];
  for (const item of items) {
    const ih = Buffer.alloc(8);
    ih.writeUInt16BE(0xfffe, 0);
    ih.writeUInt16BE(0xe000, 2);
    ih.writeUInt32BE(item.length, 4);
    parts.push(ih, item);
  }
  const end = Buffer.alloc(8);
  end.writeUInt16BE(0xfffe, 0);
  end.writeUInt16BE(0xe0dd, 2);
  parts.push(end);
  return Buffer.concat(parts);
}

const text = (s: string): Buffer => Buffer.from(s.length % 2 ? `${s}\0` : s, 'latin1');

describe('bigEndianHeadersAsLittle', () => {
  it('lets the little endian header reader find the UIDs and names behind a sequence', () => {
    const dataset = Buffer.concat([
      be(0x0008, 0x0016, 'UI', text('1.2.840.10008.5.1.4.1.1.2')),
      be(0x0008, 0x0018, 'UI', text('1.2.3.4')),
      beSequence(0x0008, 0x1140, [be(0x0008, 0x1155, 'UI', text('9.9.9'))]),
      be(0x0010, 0x0010, 'PN', text('Rex^Smith')),
      be(0x0020, 0x000d, 'UI', text('1.2.3')),
      be(0x0020, 0x000e, 'UI', text('1.2.3.5')),
      be(0x0028, 0x0010, 'US', Buffer.from([0x02, 0x00])),
    ]);
    const header = readInstanceHeader(bigEndianHeadersAsLittle(dataset), '1.2.840.10008.1.2.1');
    expect(header.sopInstanceUid).toBe('1.2.3.4');
    expect(header.patientName).toBe('Rex^Smith');
    expect(header.studyInstanceUid).toBe('1.2.3');
    expect(header.seriesInstanceUid).toBe('1.2.3.5');
  });

  it('leaves a prefix cut inside an element cut, so the reader asks for more', () => {
    const dataset = Buffer.concat([
      be(0x0008, 0x0018, 'UI', text('1.2.3.4')),
      be(0x0010, 0x0010, 'PN', text('Rex^Smith')),
    ]);
    const cut = dataset.subarray(0, dataset.length - 3);
    const header = readInstanceHeader(bigEndianHeadersAsLittle(cut), '1.2.840.10008.1.2.1');
    expect(header.complete).toBe(false);
    expect(header.sopInstanceUid).toBe('1.2.3.4');
  });
});
