import net from 'node:net';

/**
 * One association that stays open and sends a C-ECHO every `intervalMs`, timing each round trip:
 * how long a modality's "test connection" waits while the agent is busy. A spawned echoscu per
 * probe would also time process start and association set-up; this measures the answer alone.
 * The PDUs are written by hand (Verification, Implicit VR Little Endian) so nothing in the prober
 * shares code with the agent under test.
 */
export class EchoProbe {
  readonly latenciesMs: number[] = [];
  private socket: net.Socket | null = null;
  private timer: NodeJS.Timeout | null = null;
  private sentAt: number | null = null;
  private messageId = 1;
  private inbox = Buffer.alloc(0);
  private associated: (() => void) | null = null;
  private failure: Error | null = null;

  constructor(
    private readonly port: number,
    private readonly calledAe: string,
    private readonly intervalMs = 50,
  ) {}

  async start(): Promise<void> {
    const socket = net.connect(this.port, '127.0.0.1');
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.receive(d));
    socket.on('error', (err) => (this.failure ??= err));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('C-ECHO probe: no association within 10 s')), 10_000);
      this.associated = () => {
        clearTimeout(t);
        resolve();
      };
      socket.once('connect', () => socket.write(associateRq(this.calledAe, 'ECHOPROBE')));
      socket.once('close', () => reject(this.failure ?? new Error('C-ECHO probe: association refused')));
    });
    this.timer = setInterval(() => this.tick(), this.intervalMs);
  }

  /** Stops probing; a probe still unanswered counts with the time it has waited so far. */
  stop(): number[] {
    if (this.timer) clearInterval(this.timer);
    if (this.sentAt !== null) this.latenciesMs.push(performance.now() - this.sentAt);
    this.socket?.destroy();
    if (this.failure) throw this.failure;
    return this.latenciesMs;
  }

  private tick(): void {
    // One echo in flight at a time: a slow answer delays the next probe, it does not pile them up.
    if (this.sentAt !== null || !this.socket) return;
    this.sentAt = performance.now();
    this.socket.write(echoRq(this.messageId++));
  }

  private receive(data: Buffer): void {
    this.inbox = Buffer.concat([this.inbox, data]);
    for (let n = 0; n < 1_000 && this.inbox.length >= 6; n++) {
      const length = 6 + this.inbox.readUInt32BE(2);
      if (this.inbox.length < length) return;
      const type = this.inbox[0];
      this.inbox = this.inbox.subarray(length);
      if (type === 0x02) this.associated?.();
      else if (type === 0x04 && this.sentAt !== null) {
        // Every P-DATA here is the answer to the one echo in flight (its command fits one PDV).
        this.latenciesMs.push(performance.now() - this.sentAt);
        this.sentAt = null;
      } else if (type === 0x03 || type === 0x07) {
        this.failure ??= new Error(`C-ECHO probe: association ${type === 0x03 ? 'rejected' : 'aborted'}`);
      }
    }
  }
}

function item(type: number, body: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head[0] = type;
  head.writeUInt16BE(body.length, 2);
  return Buffer.concat([head, body]);
}

const ascii = (s: string) => Buffer.from(s, 'latin1');
const aeField = (ae: string) => ascii(ae.padEnd(16, ' ').slice(0, 16));

function associateRq(called: string, calling: string): Buffer {
  const context = item(
    0x20,
    Buffer.concat([
      Buffer.from([1, 0, 0, 0]),
      item(0x30, ascii('1.2.840.10008.1.1')),
      item(0x40, ascii('1.2.840.10008.1.2')),
    ]),
  );
  const maxLength = Buffer.alloc(4);
  maxLength.writeUInt32BE(16_384);
  const userInfo = item(
    0x50,
    Buffer.concat([item(0x51, maxLength), item(0x52, ascii('1.2.826.0.1.3680043.9.7433.1.1'))]),
  );
  const body = Buffer.concat([
    Buffer.from([0x00, 0x01, 0x00, 0x00]),
    aeField(called),
    aeField(calling),
    Buffer.alloc(32),
    item(0x10, ascii('1.2.840.10008.3.1.1.1')),
    context,
    userInfo,
  ]);
  return pdu(0x01, body);
}

function pdu(type: number, body: Buffer): Buffer {
  const head = Buffer.alloc(6);
  head[0] = type;
  head.writeUInt32BE(body.length, 2);
  return Buffer.concat([head, body]);
}

/** An Implicit VR Little Endian element of the command group. */
function element(tagElement: number, value: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16LE(0x0000, 0);
  head.writeUInt16LE(tagElement, 2);
  head.writeUInt32LE(value.length, 4);
  return Buffer.concat([head, value]);
}

const us = (v: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v);
  return b;
};

function echoRq(messageId: number): Buffer {
  const rest = Buffer.concat([
    element(0x0002, Buffer.concat([ascii('1.2.840.10008.1.1'), Buffer.from([0])])),
    element(0x0100, us(0x0030)),
    element(0x0110, us(messageId & 0xffff)),
    element(0x0800, us(0x0101)),
  ]);
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(rest.length);
  const command = Buffer.concat([element(0x0000, groupLength), rest]);
  const pdvLength = Buffer.alloc(4);
  pdvLength.writeUInt32BE(command.length + 2);
  // Presentation context 1, message control header 0x03: command, last fragment.
  return pdu(0x04, Buffer.concat([pdvLength, Buffer.from([1, 0x03]), command]));
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}
