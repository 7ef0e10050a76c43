import net from 'node:net';
import type { Logger } from '../../log.js';
import type { TrafficLog } from '../connector-traffic.js';
import type { Hl7Intake } from './hl7-intake.js';
import { MllpFrameReader, mllpFrame, type FrameItem } from './mllp-framing.js';

export interface ListenerOptions {
  host: string;
  port: number;
  maxMessageBytes: number;
  /** A frame begun and not finished for this long closes the connection. */
  frameTimeoutMs: number;
  connectorId: string;
  intake: Hl7Intake;
  traffic: TrafficLog;
  log: Logger;
}

/** Frames taken into one batch (one transaction): the more a sender pipelines, the fewer commits. */
const BATCH = 200;
/** A sender this far ahead of its answers is paused (TCP backpressure) until they catch up. */
const QUEUE_HIGH = 1_000;

/**
 * The MLLP listener of one HL7 connector. Each connection's frames are answered in the order they
 * came, a batch at a time; whatever a connection does (garbage, an oversized message, a stall
 * mid-frame, a reset) ends at most that connection, never the listener.
 */
export class Hl7Listener {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  private readonly sessions = new Set<Promise<void>>();

  constructor(private readonly opts: ListenerOptions) {}

  async start(): Promise<number> {
    const server = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.opts.log.error('HL7 listener error', { err: err.message }));
    return (server.address() as net.AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    // Batches in flight finish their commit; their answers are lost with the connection, and the
    // sender's resend is answered from what was recorded.
    await Promise.allSettled([...this.sessions]);
  }

  private accept(socket: net.Socket): void {
    const { log, connectorId } = this.opts;
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    this.sockets.add(socket);
    socket.setKeepAlive(true, 60_000);
    const reader = new MllpFrameReader(this.opts.maxMessageBytes);
    const queue: FrameItem[] = [];
    let busy = false;
    const conn = { closed: false };
    const isClosed = () => conn.closed;
    let stallTimer: NodeJS.Timeout | null = null;

    const armStallTimer = () => {
      if (stallTimer) clearTimeout(stallTimer);
      stallTimer = null;
      if (!reader.midFrame) return;
      stallTimer = setTimeout(() => {
        log.warn('HL7 connection stalled mid-message; closed', { connectorId, peer });
        void this.opts.traffic
          .record([
            {
              direction: 'in',
              label: 'incomplete message',
              outcome: 'rejected',
              detail: `nothing more for ${this.opts.frameTimeoutMs} ms in the middle of a message; connection closed`,
            },
          ])
          .catch(() => undefined);
        socket.destroy();
      }, this.opts.frameTimeoutMs);
    };

    const drain = async () => {
      if (busy) return;
      busy = true;
      try {
        while (queue.length > 0 && !conn.closed) {
          const batch = queue.splice(0, BATCH);
          const answers = await this.opts.intake.take(batch);
          const out: Buffer[] = [];
          let closeWhy: string | null = null;
          for (const a of answers) {
            if ('close' in a) {
              closeWhy = a.close;
              break;
            }
            out.push(mllpFrame(a.bytes));
          }
          if (!isClosed() && out.length > 0) socket.write(Buffer.concat(out));
          if (closeWhy) {
            log.warn('HL7 connection sent something that is not MLLP; closed', {
              connectorId,
              peer,
              why: closeWhy,
            });
            conn.closed = true;
            socket.end();
            setTimeout(() => socket.destroy(), 1_000).unref();
            return;
          }
          if (queue.length < QUEUE_HIGH / 2 && socket.isPaused()) socket.resume();
        }
      } finally {
        busy = false;
      }
    };

    const session = new Promise<void>((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        if (conn.closed) return;
        queue.push(...reader.push(chunk));
        armStallTimer();
        if (queue.length >= QUEUE_HIGH) socket.pause();
        void drain().catch((err: unknown) => {
          // The database failed: nothing was answered, so the sender resends; start over clean.
          log.error('HL7 messages could not be recorded; connection closed', {
            connectorId,
            peer,
            err: err instanceof Error ? err.message : String(err),
          });
          conn.closed = true;
          socket.destroy();
        });
      });
      socket.on('error', () => undefined);
      socket.on('close', () => {
        conn.closed = true;
        if (stallTimer) clearTimeout(stallTimer);
        this.sockets.delete(socket);
        resolve();
      });
    });
    this.sessions.add(session);
    void session.then(() => this.sessions.delete(session));
  }
}
