import net from 'node:net';
import { decodeHl7, reader } from './hl7-message.js';
import { MllpFrameReader, mllpFrame } from './mllp-framing.js';

export type SendResult = { kind: 'ack'; code: string; text: string } | { kind: 'unreachable'; error: string };

export interface MllpClientOptions {
  host: string;
  port: number;
  ackTimeoutMs: number;
  /** Checks the destination before each new connection (the outbound guard). */
  check: (host: string, port: number) => Promise<void>;
}

/**
 * One MLLP connection to the PIMS, opened when needed and kept: a message is written, and its
 * acknowledgement (MSA-2 = its control id) awaited. Anything else — refused, reset, silent past the
 * timeout, an answer for another message — closes the connection and reports `unreachable`, so the
 * caller retries the same message on a fresh one.
 */
export class MllpClient {
  private socket: net.Socket | null = null;
  private reader = new MllpFrameReader(16 * 1024 * 1024);
  private waiting: ((frame: Buffer | Error) => void) | null = null;

  constructor(private readonly opts: MllpClientOptions) {}

  async send(message: Buffer, controlId: string): Promise<SendResult> {
    try {
      const socket = await this.connect();
      const answer = await new Promise<Buffer | Error>((resolve) => {
        const timer = setTimeout(
          () => resolve(new Error(`no acknowledgement within ${this.opts.ackTimeoutMs} ms`)),
          this.opts.ackTimeoutMs,
        );
        this.waiting = (frame) => {
          clearTimeout(timer);
          this.waiting = null;
          resolve(frame);
        };
        socket.write(mllpFrame(message));
      });
      if (answer instanceof Error) throw answer;
      const decoded = decodeHl7(answer, 'UNICODE UTF-8');
      if (!decoded.ok) throw new Error(`unreadable acknowledgement: ${decoded.problem.text}`);
      const msa = reader(decoded.decoded.message.getSegment('MSA'), decoded.decoded.message.context);
      if (msa(2) !== controlId) {
        throw new Error(`acknowledgement for ${JSON.stringify(msa(2))}, not for ${controlId}`);
      }
      return { kind: 'ack', code: msa(1).toUpperCase(), text: msa(3) };
    } catch (err) {
      this.close();
      return { kind: 'unreachable', error: err instanceof Error ? err.message : String(err) };
    }
  }

  close(): void {
    this.socket?.destroy();
    this.socket = null;
    this.reader = new MllpFrameReader(16 * 1024 * 1024);
    this.waiting?.(new Error('connection closed'));
  }

  private async connect(): Promise<net.Socket> {
    if (this.socket && !this.socket.destroyed) return this.socket;
    await this.opts.check(this.opts.host, this.opts.port);
    const socket = net.connect({ host: this.opts.host, port: this.opts.port, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no connection within ${this.opts.ackTimeoutMs} ms`));
      }, this.opts.ackTimeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    socket.setKeepAlive(true, 60_000);
    socket.on('data', (chunk: Buffer) => {
      for (const item of this.reader.push(chunk)) {
        if (item.kind === 'frame') this.waiting?.(item.bytes);
        else this.waiting?.(new Error('the PIMS answered with something that is not an MLLP frame'));
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.socket === socket) this.close();
    });
    this.socket = socket;
    return socket;
  }
}
