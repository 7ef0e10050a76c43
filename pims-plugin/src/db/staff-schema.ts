import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { createdAt } from './columns.js';

/**
 * People at the practice who sign in to the staff screens. Usernames are unique across the
 * install, so the sign-in form needs no site field; each account belongs to one site.
 */
export const staffAccounts = sqliteTable(
  'staff_accounts',
  {
    id: text('id').primaryKey(),
    siteId: text('site_id').notNull(),
    username: text('username').notNull().unique(),
    displayName: text('display_name').notNull(),
    role: text('role', { enum: ['front-desk', 'technician', 'vet', 'admin'] }).notNull(),
    /** An argon2id PHC string: algorithm, parameters and salt travel with the hash. */
    passwordHash: text('password_hash').notNull(),
    /** Wrong passwords since the last good one; the fifth locks the account. */
    failedSignIns: integer('failed_sign_ins').notNull().default(0),
    /** ISO time until which sign-in is refused, whatever the password. */
    lockedUntil: text('locked_until'),
    createdAt: createdAt(),
  },
  (t) => [index('staff_accounts_site').on(t.siteId)],
);

/**
 * Signed-in browsers. Only a SHA-256 of the cookie's value is kept; the CSRF token is the
 * session's own, compared on every state-changing form. A session opened by a staff link has no
 * account: it names the PIMS user instead.
 */
export const staffSessions = sqliteTable(
  'staff_sessions',
  {
    idHash: text('id_hash').primaryKey(),
    siteId: text('site_id').notNull(),
    accountId: text('account_id'),
    actorType: text('actor_type', { enum: ['staff', 'pims_user'] }).notNull(),
    actorId: text('actor_id').notNull(),
    actorName: text('actor_name').notNull(),
    role: text('role', { enum: ['front-desk', 'technician', 'vet', 'admin'] }).notNull(),
    csrfToken: text('csrf_token').notNull(),
    expiresAt: text('expires_at').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('staff_sessions_account').on(t.accountId)],
);

/** Staff links a PIMS asked for: short-lived and used once; only a hash of the token is kept. */
export const staffLinks = sqliteTable('staff_links', {
  tokenHash: text('token_hash').primaryKey(),
  siteId: text('site_id').notNull(),
  pimsUserId: text('pims_user_id').notNull(),
  pimsUserName: text('pims_user_name').notNull(),
  role: text('role', { enum: ['front-desk', 'technician', 'vet', 'admin'] }).notNull(),
  /** The screen to open, a path under /app. */
  next: text('next').notNull(),
  expiresAt: text('expires_at').notNull(),
  usedAt: text('used_at'),
  createdAt: createdAt(),
});
