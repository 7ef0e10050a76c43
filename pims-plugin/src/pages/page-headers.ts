/**
 * The headers of every HTML page the plugin serves (panel, viewer, staff screens). Scripts and
 * styles come only from this origin, nothing inline; `frameAncestors` lists the PIMS origins that
 * may frame the page (none: it cannot be framed). Pages show patient data: never cached, and no
 * Referer leaves them, since panel URLs carry their token.
 */
export function pageHeaders(frameAncestors: readonly string[] = []): Record<string, string> {
  const ancestors = frameAncestors.length > 0 ? frameAncestors.join(' ') : "'none'";
  return {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data: blob:",
      "connect-src 'self'",
      "font-src 'self'",
      "base-uri 'none'",
      "form-action 'self'",
      `frame-ancestors ${ancestors}`,
    ].join('; '),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
    'Cross-Origin-Opener-Policy': 'same-origin',
  };
}
