import { createHmac, randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { LightboxError } from '@lightbox/runtime';
import type { Database, Tx } from '../db/database.js';
import { embedSecrets } from '../db/schema.js';
import type { SecretBox } from '../security/secret-box.js';
import { MAX_TOKEN_CHARS, readEmbedToken, signEmbedToken, type EmbedClaims } from './embed-token.js';

export const DEFAULT_TTL_SECONDS = 15 * 60;
export const MAX_TTL_SECONDS = 12 * 60 * 60;
export const MIN_TTL_SECONDS = 30;

export interface EmbedLinkRequest {
  pimsPatientId: string;
  ttlSeconds?: number | undefined;
  studyId?: string | undefined;
  user?: { id: string; name: string } | undefined;
}

/** The chart panel's path for a patient; the link adds its token. */
export function panelPath(pimsPatientId: string): string {
  return `/embed/patients/${encodeURIComponent(pimsPatientId)}/imaging`;
}

/**
 * Signs chart-panel links with each site's key and checks them. Keys are read from the database
 * and kept for a moment: another plugin instance's rotation is seen within KEY_CACHE_MS, this
 * instance's at once.
 */
export class EmbedLinks {
  private static readonly KEY_CACHE_MS = 2_000;
  private readonly keys = new Map<string, { key: Buffer; version: number; until: number }>();

  constructor(
    private readonly database: Database,
    private readonly secrets: SecretBox,
    private readonly publicBaseUrl: string,
  ) {}

  async create(
    siteId: string,
    req: EmbedLinkRequest,
    nowMs = Date.now(),
  ): Promise<{ url: string; expiresAt: string }> {
    const ttl = req.ttlSeconds ?? DEFAULT_TTL_SECONDS;
    const { key, version } = await this.siteKey(siteId);
    const expires = Math.floor(nowMs / 1000) + ttl;
    const claims: EmbedClaims = {
      v: 1,
      s: siteId,
      p: req.pimsPatientId,
      e: expires,
      k: version,
      ...(req.studyId ? { st: req.studyId } : {}),
      ...(req.user ? { u: req.user } : {}),
    };
    const token = signEmbedToken(claims, key);
    return {
      url: `${this.publicBaseUrl}${panelPath(req.pimsPatientId)}?token=${token}`,
      expiresAt: new Date(expires * 1000).toISOString(),
    };
  }

  /**
   * The claims of a valid, unexpired token of the site's current key for this patient, or null.
   * Callers answer null with a page that says nothing of any patient.
   */
  async verify(token: string, pimsPatientId: string | null, nowMs = Date.now()): Promise<EmbedClaims | null> {
    const siteId = siteOfToken(token);
    if (!siteId) return null;
    const current = await this.siteKey(siteId, false).catch(() => null);
    if (!current) return null;
    const claims = readEmbedToken(
      token,
      (s, v) => (s === siteId && v === current.version ? current.key : null),
      Math.floor(nowMs / 1000),
    );
    if (!claims) return null;
    if (pimsPatientId !== null && claims.p !== pimsPatientId) return null;
    return claims;
  }

  /**
   * The site's key for media URLs, derived from its link key: rotating the one revokes the other's
   * URLs too. Inside a write transaction pass `tx` (a missing key is made in it); without, a site
   * that has no key yet gets null when `createIfMissing` is false (a URL to check cannot be valid).
   */
  async mediaKey(siteId: string, opts: { tx?: Tx; createIfMissing?: boolean } = {}): Promise<Buffer | null> {
    let key: Buffer;
    if (opts.tx) {
      const cached = this.keys.get(siteId);
      if (cached && cached.until > Date.now()) {
        key = cached.key;
      } else {
        let [row] = await opts.tx.select().from(embedSecrets).where(eq(embedSecrets.siteId, siteId));
        if (!row) {
          await this.rotate(opts.tx, siteId);
          [row] = await opts.tx.select().from(embedSecrets).where(eq(embedSecrets.siteId, siteId));
        }
        key = Buffer.from(this.secrets.unseal(row!.sealedSecret, `embed:${siteId}`), 'utf8');
      }
    } else {
      const found = await this.siteKey(siteId, opts.createIfMissing ?? true).catch((err: unknown) => {
        if (err instanceof LightboxError && err.code === 'not_found') return null;
        throw err;
      });
      if (!found) return null;
      key = found.key;
    }
    return createHmac('sha256', key).update('lightbox-media-key').digest();
  }

  /** A new key for the site: every link signed before stops working. Returns the new version. */
  async rotate(tx: Tx, siteId: string): Promise<number> {
    const [row] = await tx.select().from(embedSecrets).where(eq(embedSecrets.siteId, siteId));
    const version = (row?.version ?? 0) + 1;
    const sealedSecret = this.secrets.seal(randomBytes(32).toString('base64url'), `embed:${siteId}`);
    const rotatedAt = new Date().toISOString();
    await tx
      .insert(embedSecrets)
      .values({ siteId, sealedSecret, version, rotatedAt })
      .onConflictDoUpdate({ target: embedSecrets.siteId, set: { sealedSecret, version, rotatedAt } });
    this.keys.delete(siteId);
    return version;
  }

  private async siteKey(siteId: string, createIfMissing = true): Promise<{ key: Buffer; version: number }> {
    const cached = this.keys.get(siteId);
    if (cached && cached.until > Date.now()) return cached;
    let [row] = await this.database.db.select().from(embedSecrets).where(eq(embedSecrets.siteId, siteId));
    if (!row) {
      if (!createIfMissing) throw new LightboxError('not_found', 'the site has no embed key yet');
      await this.database.write(async (tx) => {
        const [again] = await tx.select().from(embedSecrets).where(eq(embedSecrets.siteId, siteId));
        if (!again) await this.rotate(tx, siteId);
      });
      [row] = await this.database.db.select().from(embedSecrets).where(eq(embedSecrets.siteId, siteId));
    }
    const key = Buffer.from(this.secrets.unseal(row!.sealedSecret, `embed:${siteId}`), 'utf8');
    const entry = { key, version: row!.version, until: Date.now() + EmbedLinks.KEY_CACHE_MS };
    this.keys.set(siteId, entry);
    return entry;
  }
}

/** The site a token names, read before its signature is checked only to find the key to check it with. */
function siteOfToken(token: string): string | null {
  if (token.length > MAX_TOKEN_CHARS) return null;
  const payload = token.split('.')[0];
  if (!payload) return null;
  try {
    const v = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { s?: unknown };
    return typeof v.s === 'string' && v.s.length <= 64 ? v.s : null;
  } catch {
    return null;
  }
}
