import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase, type Database } from '../database.js';
import { agents, sites } from '../schema.js';

export const TEST_SITE = 'default';
export const TEST_AGENT = 'agt_test';

export interface SiteWithAgent {
  /** A fresh folder holding the database; the test may keep other files in it. */
  dir: string;
  database: Database;
  /** Closes the database and removes the folder. */
  remove(): void;
}

/** A plugin database in a temp folder with one site and one agent of it, as after enrolment. */
export async function siteWithAgent(prefix: string): Promise<SiteWithAgent> {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const database = await openDatabase(`file:${path.join(dir, 'plugin.db')}`);
  await database.write(async (tx) => {
    await tx.insert(sites).values({ id: TEST_SITE, name: 'test' });
    await tx.insert(agents).values({ id: TEST_AGENT, siteId: TEST_SITE, name: 'dr room', tokenHash: 'x' });
  });
  return {
    dir,
    database,
    remove: () => {
      database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
