import { randomBytes } from 'node:crypto';
import { multipartForm, str, VendorStandIn, type StandInRequest } from './vendor-stand-in.js';

/**
 * A stand-in for ezyVet's API, for tests only: ezyVet's servers cannot be reached from here. It
 * does what ezyVet's published documents say the real API does, and refuses what they say it
 * refuses; each behaviour names its page:
 *
 * - [SPI] https://developers.ezyvet.com/pacs.html (Standard PACS Interface, also openapi/pacs.json)
 * - [API] https://developers.ezyvet.com/docs/v1/ (rate limits: HTTP 429 when over the limit)
 *
 * Tokens: POST /v1/oauth/access_token takes partner_id, client_id, client_secret, grant_type
 * `client_credentials`, scope and site_uid, and answers access_token, token_type and expires_in
 * [SPI "Fetch a JWT bearer token"]; every other call needs `Authorization: Bearer` with a token
 * that is current [SPI "Authorizations: bearerAuth"]. Attachments: POST /v1/attachment creates one
 * linked to a record by record_type and record_id, with the file's data [SPI "Creates a single
 * Attachment"]. Results: /v1/diagnosticresult [SPI scopes read-/write-diagnosticresult]. List
 * answers are `{ items: [{ <resource>: {...} }] }` as ezyVet's v1 lists are [API].
 */
export class EzyvetStandIn extends VendorStandIn {
  readonly attachments: {
    id: number;
    record_type: string;
    record_id: string;
    name: string;
    description: string;
    bytes: Buffer;
  }[] = [];
  readonly results: {
    id: number;
    diagnostic_request_id: string;
    animal_id: string;
    status: string;
    result_url: string;
  }[] = [];
  private readonly tokens = new Map<string, number>();
  private throttle: { count: number; retryAfterSeconds: number } = { count: 0, retryAfterSeconds: 0 };

  constructor(
    readonly credentials: { partnerId: string; clientId: string; clientSecret: string },
    private readonly tokenTtlSeconds = 3600,
  ) {
    super();
  }

  /** Every token issued so far stops working, as at the end of its TTL. */
  expireTokens(): void {
    for (const t of this.tokens.keys()) this.tokens.set(t, 0);
  }

  throttleNext(count: number, retryAfterSeconds: number): void {
    this.throttle = { count, retryAfterSeconds };
  }

  tokenRequests(): number {
    return this.log.filter((l) => l.path === '/v1/oauth/access_token').length;
  }

  protected errorBody(message: string): unknown {
    return { error: message };
  }

  protected async route(request: StandInRequest): Promise<boolean> {
    const { req, raw, url, send } = request;
    if (this.throttle.count > 0) {
      // [API] over the rate limit: 429, with when to come back.
      this.throttle.count--;
      return send(
        429,
        { error: 'too many requests' },
        { 'retry-after': String(this.throttle.retryAfterSeconds) },
      );
    }

    if (req.method === 'POST' && url.pathname === '/v1/oauth/access_token') {
      // [SPI "Fetch a JWT bearer token"]: JSON body, client credentials grant.
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      } catch {
        return send(400, { error: 'invalid_request', error_description: 'body is not JSON' });
      }
      const missing = ['partner_id', 'client_id', 'client_secret', 'grant_type'].filter(
        (k) => typeof body[k] !== 'string' || body[k] === '',
      );
      if (missing.length > 0) {
        return send(400, { error: 'invalid_request', error_description: `missing ${missing.join(', ')}` });
      }
      if (body.grant_type !== 'client_credentials') return send(400, { error: 'unsupported_grant_type' });
      const c = this.credentials;
      if (
        body.partner_id !== c.partnerId ||
        body.client_id !== c.clientId ||
        body.client_secret !== c.clientSecret
      ) {
        return send(401, { error: 'invalid_client' });
      }
      const token = randomBytes(20).toString('hex');
      this.tokens.set(token, Date.now() + this.tokenTtlSeconds * 1000);
      return send(200, { access_token: token, token_type: 'Bearer', expires_in: this.tokenTtlSeconds });
    }

    // [SPI bearerAuth]: every resource call carries a current bearer token.
    const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    const until = bearer ? this.tokens.get(bearer) : undefined;
    if (until === undefined) return send(401, { error: 'invalid_token' });
    if (until <= Date.now()) return send(401, { error: 'invalid_token', error_description: 'token expired' });

    // Stored, but the answer never arrives.
    const lose = () => this.answerLost(req, url.pathname);

    if (url.pathname === '/v1/attachment' && req.method === 'GET') {
      const q = url.searchParams;
      const items = this.attachments
        .filter(
          (a) =>
            (!q.get('record_type') || a.record_type === q.get('record_type')) &&
            (!q.get('record_id') || a.record_id === q.get('record_id')) &&
            (!q.get('name') || a.name === q.get('name')),
        )
        .map(({ bytes: _bytes, ...a }) => ({ attachment: a }));
      return send(200, { meta: { items_total: items.length }, items });
    }
    if (url.pathname === '/v1/attachment' && req.method === 'POST') {
      // [SPI "Creates a single Attachment"]: multipart, record_type + record_id + the file's data.
      const form = await multipartForm(request);
      const file = form.get('file');
      const missing = ['record_type', 'record_id'].filter(
        (k) => typeof form.get(k) !== 'string' || form.get(k) === '',
      );
      if (!(file instanceof Blob)) missing.push('file');
      if (missing.length > 0) return send(400, { error: `missing ${missing.join(', ')}` });
      const a = {
        id: this.attachments.length + 1,
        record_type: str(form.get('record_type')),
        record_id: str(form.get('record_id')),
        name: str(form.get('name')),
        description: str(form.get('description')),
        bytes: Buffer.from(await (file as Blob).arrayBuffer()),
      };
      this.attachments.push(a);
      if (lose()) return false;
      return send(200, { attachment: { id: a.id, name: a.name } });
    }
    if (url.pathname === '/v1/diagnosticresult' && req.method === 'GET') {
      const id = url.searchParams.get('diagnostic_request_id');
      const items = this.results
        .filter((r) => !id || r.diagnostic_request_id === id)
        .map((r) => ({ diagnosticresult: r }));
      return send(200, { meta: { items_total: items.length }, items });
    }
    if (url.pathname === '/v1/diagnosticresult' && req.method === 'POST') {
      const body = JSON.parse(raw.toString('utf8') || '{}') as Record<string, unknown>;
      const missing = ['diagnostic_request_id', 'animal_id', 'status'].filter(
        (k) => typeof body[k] !== 'string',
      );
      if (missing.length > 0) return send(400, { error: `missing ${missing.join(', ')}` });
      const r = {
        id: this.results.length + 1,
        diagnostic_request_id: body.diagnostic_request_id as string,
        animal_id: body.animal_id as string,
        status: body.status as string,
        result_url: str(body.result_url),
      };
      this.results.push(r);
      return send(200, { diagnosticresult: r });
    }
    const patch = /^\/v1\/diagnosticresult\/(\d+)$/.exec(url.pathname);
    if (patch && req.method === 'PATCH') {
      const r = this.results.find((x) => x.id === Number(patch[1]));
      if (!r) return send(404, { error: 'not found' });
      const body = JSON.parse(raw.toString('utf8') || '{}') as Record<string, unknown>;
      if (typeof body.status === 'string') r.status = body.status;
      if (typeof body.result_url === 'string') r.result_url = body.result_url;
      return send(200, { diagnosticresult: r });
    }
    return send(404, { error: 'not found' });
  }
}
