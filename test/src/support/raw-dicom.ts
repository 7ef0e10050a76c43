import net from 'node:net';

/**
 * DICOM upper-layer PDUs written byte by byte, for what no tool sends: a wrong protocol version,
 * an empty N-SET data set, an association held open without a word.
 */
export const PduType = {
  AssociateRq: 0x01,
  AssociateAc: 0x02,
  AssociateRj: 0x03,
  PData: 0x04,
  ReleaseRq: 0x05,
  ReleaseRp: 0x06,
  Abort: 0x07,
} as const;

export const VERIFICATION = '1.2.840.10008.1.1';
export const MPPS = '1.2.840.10008.3.1.2.3.3';
export const IMPLICIT_LE = '1.2.840.10008.1.2';

export interface Pdu {
  type: number;
  body: Buffer;
}

function pdu(type: number, body: Buffer): Buffer {
  const head = Buffer.alloc(6);
  head.writeUInt8(type, 0);
  head.writeUInt32BE(body.length, 2);
  return Buffer.concat([head, body]);
}

function item(type: number, body: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt8(type, 0);
  head.writeUInt16BE(body.length, 2);
  return Buffer.concat([head, body]);
}

const ascii = (s: string): Buffer => Buffer.from(s, 'latin1');
const ae = (s: string): Buffer => ascii(s.padEnd(16, ' '));

export function associateRq(opts: {
  callingAe?: string;
  calledAe?: string;
  protocolVersion?: number;
  contexts: { id: number; abstractSyntax: string; transferSyntaxes: string[] }[];
}): Buffer {
  const fixed = Buffer.alloc(68);
  fixed.writeUInt16BE(opts.protocolVersion ?? 1, 0);
  ae(opts.calledAe ?? 'LIGHTBOX').copy(fixed, 4);
  ae(opts.callingAe ?? 'RAW').copy(fixed, 20);
  const contexts = opts.contexts.map((c) =>
    item(
      0x20,
      Buffer.concat([
        Buffer.from([c.id, 0, 0, 0]),
        item(0x30, ascii(c.abstractSyntax)),
        ...c.transferSyntaxes.map((ts) => item(0x40, ascii(ts))),
      ]),
    ),
  );
  const maxLength = Buffer.alloc(4);
  maxLength.writeUInt32BE(16384, 0);
  const userInfo = item(
    0x50,
    Buffer.concat([item(0x51, maxLength), item(0x52, ascii('1.2.826.0.1.3680043.9.7433.1'))]),
  );
  return pdu(
    PduType.AssociateRq,
    Buffer.concat([fixed, item(0x10, ascii('1.2.840.10008.3.1.1.1')), ...contexts, userInfo]),
  );
}

/** One element in Implicit VR Little Endian; strings padded to even length. */
export function element(tag: number, value: Buffer | string | number, vr?: 'US' | 'UL'): Buffer {
  let v: Buffer;
  if (typeof value === 'number') {
    v = Buffer.alloc(vr === 'UL' ? 4 : 2);
    if (vr === 'UL') v.writeUInt32LE(value, 0);
    else v.writeUInt16LE(value, 0);
  } else if (typeof value === 'string') v = ascii(value.length % 2 ? `${value}\0` : value);
  else v = value;
  const head = Buffer.alloc(8);
  head.writeUInt16LE(tag >>> 16, 0);
  head.writeUInt16LE(tag & 0xffff, 2);
  head.writeUInt32LE(v.length, 4);
  return Buffer.concat([head, v]);
}

/** A command set with its group length, elements given in tag order. */
export function commandSet(elements: Buffer[]): Buffer {
  const body = Buffer.concat(elements);
  return Buffer.concat([element(0x00000000, body.length, 'UL'), body]);
}

/** A P-DATA-TF carrying one PDV. */
export function pData(contextId: number, value: Buffer, opts: { command: boolean; last?: boolean }): Buffer {
  const header = Buffer.alloc(6);
  header.writeUInt32BE(value.length + 2, 0);
  header.writeUInt8(contextId, 4);
  header.writeUInt8((opts.command ? 1 : 0) | (opts.last === false ? 0 : 2), 5);
  return pdu(PduType.PData, Buffer.concat([header, value]));
}

export const releaseRq = (): Buffer => pdu(PduType.ReleaseRq, Buffer.alloc(4));

export function echoRq(messageId: number): Buffer {
  return commandSet([
    element(0x00000002, VERIFICATION),
    element(0x00000100, 0x0030, 'US'),
    element(0x00000110, messageId, 'US'),
    element(0x00000800, 0x0101, 'US'),
  ]);
}

/** Reads the elements of an Implicit VR Little Endian command set into a map of tag to value. */
export function readCommand(bytes: Buffer): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  let pos = 0;
  while (pos + 8 <= bytes.length) {
    const tag = ((bytes.readUInt16LE(pos) << 16) | bytes.readUInt16LE(pos + 2)) >>> 0;
    const length = bytes.readUInt32LE(pos + 4);
    out.set(tag, bytes.subarray(pos + 8, pos + 8 + length));
    pos += 8 + length;
  }
  return out;
}

/** The command PDV of a P-DATA-TF PDU (the value after the PDV header). */
export function pdvValue(p: Pdu): { contextId: number; command: boolean; value: Buffer } {
  const length = p.body.readUInt32BE(0);
  return {
    contextId: p.body.readUInt8(4),
    command: (p.body.readUInt8(5) & 1) === 1,
    value: p.body.subarray(6, 4 + length),
  };
}

/** A-ASSOCIATE-RJ: result, source, reason (PS3.8 9.3.4). */
export function rejectOf(p: Pdu): { result: number; source: number; reason: number } {
  return { result: p.body.readUInt8(1), source: p.body.readUInt8(2), reason: p.body.readUInt8(3) };
}

/** A TCP connection to the agent that sends raw bytes and collects the PDUs it gets back. */
export class RawPeer {
  readonly socket: net.Socket;
  readonly closed: Promise<number>;
  private buffer = Buffer.alloc(0);
  private readonly pdus: Pdu[] = [];
  private waiters: (() => void)[] = [];
  private readonly openedAt = Date.now();

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      while (this.buffer.length >= 6) {
        const length = this.buffer.readUInt32BE(2);
        if (this.buffer.length < 6 + length) break;
        this.pdus.push({ type: this.buffer.readUInt8(0), body: this.buffer.subarray(6, 6 + length) });
        this.buffer = this.buffer.subarray(6 + length);
      }
      this.wake();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.wake();
        resolve(Date.now() - this.openedAt);
      }),
    );
  }

  static connect(port: number): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(new RawPeer(socket)));
      socket.once('error', reject);
    });
  }

  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  get isClosed(): boolean {
    return this.socket.destroyed || this.socket.readyState === 'closed';
  }

  /** The next PDU from the agent; rejects when none comes in time or the connection closes first. */
  async next(timeoutMs = 5_000): Promise<Pdu> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const p = this.pdus.shift();
      if (p) return p;
      if (this.isClosed) throw new Error('connection closed before the next PDU');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no PDU within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Association request answered with A-ASSOCIATE-AC, or throws naming what came instead. */
  async associate(rq: Buffer): Promise<void> {
    this.send(rq);
    const answer = await this.next();
    if (answer.type !== PduType.AssociateAc)
      throw new Error(`expected A-ASSOCIATE-AC, got PDU ${answer.type}`);
  }

  /** Sends a C-ECHO-RQ on presentation context `contextId`, resolves with its status. */
  async echo(contextId: number, messageId = 1): Promise<number> {
    this.send(pData(contextId, echoRq(messageId), { command: true }));
    const answer = await this.next();
    if (answer.type !== PduType.PData) throw new Error(`expected P-DATA-TF, got PDU ${answer.type}`);
    const status = readCommand(pdvValue(answer).value).get(0x00000900);
    if (!status) throw new Error('C-ECHO-RSP without a status');
    return status.readUInt16LE(0);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
