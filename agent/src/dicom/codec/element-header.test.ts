import { describe, expect, it } from 'vitest';
import { ITEM, readElementHeader, UNDEFINED_LENGTH } from './element-header.js';

function bytes(...parts: (number[] | string)[]): Buffer {
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
}

describe('an element header', () => {
  it('in explicit VR with a 16-bit length (PN)', () => {
    const b = bytes([0x10, 0x00, 0x10, 0x00], 'PN', [0x04, 0x00], 'Rex ');
    expect(readElementHeader(b, 0, true)).toEqual({ tag: 0x00100010, vr: 'PN', length: 4, valueStart: 8 });
  });

  it('in explicit VR with a 32-bit length after two reserved bytes (every long VR of the VR table)', () => {
    for (const vr of ['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']) {
      const b = bytes([0xe0, 0x7f, 0x10, 0x00], vr, [0, 0, 0x10, 0x00, 0x00, 0x00]);
      expect(readElementHeader(b, 0, true), vr).toEqual({ tag: 0x7fe00010, vr, length: 16, valueStart: 12 });
    }
  });

  it('in implicit VR', () => {
    const b = bytes([0x08, 0x00, 0x50, 0x00, 0x02, 0x00, 0x00, 0x00], 'A1');
    expect(readElementHeader(b, 0, false)).toEqual({
      tag: 0x00080050,
      vr: undefined,
      length: 2,
      valueStart: 8,
    });
  });

  it('of an item, which has no VR even in explicit VR', () => {
    const b = bytes([0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff, 0xff, 0xff]);
    expect(readElementHeader(b, 0, true)).toEqual({
      tag: ITEM,
      vr: undefined,
      length: UNDEFINED_LENGTH,
      valueStart: 8,
    });
  });

  it('is null when the bytes stop inside it', () => {
    expect(readElementHeader(bytes([0x10, 0x00, 0x10, 0x00], 'PN'), 0, true)).toBeNull();
    expect(readElementHeader(bytes([0xe0, 0x7f, 0x10, 0x00], 'OW', [0, 0]), 0, true)).toBeNull();
    const b = bytes([0x10, 0x00, 0x10, 0x00], 'PN', [0x04, 0x00]);
    expect(readElementHeader(b, 0, true, 6)).toBeNull();
  });
});
