import { eq } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { staffAccounts } from '../db/schema.js';
import {
  MAX_PASSWORD_CHARS,
  hashPassword,
  needsRehash,
  verifyNobody,
  verifyPassword,
} from './password-hash.js';
import { auditAccount, staffActor } from './staff-accounts.js';
import { openSession } from './staff-sessions.js';

/** The fifth wrong password in a row locks the account for LOCK_MS. */
export const MAX_FAILED_SIGN_INS = 5;
export const LOCK_MS = 15 * 60 * 1000;

export type SignInRefusal = 'unknown_user' | 'bad_password' | 'locked' | 'too_long';

export type SignInResult =
  | { ok: true; cookieValue: string; expiresAt: Date; accountId: string }
  | { ok: false; reason: SignInRefusal };

/**
 * Checks a username and password. Every answer is recorded with its reason code (in the audit log
 * when the account exists); the person sees one message whatever the reason, so the form does not
 * tell which usernames exist.
 */
export async function signIn(
  database: Database,
  usernameInput: string,
  password: string,
  nowMs = Date.now(),
): Promise<SignInResult> {
  const username = usernameInput.trim().toLowerCase().slice(0, 64);
  if (password.length > MAX_PASSWORD_CHARS) return { ok: false, reason: 'too_long' };
  const [account] = await database.db
    .select()
    .from(staffAccounts)
    .where(eq(staffAccounts.username, username));
  if (!account) {
    await verifyNobody(password);
    return { ok: false, reason: 'unknown_user' };
  }
  const actor = staffActor(account);
  if (account.lockedUntil && Date.parse(account.lockedUntil) > nowMs) {
    await database.write((tx) =>
      auditAccount(tx, account, actor, 'staff.sign_in_refused', {
        reason: 'locked',
        lockedUntil: account.lockedUntil,
      }),
    );
    return { ok: false, reason: 'locked' };
  }
  // Verified outside the write lock; the count is then updated from the row as it is by then.
  const good = await verifyPassword(account.passwordHash, password);
  // A hash made with older, cheaper parameters is replaced now: sign-in is the only moment the
  // plain password is at hand, so accounts move to the current cost as people sign in, without a
  // migration or a forced reset. Hashed outside the write lock, like the verification.
  const upgraded = good && needsRehash(account.passwordHash) ? await hashPassword(password) : null;
  return database.write(async (tx) => {
    const [now] = await tx.select().from(staffAccounts).where(eq(staffAccounts.id, account.id));
    if (!now) return { ok: false, reason: 'unknown_user' } as const;
    if (!good) {
      const failed = now.failedSignIns + 1;
      const lock = failed >= MAX_FAILED_SIGN_INS;
      const lockedUntil = lock ? new Date(nowMs + LOCK_MS).toISOString() : null;
      await tx
        .update(staffAccounts)
        .set({ failedSignIns: lock ? 0 : failed, lockedUntil })
        .where(eq(staffAccounts.id, now.id));
      await auditAccount(tx, now, actor, 'staff.sign_in_refused', { reason: 'bad_password', failed });
      if (lock)
        await auditAccount(tx, now, actor, 'staff_account.locked', {
          reason: 'failed_sign_ins',
          lockedUntil,
        });
      return { ok: false, reason: 'bad_password' } as const;
    }
    await tx
      .update(staffAccounts)
      .set({
        failedSignIns: 0,
        lockedUntil: null,
        // Only over the hash just verified: a password changed meanwhile stays as it was set.
        ...(upgraded && now.passwordHash === account.passwordHash ? { passwordHash: upgraded } : {}),
      })
      .where(eq(staffAccounts.id, now.id));
    const session = await openSession(
      tx,
      {
        siteId: now.siteId,
        accountId: now.id,
        actorType: 'staff',
        actorId: now.id,
        actorName: now.displayName,
        role: now.role,
      },
      nowMs,
    );
    await auditAccount(
      tx,
      now,
      actor,
      'staff.signed_in',
      upgraded && now.passwordHash === account.passwordHash ? { passwordRehashed: true } : undefined,
    );
    return { ok: true, ...session, accountId: now.id } as const;
  });
}
