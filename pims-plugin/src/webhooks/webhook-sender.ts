/** What one POST to a subscriber came to. */
export interface SendResult {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/** How a delivery is sent: `sendDelivery`, or a test's stand-in. */
export type SendDelivery = typeof sendDelivery;

const KEEP_OF_ANSWER = 200;

/**
 * POSTs one delivery and never throws: every way it can go wrong (refused, reset, timed out, a
 * non-2xx answer, a redirect — not followed, the signature names one URL) is an `error` to log.
 * The timeout covers the whole exchange, answer body included, so a subscriber that accepts the
 * connection and then stalls cannot hold its queue for longer than that.
 */
export async function sendDelivery(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<SendResult> {
  const started = performance.now();
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Lightbox-Webhooks/1', ...headers },
      body,
      redirect: 'manual',
      signal,
    });
    // Reading the answer lets the connection be reused for the next delivery.
    const text = await res.text();
    const durationMs = performance.now() - started;
    if (res.status >= 200 && res.status < 300)
      return { ok: true, statusCode: res.status, error: null, durationMs };
    const snippet = text.replace(/\s+/g, ' ').trim().slice(0, KEEP_OF_ANSWER);
    return {
      ok: false,
      statusCode: res.status,
      error: `HTTP ${res.status}${snippet ? `: ${snippet}` : ''}`,
      durationMs,
    };
  } catch (err) {
    const durationMs = performance.now() - started;
    return { ok: false, statusCode: null, error: describeFailure(err, signal, timeoutMs), durationMs };
  }
}

function describeFailure(err: unknown, signal: AbortSignal, timeoutMs: number): string {
  if (signal.aborted) return `timed out after ${timeoutMs} ms`;
  const cause = err instanceof Error ? (err.cause as NodeJS.ErrnoException | undefined) : undefined;
  if (cause?.code) return `${cause.code}${cause.message ? `: ${cause.message}` : ''}`;
  return err instanceof Error ? err.message : String(err);
}
