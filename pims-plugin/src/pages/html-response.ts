import type { HtmlEscapedString } from 'hono/utils/html';
import { pageHeaders } from './page-headers.js';

/** A rendered page as a response, with the page headers (CSP, no caching, no referrer). */
export async function htmlResponse(
  page: HtmlEscapedString | Promise<HtmlEscapedString>,
  init: { status?: number; frameAncestors?: readonly string[]; headers?: Record<string, string> } = {},
): Promise<Response> {
  const body = `<!doctype html>${(await page).toString()}`;
  return new Response(body, {
    status: init.status ?? 200,
    headers: { ...pageHeaders(init.frameAncestors), ...init.headers },
  });
}
