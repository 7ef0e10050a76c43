import type { OutboundAccess } from '../connector-services.js';
import {
  expectOk,
  VendorRefused,
  vendorApiRequest,
  type VendorBody,
  type VendorResponse,
} from '../vendor-http.js';
import type { ProvetSecrets, ProvetSettings } from './provet-settings.js';

/** Provet Cloud's REST API: every call with `Authorization: Token`, only ever on the configured address. */
export class ProvetApiClient {
  constructor(
    private readonly settings: ProvetSettings,
    private readonly secrets: ProvetSecrets,
    private readonly outbound: OutboundAccess,
  ) {}

  /** GET a resource; null when it is gone (404). */
  async get(path: string): Promise<Record<string, unknown> | null> {
    const res = await this.send('GET', path);
    if (res.status === 404) return null;
    return parseObject(expectOk(res));
  }

  async send(method: string, path: string, body?: VendorBody): Promise<VendorResponse> {
    return vendorApiRequest(
      this.outbound,
      `${this.settings.apiBaseUrl.replace(/\/+$/, '')}/api/0.1/${path.replace(/^\/+/, '')}`,
      { method, authorization: `Token ${this.secrets.apiToken}`, body },
      this.settings.requestTimeoutMs,
    );
  }
}

export function parseObject(res: VendorResponse): Record<string, unknown> {
  try {
    const v = JSON.parse(res.text) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new VendorRefused(502, `expected a JSON object, got: ${res.text.slice(0, 100)}`, null);
}

/** The id of a reference that Provet gives as a number, a string, a URL ending in the id, or `{ id }`. */
export function refId(v: unknown): string | null {
  if (typeof v === 'number' && Number.isInteger(v)) return String(v);
  if (typeof v === 'string') return /(?:^|\/)(\d+)\/?$/.exec(v)?.[1] ?? null;
  if (v && typeof v === 'object' && 'id' in v) return refId(v.id);
  return null;
}
