import { and, eq, gt, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/audit-log.js';
import type { Database } from '../db/database.js';
import { staffLinks } from '../db/schema.js';
import { hashSecret, mintSecret } from '../sites/secret-hash.js';
import { ROLES } from './roles.js';
import { openSession } from './staff-sessions.js';

export const STAFF_LINK_PATH = '/app/staff-link';
export const DEFAULT_STAFF_LINK_TTL_SECONDS = 60;
export const MAX_STAFF_LINK_TTL_SECONDS = 300;

/** A path under /app only: a link must not send its user anywhere else. */
const appPath = z
  .string()
  .max(256)
  .regex(/^\/app(\/[A-Za-z0-9._~/-]*)?(\?[A-Za-z0-9._~=&%-]*)?$/, 'expected a path under /app')
  .refine((p) => !p.includes('//') && !p.includes('/../'), 'expected a path under /app');

export const createStaffLinkBody = z.strictObject({
  user: z.strictObject({ id: z.string().trim().min(1).max(64), name: z.string().trim().min(1).max(128) }),
  role: z.enum(ROLES),
  next: appPath.default('/app/orders'),
  ttlSeconds: z
    .number()
    .int()
    .min(10)
    .max(MAX_STAFF_LINK_TTL_SECONDS, `expected at most ${MAX_STAFF_LINK_TTL_SECONDS} seconds`)
    .default(DEFAULT_STAFF_LINK_TTL_SECONDS),
});
export type CreateStaffLink = z.infer<typeof createStaffLinkBody>;

/**
 * A link that opens the staff screens as a PIMS user, so nobody needs a second password. The token
 * is 256 random bits, kept only as a hash, good for one use within its short life; the role is the
 * one the PIMS vouches for.
 */
export async function createStaffLink(
  database: Database,
  siteId: string,
  req: CreateStaffLink,
  actor: Actor,
  publicBaseUrl: string,
  nowMs = Date.now(),
): Promise<{ url: string; expiresAt: string }> {
  const token = mintSecret('lbx_stl');
  const expiresAt = new Date(nowMs + req.ttlSeconds * 1000).toISOString();
  await database.write(async (tx) => {
    await tx.insert(staffLinks).values({
      tokenHash: hashSecret(token),
      siteId,
      pimsUserId: req.user.id,
      pimsUserName: req.user.name,
      role: req.role,
      next: req.next,
      expiresAt,
    });
    await recordAudit(tx, {
      siteId,
      actor,
      action: 'staff_link.created',
      subject: { type: 'pims_user', id: req.user.id },
      detail: { role: req.role, next: req.next },
    });
  });
  return { url: `${publicBaseUrl}${STAFF_LINK_PATH}?token=${encodeURIComponent(token)}`, expiresAt };
}

export type StaffLinkRefusal = 'unknown' | 'expired' | 'replayed';

export type StaffLinkResult =
  { ok: true; cookieValue: string; expiresAt: Date; next: string } | { ok: false; reason: StaffLinkRefusal };

/** Uses a link up: the first use opens a session, every later one is refused and recorded. */
export async function useStaffLink(
  database: Database,
  token: string,
  nowMs = Date.now(),
): Promise<StaffLinkResult> {
  if (token.length > 128) return { ok: false, reason: 'unknown' };
  const tokenHash = hashSecret(token);
  const now = new Date(nowMs).toISOString();
  return database.write(async (tx) => {
    const [claimed] = await tx
      .update(staffLinks)
      .set({ usedAt: now })
      .where(
        and(eq(staffLinks.tokenHash, tokenHash), isNull(staffLinks.usedAt), gt(staffLinks.expiresAt, now)),
      )
      .returning();
    if (!claimed) {
      const [link] = await tx.select().from(staffLinks).where(eq(staffLinks.tokenHash, tokenHash));
      if (!link) return { ok: false, reason: 'unknown' } as const;
      const reason = link.usedAt ? 'replayed' : 'expired';
      await recordAudit(tx, {
        siteId: link.siteId,
        actor: { type: 'pims_user', id: link.pimsUserId, name: link.pimsUserName },
        action: 'staff_link.refused',
        subject: { type: 'pims_user', id: link.pimsUserId },
        detail: { reason },
      });
      return { ok: false, reason } as const;
    }
    const session = await openSession(
      tx,
      {
        siteId: claimed.siteId,
        accountId: null,
        actorType: 'pims_user',
        actorId: claimed.pimsUserId,
        actorName: claimed.pimsUserName,
        role: claimed.role,
      },
      nowMs,
    );
    await recordAudit(tx, {
      siteId: claimed.siteId,
      actor: { type: 'pims_user', id: claimed.pimsUserId, name: claimed.pimsUserName },
      action: 'staff_link.used',
      subject: { type: 'pims_user', id: claimed.pimsUserId },
      detail: { role: claimed.role },
    });
    return { ok: true, ...session, next: claimed.next } as const;
  });
}
