import { hasLongLength } from './value-representation.js';

/**
 * Little Endian data set encoding, implicit or explicit VR. `DatasetWriter` appends elements to
 * a scratch buffer and copies the result out once — several times faster than a Buffer per
 * element. The scratch buffer is shared (encoding is synchronous); a writer created while another
 * holds it gets its own. Sequences and items get defined lengths, patched in when they end, so no
 * peer has to handle delimiters.
 */

const ITEM_TAG = 0xfffee000;

/** Element header length for a VR: 8 bytes, or 12 for explicit VRs with a 32-bit length. */
export function headerLength(vr: string, explicitVr: boolean): number {
  return explicitVr && hasLongLength(vr) ? 12 : 8;
}

/** Writes the header of an element whose value is `length` bytes; returns the value's offset. */
export function writeHeader(
  target: Buffer,
  offset: number,
  tag: number,
  vr: string,
  length: number,
  explicitVr: boolean,
): number {
  target.writeUInt16LE(tag >>> 16, offset);
  target.writeUInt16LE(tag & 0xffff, offset + 2);
  if (!explicitVr) {
    target.writeUInt32LE(length, offset + 4);
    return offset + 8;
  }
  // Two bytes by hand: Buffer#write's native call costs more than the element's value.
  target[offset + 4] = vr.charCodeAt(0);
  target[offset + 5] = vr.charCodeAt(1);
  if (hasLongLength(vr)) {
    target.writeUInt16LE(0, offset + 6);
    target.writeUInt32LE(length, offset + 8);
    return offset + 12;
  }
  if (length > 0xffff) throw new RangeError(`value of ${vr} element too long for explicit VR: ${length}`);
  target.writeUInt16LE(length, offset + 6);
  return offset + 8;
}

let sharedScratch: Buffer | undefined = Buffer.allocUnsafe(64 * 1024);

/** Where an open sequence or item's length field is, to patch it when it ends. */
export type LengthMark = number;

export class DatasetWriter {
  private pos = 0;
  private buf: Buffer;
  private borrowed: boolean;

  constructor(private readonly explicitVr: boolean) {
    if (sharedScratch) {
      this.buf = sharedScratch;
      sharedScratch = undefined;
      this.borrowed = true;
    } else {
      this.buf = Buffer.allocUnsafe(4096);
      this.borrowed = false;
    }
  }

  /**
   * A text element. `value` must already be in the response's repertoire for `encoding` (only
   * code points ≤ U+00FF for latin1); an odd length is padded with `pad` (space, or NUL for UI).
   */
  text(tag: number, vr: string, value: string, encoding: 'utf8' | 'latin1', pad: number): void {
    const maxBytes = encoding === 'latin1' ? value.length : value.length * 3;
    this.ensure(12 + maxBytes + 1);
    const header = headerLength(vr, this.explicitVr);
    const at = this.pos + header;
    const written = writeString(this.buf, at, value, encoding);
    let length = written;
    if (written & 1) this.buf[at + written] = pad;
    length += written & 1;
    writeHeader(this.buf, this.pos, tag, vr, length, this.explicitVr);
    this.pos = at + length;
  }

  /** An element with the given value bytes (binary values; zero length for "no value"). */
  bytes(tag: number, vr: string, value: Uint8Array): void {
    const length = value.length + (value.length & 1);
    this.ensure(12 + length);
    const at = writeHeader(this.buf, this.pos, tag, vr, length, this.explicitVr);
    this.buf.set(value, at);
    if (value.length & 1) this.buf[at + value.length] = 0;
    this.pos = at + length;
  }

  /** A US element with one value. */
  uint16(tag: number, value: number): void {
    this.ensure(12 + 2);
    const at = writeHeader(this.buf, this.pos, tag, 'US', 2, this.explicitVr);
    this.buf.writeUInt16LE(value, at);
    this.pos = at + 2;
  }

  /** A UL element with one value. */
  uint32(tag: number, value: number): void {
    this.ensure(12 + 4);
    const at = writeHeader(this.buf, this.pos, tag, 'UL', 4, this.explicitVr);
    this.buf.writeUInt32LE(value, at);
    this.pos = at + 4;
  }

  /** Bytes written so far. */
  get length(): number {
    return this.pos;
  }

  beginSequence(tag: number): LengthMark {
    this.ensure(12);
    this.pos = writeHeader(this.buf, this.pos, tag, 'SQ', 0, this.explicitVr);
    return this.pos;
  }

  endSequence(mark: LengthMark): void {
    this.buf.writeUInt32LE(this.pos - mark, mark - 4);
  }

  beginItem(): LengthMark {
    this.ensure(8);
    this.buf.writeUInt16LE(ITEM_TAG >>> 16, this.pos);
    this.buf.writeUInt16LE(ITEM_TAG & 0xffff, this.pos + 2);
    this.buf.writeUInt32LE(0, this.pos + 4);
    this.pos += 8;
    return this.pos;
  }

  endItem(mark: LengthMark): void {
    this.buf.writeUInt32LE(this.pos - mark, mark - 4);
  }

  /** Bytes already encoded elsewhere (a cached element). */
  raw(encoded: Uint8Array): void {
    this.ensure(encoded.length);
    this.buf.set(encoded, this.pos);
    this.pos += encoded.length;
  }

  /** A copy of what was written. The writer is done: its scratch buffer goes back to the pool. */
  finish(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    this.release();
    return out;
  }

  /** Gives the scratch buffer back without a result (after an error); finish() does it too. */
  release(): void {
    if (this.borrowed) {
      sharedScratch = this.buf;
      this.borrowed = false;
    }
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + extra));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }
}

/**
 * Short strings are copied by hand: for the ASCII and Latin-1 values a worklist holds this beats
 * Buffer#write, whose native call costs more than the copy. UTF-8 beyond ASCII uses Buffer#write.
 */
function writeString(buf: Buffer, at: number, value: string, encoding: 'utf8' | 'latin1'): number {
  const n = value.length;
  if (n > 64) return buf.write(value, at, encoding);
  const limit = encoding === 'latin1' ? 0xff : 0x7f;
  for (let i = 0; i < n; i++) {
    const code = value.charCodeAt(i);
    if (code > limit) return buf.write(value, at, encoding);
    buf[at + i] = code;
  }
  return n;
}
