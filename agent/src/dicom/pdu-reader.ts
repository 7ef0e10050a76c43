/** PDU types of the DICOM upper layer (PS3.8 9.3): A-ASSOCIATE-RQ … A-ABORT. */
const FIRST_PDU_TYPE = 0x01;
const LAST_PDU_TYPE = 0x07;
const PDU_HEADER_BYTES = 6;

/**
 * The largest PDU taken from a peer. The agent offers 64 KB for P-DATA; an association request
 * with every storage class is a few kilobytes. Anything near this is not a DICOM peer, and
 * gathering it would only fill the agent's memory.
 */
export const MAX_PDU_BYTES = 4 * 1024 * 1024;

/**
 * Cuts a connection's byte stream into whole PDUs. A PDU that lies within one received chunk is
 * handed on as a view of it; one that spans chunks is copied once, into a buffer of its exact size
 * (dcmjs-dimse's own reader concatenates every chunk onto what it holds, copying a 64 KB PDU
 * several times, then copies it again).
 */
export class PduReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes of the PDU being gathered, header included; 0 until its header is in. */
  private needed = 0;
  private failed = false;

  constructor(
    private readonly onPdu: (pdu: Buffer) => void,
    private readonly onError: (err: Error) => void,
  ) {}

  push(chunk: Buffer): void {
    if (this.failed || chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    for (;;) {
      if (this.needed === 0) {
        if (this.buffered < PDU_HEADER_BYTES) return;
        const head = this.peekHeader();
        const type = head[0]!;
        const length = head.readUInt32BE(2);
        if (type < FIRST_PDU_TYPE || type > LAST_PDU_TYPE) {
          this.fail(`Unknown PDU type: ${type}`);
          return;
        }
        if (length > MAX_PDU_BYTES - PDU_HEADER_BYTES) {
          this.fail(`PDU of ${length} bytes is larger than the ${MAX_PDU_BYTES} taken`);
          return;
        }
        this.needed = PDU_HEADER_BYTES + length;
      }
      if (this.buffered < this.needed) return;
      const pdu = this.take(this.needed);
      this.needed = 0;
      this.onPdu(pdu);
    }
  }

  private peekHeader(): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= PDU_HEADER_BYTES) return first;
    return Buffer.concat(this.chunks, PDU_HEADER_BYTES);
  }

  private take(bytes: number): Buffer {
    this.buffered -= bytes;
    const first = this.chunks[0]!;
    if (first.length >= bytes) {
      if (first.length === bytes) this.chunks.shift();
      else this.chunks[0] = first.subarray(bytes);
      return first.subarray(0, bytes);
    }
    const pdu = Buffer.allocUnsafe(bytes);
    let at = 0;
    while (at < bytes) {
      const chunk = this.chunks[0]!;
      const part = Math.min(chunk.length, bytes - at);
      chunk.copy(pdu, at, 0, part);
      at += part;
      if (part === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(part);
    }
    return pdu;
  }

  private fail(message: string): void {
    this.failed = true;
    this.chunks = [];
    this.buffered = 0;
    this.onError(new Error(message));
  }
}
