/**
 * MLLP (HL7 v2 Minimal Lower Layer Protocol): every message travels as <VT> bytes <FS><CR>.
 *
 * Why not `@medplum/hl7`'s connection: the 4.x line (the last for Node 20) completes a frame only
 * when one TCP read ends with <FS><CR>, so two messages in one read become one and a frame split
 * between <FS> and <CR> never completes; it has no size limit and binds every interface. The 5.x
 * line reads frames properly but needs Node 22. The message model and parser stay the library's
 * (`hl7-message.ts`); only the frame boundary, with the limits a listener open to a clinic network
 * needs, is here.
 */
export const VT = 0x0b;
export const FS = 0x1c;
export const CR = 0x0d;

/** What a chunk completed, in stream order: a frame, or a problem to answer in its place. */
export type FrameItem = { kind: 'frame'; bytes: Buffer } | FrameProblem;

export type FrameProblem =
  /** Bytes outside a frame that are not whitespace: the peer does not speak MLLP. */
  | { kind: 'garbage'; sample: string }
  /**
   * A frame grew past the limit: reported at its end, with its first bytes (the header, to answer
   * it by its control id); the rest was skipped, never held.
   */
  | { kind: 'too_large'; limit: number; head: Buffer };

/** How much of an oversized frame is kept to answer it. */
const HEAD_BYTES = 4096;

/**
 * Splits a byte stream into frames. `push` returns the frames (and problems) completed by a chunk; a frame may span
 * any number of chunks and a chunk may hold any number of frames. Memory is bounded by the limit.
 */
export class MllpFrameReader {
  private parts: Buffer[] = [];
  private size = 0;
  private inFrame = false;
  /** Inside an oversized frame: bytes are dropped until its end; its first bytes are kept. */
  private skipping = false;
  private head: Buffer = Buffer.alloc(0);
  /** The previous chunk ended inside a frame with <FS>: a <CR> first in the next one ends it. */
  private pendingFs = false;

  constructor(private readonly maxFrameBytes: number) {}

  /** True while a frame has begun and not ended: a peer that stops here has stalled mid-frame. */
  get midFrame(): boolean {
    return this.inFrame;
  }

  push(chunk: Buffer): FrameItem[] {
    const items: FrameItem[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (!this.inFrame) {
        const start = chunk.indexOf(VT, i);
        const outside = chunk.subarray(i, start < 0 ? chunk.length : start);
        if (outside.some((b) => b !== 0x0a && b !== 0x0d && b !== 0x20)) {
          items.push({ kind: 'garbage', sample: printable(outside) });
        }
        if (start < 0) break;
        this.inFrame = true;
        i = start + 1;
        continue;
      }
      if (this.pendingFs) {
        this.pendingFs = false;
        if (chunk[i] === CR) {
          this.finish(items, 1);
          i += 1;
          continue;
        }
      }
      const fs = chunk.indexOf(FS, i);
      if (fs < 0) {
        this.append(chunk.subarray(i));
        break;
      }
      if (fs + 1 >= chunk.length) {
        // <FS> is the chunk's last byte: the frame ends only if the next byte is <CR>.
        this.append(chunk.subarray(i, fs + 1));
        this.pendingFs = true;
        break;
      }
      if (chunk[fs + 1] === CR) {
        this.append(chunk.subarray(i, fs));
        this.finish(items, 0);
        i = fs + 2;
      } else {
        // An <FS> inside a message (not allowed, but harmless): kept as data.
        this.append(chunk.subarray(i, fs + 1));
        i = fs + 1;
      }
    }
    return items;
  }

  private append(bytes: Buffer): void {
    if (this.skipping || bytes.length === 0) return;
    if (this.size + bytes.length > this.maxFrameBytes) {
      this.skipping = true;
      this.head = Buffer.concat([...this.parts, bytes]).subarray(0, HEAD_BYTES);
      this.parts = [];
      this.size = 0;
      return;
    }
    this.parts.push(bytes);
    this.size += bytes.length;
  }

  /** Ends the frame; `trailingFs` is 1 when its <FS> was kept at the end of the data. */
  private finish(items: FrameItem[], trailingFs: 0 | 1): void {
    if (this.skipping) {
      items.push({ kind: 'too_large', limit: this.maxFrameBytes, head: this.head });
      this.head = Buffer.alloc(0);
    } else {
      const whole = Buffer.concat(this.parts, this.size);
      items.push({ kind: 'frame', bytes: whole.subarray(0, whole.length - trailingFs) });
    }
    this.parts = [];
    this.size = 0;
    this.inFrame = false;
    this.skipping = false;
  }
}

/** Wraps a message's bytes in an MLLP frame. */
export function mllpFrame(message: Buffer): Buffer {
  const out = Buffer.allocUnsafe(message.length + 3);
  out[0] = VT;
  message.copy(out, 1);
  out[message.length + 1] = FS;
  out[message.length + 2] = CR;
  return out;
}

function printable(bytes: Buffer): string {
  return bytes
    .subarray(0, 32)
    .toString('latin1')
    .replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
