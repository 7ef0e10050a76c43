import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as a stand-in's routes see it: the body read, and `send` that answers and logs it. */
export interface StandInRequest {
  req: http.IncomingMessage;
  raw: Buffer;
  url: URL;
  send: (status: number, body: unknown, headers?: Record<string, string>) => true;
}

/**
 * What every local stand-in for a vendor's cloud API shares: a loopback HTTP server, a log of the
 * requests, and the faults a test can ask for (server errors, stalls with no answer, answers lost
 * after the data was stored). Each vendor's class supplies its routes and its error bodies.
 */
export abstract class VendorStandIn {
  /** Every request, for tests that count calls (token fetches, retries). */
  readonly log: { method: string; path: string; status: number; at: number }[] = [];
  /** Requests that fail after the data is stored, as a lost answer would: the client cannot tell. */
  private lostAnswers = 0;
  private server: http.Server | null = null;
  private failures = { count: 0, status: 500 };
  private stalls = 0;
  port = 0;

  /** The vendor's error body for a message, as its API shapes refusals. */
  protected abstract errorBody(message: string): unknown;
  /** Answers one request; false leaves it without an answer. */
  protected abstract route(request: StandInRequest): Promise<boolean>;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      void this.handle(req, res).catch((err: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify(this.errorBody(String(err))));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  failNext(count: number, status = 500): void {
    this.failures = { count, status };
  }

  stallNext(count: number): void {
    this.stalls = count;
  }

  loseNextAnswers(count: number): void {
    this.lostAnswers = count;
  }

  /** While lost answers are asked for: the connection dropped after the data was stored. */
  protected answerLost(req: http.IncomingMessage, path: string): boolean {
    if (this.lostAnswers === 0) return false;
    this.lostAnswers--;
    req.socket.destroy();
    this.log.push({ method: req.method ?? '', path, status: 0, at: Date.now() });
    return true;
  }

  /** A request the client will never hear the answer to. */
  protected unanswered(method: string, path: string): false {
    this.log.push({ method, path, status: 0, at: Date.now() });
    return false;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', this.url);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): true => {
      this.log.push({ method: req.method ?? '', path: url.pathname, status, at: Date.now() });
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
      return true;
    };
    if (this.stalls > 0) {
      // No answer at all: the client's deadline decides.
      this.stalls--;
      return this.unanswered(req.method ?? '', url.pathname);
    }
    if (this.failures.count > 0) {
      this.failures.count--;
      return send(this.failures.status, this.errorBody('Server error'));
    }
    return this.route({ req, raw, url, send });
  }
}

/**
 * The multipart form of an upload (an attachment), read with undici's own multipart reader: a
 * stand-in only needs it to read what the test's own client sends.
 */
export async function multipartForm({ req, raw, url }: StandInRequest): Promise<FormData> {
  const multipart = new Request(url, {
    method: 'POST',
    headers: { 'content-type': req.headers['content-type'] ?? '' },
    body: raw,
  });
  // eslint-disable-next-line @typescript-eslint/no-deprecated
  return multipart.formData();
}

/** A form or JSON field as text; anything else (absent, a file, a number) as ''. */
export const str = (v: unknown): string => (typeof v === 'string' ? v : '');
