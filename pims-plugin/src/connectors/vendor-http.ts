import type { FormData } from 'undici';
import type { DeliveryOutcome } from './connector-kind.js';
import type { OutboundAccess } from './connector-services.js';

/** The PIMS's API could not be reached at all (refused, reset, timed out): everything waits. */
export class VendorUnreachable extends Error {}

/** The PIMS's API answered with something other than success. */
export class VendorRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly retryAfterMs: number | null,
  ) {
    super(`HTTP ${status}${body ? `: ${body.slice(0, 300)}` : ''}`);
  }
}

export interface VendorResponse {
  status: number;
  headers: Headers;
  text: string;
}

/**
 * One request to a PIMS's API through the outbound guard, with a deadline: a refused connection or a
 * timeout is VendorUnreachable; any answer is returned as it came.
 */
export async function vendorRequest(
  outbound: OutboundAccess,
  url: string,
  init: { method: string; headers?: Record<string, string>; body?: string | FormData },
  timeoutMs: number,
): Promise<VendorResponse> {
  try {
    const res = await outbound.fetch(url, {
      method: init.method,
      headers: init.headers,
      body: init.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: res.status, headers: res.headers as unknown as Headers, text: await res.text() };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const why =
      e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.message ?? e.message);
    throw new VendorUnreachable(`${url.replace(/\?.*$/, '')}: ${why}`);
  }
}

/** A request body for a PIMS's API: JSON, sent with its content type, or a multipart form. */
export type VendorBody = { json: unknown } | { form: FormData };

/** One call to a PIMS's JSON API, authorised as `authorization`: asks for JSON, sends the body as given. */
export function vendorApiRequest(
  outbound: OutboundAccess,
  url: string,
  call: { method: string; authorization: string; body?: VendorBody | undefined },
  timeoutMs: number,
): Promise<VendorResponse> {
  const headers: Record<string, string> = { authorization: call.authorization, accept: 'application/json' };
  let payload: string | FormData | undefined;
  if (call.body && 'json' in call.body) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(call.body.json);
  } else if (call.body) {
    payload = call.body.form;
  }
  return vendorRequest(
    outbound,
    url,
    { method: call.method, headers, ...(payload !== undefined ? { body: payload } : {}) },
    timeoutMs,
  );
}

/** `Retry-After` as seconds or an HTTP date (RFC 9110 10.2.3), in milliseconds from now. */
export function retryAfterMs(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** What a failed write-back means for the message: wait and retry, or give up on it for good. */
export function outcomeOfFailure(err: unknown): DeliveryOutcome {
  if (err instanceof VendorUnreachable) return { kind: 'unreachable', error: err.message };
  if (err instanceof VendorRefused) {
    if (err.status === 429) {
      return {
        kind: 'retry',
        error: err.message,
        ...(err.retryAfterMs !== null ? { notBefore: Date.now() + err.retryAfterMs } : {}),
      };
    }
    // 5xx and the transient 408/409/423/425: the same request may succeed later.
    if (err.status >= 500 || [408, 409, 423, 425].includes(err.status)) {
      return {
        kind: 'retry',
        error: err.message,
        ...(err.retryAfterMs !== null ? { notBefore: Date.now() + err.retryAfterMs } : {}),
      };
    }
    return { kind: 'rejected', error: err.message };
  }
  return { kind: 'retry', error: err instanceof Error ? err.message : String(err) };
}

/** Throws VendorRefused unless the answer is a 2xx. */
export function expectOk(res: VendorResponse): VendorResponse {
  if (res.status >= 200 && res.status < 300) return res;
  throw new VendorRefused(res.status, res.text, retryAfterMs(res.headers.get('retry-after')));
}
