import { describe, expect, it } from 'vitest';
import { MAX_PDU_BYTES, PduReader } from './pdu-reader.js';

/** A PDU of `type` with `length` bytes of body, each body byte `fill`. */
function pdu(type: number, length: number, fill: number): Buffer {
  const out = Buffer.alloc(6 + length, fill);
  out[0] = type;
  out[1] = 0;
  out.writeUInt32BE(length, 2);
  return out;
}

function read(chunks: Buffer[]): { pdus: Buffer[]; errors: string[] } {
  const pdus: Buffer[] = [];
  const errors: string[] = [];
  const reader = new PduReader(
    (p) => pdus.push(Buffer.from(p)),
    (e) => errors.push(e.message),
  );
  for (const c of chunks) reader.push(c);
  return { pdus, errors };
}

/** `bytes` cut into pieces of the sizes given, in turn, until none is left. */
function cut(bytes: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length]!;
    out.push(bytes.subarray(at, at + size));
    at += size;
  }
  return out;
}

describe('PDUs from a connection, however the bytes arrive', () => {
  const sent = [pdu(1, 300, 0x11), pdu(4, 65_536 + 6, 0x44), pdu(4, 12, 0x45), pdu(5, 4, 0), pdu(7, 4, 0)];
  const stream = Buffer.concat(sent);

  it.each([
    ['all at once', [stream.length]],
    ['a byte at a time', [1]],
    ['in 64 KB reads', [65_536]],
    ['cut inside headers and bodies', [5, 3, 1000, 7, 40_000, 2]],
  ])('gives each PDU whole and in order: %s', (_how, sizes) => {
    const { pdus, errors } = read(cut(stream, sizes));
    expect(errors).toEqual([]);
    expect(pdus).toEqual(sent);
  });

  it('keeps what follows a PDU for the next one', () => {
    const { pdus } = read([stream.subarray(0, sent[0]!.length + 3)]);
    expect(pdus).toEqual([sent[0]]);
  });

  it('stops at a PDU type DICOM does not have, and says so once', () => {
    const { pdus, errors } = read([sent[0]!, pdu(9, 10, 0), sent[1]!]);
    expect(pdus).toEqual([sent[0]]);
    expect(errors).toEqual(['Unknown PDU type: 9']);
  });

  it('refuses a PDU too large to be from a DICOM peer before gathering any of it', () => {
    const head = Buffer.from([4, 0, 0, 0, 0, 0]);
    head.writeUInt32BE(0xffff_fff0, 2);
    const { pdus, errors } = read([head, Buffer.alloc(1024)]);
    expect(pdus).toEqual([]);
    expect(errors).toEqual([`PDU of 4294967280 bytes is larger than the ${MAX_PDU_BYTES} taken`]);
  });
});
