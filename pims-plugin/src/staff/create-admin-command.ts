import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { LightboxError } from '@lightbox/runtime';
import type { PluginConfig } from '../config.js';
import { openDatabase } from '../db/database.js';
import { sites } from '../db/schema.js';
import { DEFAULT_SITE_ID } from '../sites/bootstrap-site.js';
import { createStaffAccount, newStaffAccount } from './staff-accounts.js';

const USAGE =
  'usage: npm run plugin -- create-admin --username NAME [--name "Display Name"] [--site SITE]\n' +
  '  The password is read from the first line of standard input; at a terminal, one is generated\n' +
  '  and shown once.\n';

/**
 * `npm run plugin -- create-admin`: the first administrator of a site, made on the server itself
 * (every later account can be made through the API or by this administrator). Returns the exit code.
 */
export async function createAdminCommand(
  config: PluginConfig,
  argv: string[],
  out: NodeJS.WritableStream,
): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { username: { type: 'string' }, name: { type: 'string' }, site: { type: 'string' } },
      strict: true,
    }));
  } catch (err) {
    out.write(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }
  if (!values.username) {
    out.write(USAGE);
    return 2;
  }
  const generated = process.stdin.isTTY;
  const password = generated ? randomBytes(18).toString('base64url') : await firstLine();
  const parsed = newStaffAccount.safeParse({
    username: values.username,
    displayName: values.name ?? values.username,
    role: 'admin',
    password,
  });
  if (!parsed.success) {
    for (const i of parsed.error.issues) out.write(`${i.path.join('.')}: ${i.message}\n`);
    return 2;
  }
  const database = await openDatabase(config.databaseUrl, config.databaseToken);
  try {
    const siteId = values.site ?? DEFAULT_SITE_ID;
    if (siteId === DEFAULT_SITE_ID) {
      await database.write((tx) =>
        tx.insert(sites).values({ id: DEFAULT_SITE_ID, name: 'Default site' }).onConflictDoNothing(),
      );
    }
    const account = await createStaffAccount(database, siteId, parsed.data, {
      type: 'system',
      id: 'create-admin',
      name: 'create-admin command',
    });
    out.write(`created administrator ${account.username} (${account.id}) for site ${siteId}\n`);
    if (generated) out.write(`password (shown once, keep it): ${password}\n`);
    return 0;
  } catch (err) {
    if (err instanceof LightboxError) {
      out.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    database.close();
  }
}

async function firstLine(): Promise<string> {
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    rl.close();
    return line;
  }
  return '';
}
