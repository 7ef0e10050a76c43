import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { openAgentDatabase, type AgentDatabase } from '../agent-database.js';

export interface TestJournal {
  /** The test's own folder, removed after it. */
  readonly dir: string;
  readonly database: AgentDatabase;
  /** Closes the journal and opens the same file again, as a restart of the agent does. */
  reopen(): Promise<void>;
}

/** A fresh agent journal in a temporary folder for each test of the file, closed and removed after it. */
export function journalPerTest(name: string): TestJournal {
  let dir = '';
  let database: AgentDatabase | undefined;
  const open = async (): Promise<void> => {
    database = await openAgentDatabase(path.join(dir, 'agent.db'));
  };
  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), `lightbox-${name}-`));
    await open();
  });
  afterEach(() => {
    database?.close();
    database = undefined;
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    get dir() {
      return dir;
    },
    get database() {
      if (!database) throw new Error('the test journal is open only inside a test');
      return database;
    },
    async reopen() {
      database?.close();
      await open();
    },
  };
}
