import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db, Tx } from '../db/database.js';
import { staffSessions } from '../db/schema.js';
import { hashSecret } from '../sites/secret-hash.js';
import type { Role } from './roles.js';

/** A working shift: a session ends 8 hours after sign-in, whatever happens in between. */
export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;

export type SessionRow = typeof staffSessions.$inferSelect;

export interface SessionSubject {
  siteId: string;
  accountId: string | null;
  actorType: 'staff' | 'pims_user';
  actorId: string;
  actorName: string;
  role: Role;
}

/** Opens a session; the returned value goes in the cookie and is never stored as such. */
export async function openSession(
  tx: Tx,
  subject: SessionSubject,
  nowMs = Date.now(),
): Promise<{ cookieValue: string; expiresAt: Date }> {
  const cookieValue = randomBytes(32).toString('base64url');
  const expiresAt = new Date(nowMs + SESSION_TTL_MS);
  await tx.insert(staffSessions).values({
    idHash: hashSecret(cookieValue),
    ...subject,
    csrfToken: randomBytes(32).toString('base64url'),
    expiresAt: expiresAt.toISOString(),
  });
  return { cookieValue, expiresAt };
}

export type SessionLookup =
  { kind: 'valid'; session: SessionRow } | { kind: 'expired'; session: SessionRow } | { kind: 'unknown' };

/** The session a cookie names. A forged or ended one is `unknown`; nothing tells them apart. */
export async function findSession(db: Db, cookieValue: string, nowMs = Date.now()): Promise<SessionLookup> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(cookieValue)) return { kind: 'unknown' };
  const [session] = await db
    .select()
    .from(staffSessions)
    .where(eq(staffSessions.idHash, hashSecret(cookieValue)));
  if (!session) return { kind: 'unknown' };
  if (Date.parse(session.expiresAt) <= nowMs) return { kind: 'expired', session };
  return { kind: 'valid', session };
}

export async function endSession(tx: Tx, idHash: string): Promise<void> {
  await tx.delete(staffSessions).where(eq(staffSessions.idHash, idHash));
}

/** Sign-out everywhere: every browser of this account, this one included. */
export async function endSessionsOfAccount(tx: Tx, accountId: string): Promise<number> {
  const gone = await tx
    .delete(staffSessions)
    .where(eq(staffSessions.accountId, accountId))
    .returning({ idHash: staffSessions.idHash });
  return gone.length;
}

/** Sign-out everywhere for a PIMS user who came by staff links. */
export async function endSessionsOfActor(tx: Tx, siteId: string, actorId: string): Promise<number> {
  const rows = await tx.select().from(staffSessions).where(eq(staffSessions.actorId, actorId));
  const mine = rows.filter((r) => r.siteId === siteId && r.actorType === 'pims_user');
  for (const r of mine) await endSession(tx, r.idHash);
  return mine.length;
}
