import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedDelivery {
  eventId: string;
  body: string;
  headers: IncomingHttpHeaders;
  receivedAt: number;
  /** The status this receiver answered with; null while (or when never) answered. */
  answered: number | null;
}

/**
 * A PIMS's webhook endpoint: a real HTTP server on loopback that can be healthy (`ok`), failing
 * (`error`: 500) or dead in the water (`hang`: reads the request, never answers).
 */
export class PimsReceiver {
  mode: 'ok' | 'error' | 'hang' = 'ok';
  /** A healthy answer comes this late. */
  delayMs = 0;
  readonly requests: ReceivedDelivery[] = [];
  private server: Server | null = null;
  private readonly hanging = new Set<ServerResponse>();
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        const delivery: ReceivedDelivery = {
          eventId: String(req.headers['lightbox-event-id'] ?? ''),
          body,
          headers: req.headers,
          receivedAt: Date.now(),
          answered: null,
        };
        this.requests.push(delivery);
        const answer = (status: number, text = '') => {
          delivery.answered = status;
          res.writeHead(status, { 'content-type': 'text/plain' }).end(text);
        };
        if (this.mode === 'hang') {
          this.hanging.add(res);
          res.on('close', () => this.hanging.delete(res));
        } else if (this.mode === 'error') {
          answer(500, 'database is locked');
        } else if (this.delayMs > 0) {
          setTimeout(() => answer(200, 'ok'), this.delayMs);
        } else {
          answer(200, 'ok');
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/lightbox/events`;
    return this;
  }

  /** The deliveries this receiver accepted with a 2xx, in arrival order. */
  get accepted(): ReceivedDelivery[] {
    return this.requests.filter((r) => r.answered !== null && r.answered >= 200 && r.answered < 300);
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}
