import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readInstanceHeader } from './instance-header.js';
import { part10Header } from './part10-header.js';
import { TransferSyntaxUid } from '../dicom/storage-sop-classes.js';

type El = [tag: number, vr: string, value: Buffer | string];

/** Explicit or implicit VR little endian, by hand: the reader is checked against the standard, not itself. */
function encode(elements: El[], explicit: boolean): Buffer {
  return Buffer.concat(
    elements.map(([tag, vr, value]) => {
      let v = typeof value === 'string' ? Buffer.from(value, 'latin1') : value;
      if (v.length % 2 === 1) v = Buffer.concat([v, Buffer.from(vr === 'UI' ? [0] : [0x20])]);
      const undefinedLength =
        vr === 'SQ' && typeof value !== 'string' && value.length > 0 && value.readUInt32LE(4) === 0xffffffff;
      const long = ['OB', 'OW', 'SQ', 'UN', 'UT'].includes(vr);
      const head = Buffer.alloc(!explicit || long ? (explicit ? 12 : 8) : 8);
      head.writeUInt16LE(tag >>> 16, 0);
      head.writeUInt16LE(tag & 0xffff, 2);
      const length = undefinedLength ? 0xffffffff : v.length;
      if (!explicit) head.writeUInt32LE(length, 4);
      else {
        head.write(vr, 4, 'latin1');
        if (long) head.writeUInt32LE(length, 8);
        else head.writeUInt16LE(length, 6);
      }
      return Buffer.concat([head, v]);
    }),
  );
}

/** A sequence of undefined length with one undefined-length item holding `inner`. */
function undefinedSequence(inner: Buffer): Buffer {
  const item = Buffer.alloc(8);
  item.writeUInt16LE(0xfffe, 0);
  item.writeUInt16LE(0xe000, 2);
  item.writeUInt32LE(0xffffffff, 4);
  const itemEnd = Buffer.from([0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0]);
  const seqEnd = Buffer.from([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);
  return Buffer.concat([item, inner, itemEnd, seqEnd]);
}

const elements = (explicit: boolean): El[] => [
  [0x00080005, 'CS', 'ISO_IR 100'],
  [0x00080016, 'UI', '1.2.840.10008.5.1.4.1.1.1.1'],
  [0x00080018, 'UI', '1.2.3.4.5'],
  [0x00080050, 'SH', 'ACC-9'],
  [0x00080060, 'CS', 'DX'],
  // A nested sequence before the patient module must be skipped, not misread.
  [0x00081110, 'SQ', undefinedSequence(encode([[0x00081150, 'UI', '9.9.9']], explicit))],
  [0x00100010, 'PN', Buffer.from('Müller^Fëlix', 'latin1')],
  [0x00100020, 'LO', 'PET-7'],
  [0x0020000d, 'UI', '1.2.3'],
  [0x0020000e, 'UI', '1.2.3.1'],
  [0x00280008, 'IS', '3'],
  [0x7fe00010, 'OW', Buffer.alloc(64)],
];

describe('reading the header of a received data set', () => {
  it.each([
    ['explicit VR', TransferSyntaxUid.ExplicitVrLittleEndian, true],
    ['implicit VR', TransferSyntaxUid.ImplicitVrLittleEndian, false],
  ])('reads the recorded keys in %s, names by their character set', (_what, ts, explicit) => {
    const header = readInstanceHeader(encode(elements(explicit), explicit), ts);
    expect(header).toMatchObject({
      sopClassUid: '1.2.840.10008.5.1.4.1.1.1.1',
      sopInstanceUid: '1.2.3.4.5',
      studyInstanceUid: '1.2.3',
      seriesInstanceUid: '1.2.3.1',
      patientName: 'Müller^Fëlix',
      patientId: 'PET-7',
      accessionNumber: 'ACC-9',
      modality: 'DX',
      numberOfFrames: '3',
      complete: true,
    });
  });

  it('inflates a deflated data set as far as its prefix goes', () => {
    const bytes = deflateRawSync(encode(elements(true), true));
    const header = readInstanceHeader(bytes, TransferSyntaxUid.DeflatedExplicitVrLittleEndian);
    expect(header.studyInstanceUid).toBe('1.2.3');
    expect(header.patientName).toBe('Müller^Fëlix');
  });

  it('returns what a truncated prefix holds and says it is incomplete', () => {
    const bytes = encode(elements(true), true);
    const cut = bytes.subarray(0, bytes.indexOf(Buffer.from('PET-7')) + 2);
    const header = readInstanceHeader(cut, TransferSyntaxUid.ExplicitVrLittleEndian);
    expect(header.sopInstanceUid).toBe('1.2.3.4.5');
    expect(header.studyInstanceUid).toBe('');
    expect(header.complete).toBe(false);
  });
});

describe('the file meta group written before the received bytes', () => {
  it('has the preamble, DICM and a group length that covers exactly the group', () => {
    const header = part10Header({
      mediaStorageSopClassUid: '1.2.840.10008.5.1.4.1.1.2',
      mediaStorageSopInstanceUid: '1.2.3',
      transferSyntaxUid: '1.2.840.10008.1.2.4.70',
      sourceAeTitle: 'CT1',
    });
    expect(header.subarray(0, 128).every((b) => b === 0)).toBe(true);
    expect(header.toString('latin1', 128, 132)).toBe('DICM');
    expect(header.readUInt32LE(140)).toBe(header.length - 144);
    expect(header.length % 2).toBe(0);
    const text = header.toString('latin1');
    expect(text).toContain('1.2.840.10008.1.2.4.70');
    // Odd-length UIDs are padded with NUL, text with a space (PS3.5 6.2).
    expect(text).toContain('1.2.3\0');
    expect(text).toContain('CT1 ');
  });
});
