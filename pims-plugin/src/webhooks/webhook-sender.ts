import { OutboundRefused, type OutboundGuard } from '../security/outbound-guard.js';

/** What one POST to a subscriber came to. */
export interface SendResult {
  ok: boolean;
  statusCode: number | null;
  /**
   * Why it failed, classified by the plugin (`http_status: HTTP 503`, `timeout: …`,
   * `connection_refused: …`, `address_loopback: …`); never words of the receiver's answer, which
   * would make the delivery log a way to read whatever answers at the URL.
   */
  error: string | null;
  durationMs: number;
}

/** How a delivery is sent: a `webhookSender`, or a test's stand-in. */
export type SendDelivery = (
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
) => Promise<SendResult>;

/**
 * POSTs deliveries through the outbound guard, so every connection is checked on the address it
 * actually dials (a name rebound to 127.0.0.1 after subscription is refused then), and never
 * throws: every way it can go wrong (refused, reset, timed out, a non-2xx answer, a redirect — not
 * followed, the signature names one URL) is an `error` to log. The timeout covers the whole
 * exchange, answer body included, so a subscriber that accepts the connection and then stalls
 * cannot hold its queue for longer than that.
 */
export function webhookSender(guard: OutboundGuard): SendDelivery {
  return async (url, body, headers, timeoutMs) => {
    const started = performance.now();
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const res = await guard.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Lightbox-Webhooks/1', ...headers },
        body,
        signal,
      });
      // Read and dropped: it lets the connection be reused for the next delivery.
      await res.arrayBuffer();
      const durationMs = performance.now() - started;
      if (res.status >= 200 && res.status < 300)
        return { ok: true, statusCode: res.status, error: null, durationMs };
      const kind = res.status >= 300 && res.status < 400 ? 'redirect_not_followed' : 'http_status';
      return { ok: false, statusCode: res.status, error: `${kind}: HTTP ${res.status}`, durationMs };
    } catch (err) {
      const durationMs = performance.now() - started;
      return { ok: false, statusCode: null, error: classifyFailure(err, signal, timeoutMs), durationMs };
    }
  };
}

const ERRNO_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection_refused',
  ECONNRESET: 'connection_reset',
  EPIPE: 'connection_reset',
  UND_ERR_SOCKET: 'connection_reset',
  ENOTFOUND: 'unresolvable',
  EAI_AGAIN: 'unresolvable',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  ETIMEDOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
};

/** A stable reason code, then the plugin's own words: the error code, never a peer's text. */
export function classifyFailure(err: unknown, signal: AbortSignal, timeoutMs: number): string {
  if (signal.aborted) return `timeout: no complete answer within ${timeoutMs} ms`;
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof OutboundRefused) return `${e.reason}: ${e.message}`;
    const code = (e as NodeJS.ErrnoException).code;
    if (code && ERRNO_REASONS[code]) return `${ERRNO_REASONS[code]}: ${code}`;
    if (code?.startsWith('ERR_TLS') || code?.startsWith('ERR_SSL') || /CERT|SSL/.test(code ?? ''))
      return `tls_error: ${code}`;
  }
  const code = err instanceof Error ? ((err.cause as NodeJS.ErrnoException | undefined)?.code ?? '') : '';
  return `network_error${code ? `: ${code}` : ''}`;
}
