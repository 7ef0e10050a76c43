import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { LightboxError } from '@lightbox/runtime';
import { recordAudit, type Actor } from '../audit/audit-log.js';
import type { Database, Tx } from '../db/database.js';
import { sites, staffAccounts } from '../db/schema.js';
import { mintId } from '../sites/secret-hash.js';
import { MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, hashPassword } from './password-hash.js';
import { ROLES } from './roles.js';

export type StaffAccountRow = typeof staffAccounts.$inferSelect;

export const newStaffAccount = z.strictObject({
  username: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9._@-]{2,64}$/, 'expected 2-64 letters, digits or . _ @ -'),
  displayName: z.string().trim().min(1).max(128),
  role: z.enum(ROLES),
  password: z
    .string()
    .min(MIN_PASSWORD_CHARS, `expected at least ${MIN_PASSWORD_CHARS} characters`)
    .max(MAX_PASSWORD_CHARS, `expected at most ${MAX_PASSWORD_CHARS} characters`),
});
export type NewStaffAccount = z.infer<typeof newStaffAccount>;

/** The account as the API shows it: never the hash. */
export function accountView(a: StaffAccountRow) {
  return {
    id: a.id,
    username: a.username,
    displayName: a.displayName,
    role: a.role,
    locked: a.lockedUntil !== null && Date.parse(a.lockedUntil) > Date.now(),
    createdAt: a.createdAt,
  };
}

/** Creates an account of the site; a username taken anywhere in the install is a conflict. */
export async function createStaffAccount(
  database: Database,
  siteId: string,
  input: NewStaffAccount,
  actor: Actor,
): Promise<StaffAccountRow> {
  // Hashed before the write lock is taken: 100 ms of argon2 must not hold up every other writer.
  const passwordHash = await hashPassword(input.password);
  return database.write(async (tx) => {
    const [site] = await tx.select({ id: sites.id }).from(sites).where(eq(sites.id, siteId));
    if (!site) throw new LightboxError('not_found', `site ${siteId} not found`);
    const [taken] = await tx
      .select({ id: staffAccounts.id })
      .from(staffAccounts)
      .where(eq(staffAccounts.username, input.username));
    if (taken) {
      throw new LightboxError('conflict', `the username ${input.username} is taken`, {
        errors: [{ field: 'username', message: 'already taken' }],
      });
    }
    const [row] = await tx
      .insert(staffAccounts)
      .values({
        id: mintId('stf'),
        siteId,
        username: input.username,
        displayName: input.displayName,
        role: input.role,
        passwordHash,
      })
      .returning();
    await auditAccount(tx, row!, actor, 'staff_account.created', { role: row!.role });
    return row!;
  });
}

export async function listStaffAccounts(database: Database, siteId: string): Promise<StaffAccountRow[]> {
  return database.db
    .select()
    .from(staffAccounts)
    .where(eq(staffAccounts.siteId, siteId))
    .orderBy(staffAccounts.username);
}

export function auditAccount(
  tx: Tx,
  account: StaffAccountRow,
  actor: Actor,
  action: string,
  detail?: Record<string, unknown>,
): Promise<void> {
  return recordAudit(tx, {
    siteId: account.siteId,
    actor,
    action,
    subject: { type: 'staff_account', id: account.id },
    ...(detail ? { detail } : {}),
  });
}

export function staffActor(a: { id: string; displayName: string }): Actor {
  return { type: 'staff', id: a.id, name: a.displayName };
}
