import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** What a chart-panel link grants: one patient of one site, until it expires. */
export const embedClaims = z.object({
  v: z.literal(1),
  /** Site id. */
  s: z.string().min(1).max(64),
  /** PIMS patient id. */
  p: z.string().min(1).max(64),
  /** Expiry, epoch seconds. */
  e: z.number().int().positive(),
  /** The version of the site's signing key: a rotated key turns the old links away by itself. */
  k: z.number().int().positive(),
  /** A study to open directly. */
  st: z.string().max(64).optional(),
  /** The PIMS user the link was made for, for the audit log. */
  u: z.object({ id: z.string().max(64), name: z.string().max(128) }).optional(),
});
export type EmbedClaims = z.infer<typeof embedClaims>;

/** Tokens longer than this are refused before any parsing. */
export const MAX_TOKEN_CHARS = 2048;

export function signEmbedToken(claims: EmbedClaims, key: Buffer): string {
  const payload = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
  return `${payload}.${mac(payload, key)}`;
}

/** The claims of a token signed with `keyOf(site, version)`, or null: nothing says why to the caller. */
export function readEmbedToken(
  token: string,
  keyOf: (siteId: string, version: number) => Buffer | null,
  nowSeconds: number,
): EmbedClaims | null {
  if (token.length > MAX_TOKEN_CHARS) return null;
  const [payload, signature, ...rest] = token.split('.');
  if (!payload || !signature || rest.length > 0) return null;
  let claims: EmbedClaims;
  try {
    const parsed = embedClaims.safeParse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
    if (!parsed.success) return null;
    claims = parsed.data;
  } catch {
    return null;
  }
  const key = keyOf(claims.s, claims.k);
  if (!key) return null;
  const expected = Buffer.from(mac(payload, key), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  if (claims.e <= nowSeconds) return null;
  return claims;
}

function mac(payload: string, key: Buffer): string {
  return createHmac('sha256', key).update(`lightbox-embed.${payload}`).digest('base64url');
}
