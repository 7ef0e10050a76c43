import type { Hono } from 'hono';
import type { Database } from '../db/database.js';
import type { AppEnv } from '../http/app-env.js';
import { parseJsonBody } from '../http/validate.js';
import { accountView, createStaffAccount, listStaffAccounts, newStaffAccount } from './staff-accounts.js';
import { createStaffLink, createStaffLinkBody } from './staff-links.js';

/** `/v1/staff-accounts` and `/v1/staff-links`, with the site's API key. */
export function mountStaffAccountRoutes(app: Hono<AppEnv>, database: Database, publicBaseUrl: string): void {
  app.post('/v1/staff-accounts', async (c) => {
    const body = await parseJsonBody(c, newStaffAccount);
    const account = await createStaffAccount(database, c.get('siteId'), body, c.get('actor'));
    return c.json(accountView(account), 201);
  });

  app.get('/v1/staff-accounts', async (c) => {
    const rows = await listStaffAccounts(database, c.get('siteId'));
    return c.json({ items: rows.map(accountView) });
  });

  app.post('/v1/staff-links', async (c) => {
    const body = await parseJsonBody(c, createStaffLinkBody);
    return c.json(await createStaffLink(database, c.get('siteId'), body, c.get('actor'), publicBaseUrl), 201);
  });
}
