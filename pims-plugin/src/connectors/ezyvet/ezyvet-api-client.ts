import type { OutboundAccess } from '../connector-services.js';
import {
  expectOk,
  VendorRefused,
  vendorApiRequest,
  vendorRequest,
  type VendorBody,
  type VendorResponse,
} from '../vendor-http.js';
import type { EzyvetSecrets, EzyvetSettings } from './ezyvet-settings.js';

/** Renew this long before the token's stated expiry, so a request never leaves with a dying token. */
const EXPIRY_MARGIN_MS = 60_000;

/**
 * ezyVet's API as this connector uses it: OAuth2 client credentials, the token kept until shortly
 * before it expires and fetched anew once when a request is answered 401 (revoked, or the clock
 * disagreed), then the request sent again once.
 */
export class EzyvetApiClient {
  private token: { value: string; until: number } | null = null;

  constructor(
    private readonly settings: EzyvetSettings,
    private readonly secrets: EzyvetSecrets,
    private readonly outbound: OutboundAccess,
  ) {}

  async request(method: string, path: string, body?: VendorBody): Promise<VendorResponse> {
    let res = await this.send(method, path, body, await this.accessToken());
    if (res.status === 401) {
      this.token = null;
      res = await this.send(method, path, body, await this.accessToken());
    }
    return expectOk(res);
  }

  /** A fresh token, for the installer's connection test. */
  async checkCredentials(): Promise<void> {
    this.token = null;
    await this.accessToken();
  }

  private send(
    method: string,
    path: string,
    body: VendorBody | undefined,
    token: string,
  ): Promise<VendorResponse> {
    return vendorApiRequest(
      this.outbound,
      `${this.base()}${path}`,
      { method, authorization: `Bearer ${token}`, body },
      this.settings.requestTimeoutMs,
    );
  }

  private async accessToken(): Promise<string> {
    if (this.token && Date.now() < this.token.until) return this.token.value;
    const res = await vendorRequest(
      this.outbound,
      `${this.base()}/v1/oauth/access_token`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({
          partner_id: this.settings.partnerId,
          client_id: this.settings.clientId,
          client_secret: this.secrets.clientSecret,
          grant_type: 'client_credentials',
          scope: this.settings.scope,
          ...(this.settings.siteUid ? { site_uid: this.settings.siteUid } : {}),
        }),
      },
      this.settings.requestTimeoutMs,
    );
    expectOk(res);
    let parsed: { access_token?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(res.text) as typeof parsed;
    } catch {
      throw new VendorRefused(res.status, `the token answer is not JSON: ${res.text.slice(0, 100)}`, null);
    }
    if (typeof parsed.access_token !== 'string' || parsed.access_token === '') {
      throw new VendorRefused(res.status, 'the token answer has no access_token', null);
    }
    const ttlMs =
      typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in * 1000 : 3_600_000;
    this.token = {
      value: parsed.access_token,
      until: Date.now() + Math.max(ttlMs - EXPIRY_MARGIN_MS, ttlMs / 2),
    };
    return this.token.value;
  }

  private base(): string {
    return this.settings.apiBaseUrl.replace(/\/+$/, '');
  }
}
