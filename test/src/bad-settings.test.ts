import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManagedProcess } from './support/managed-process.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'lightbox-settings-'));
const aFile = path.join(scratch, 'not-a-folder');
writeFileSync(aFile, 'x');

const cases: { proc: 'plugin' | 'agent'; env: Record<string, string>; names: string; expects: RegExp }[] = [
  {
    proc: 'plugin',
    env: { LIGHTBOX_HTTP_PORT: '70000' },
    names: 'LIGHTBOX_HTTP_PORT',
    expects: /0 to 65535/,
  },
  {
    proc: 'plugin',
    env: { LIGHTBOX_DATA_DIR: aFile },
    names: 'LIGHTBOX_DATA_DIR',
    expects: /writable folder/,
  },
  {
    proc: 'plugin',
    env: { LIGHTBOX_DATABASE_URL: 'postgres//nowhere' },
    names: 'LIGHTBOX_DATABASE_URL',
    expects: /libsql/,
  },
  { proc: 'agent', env: { LIGHTBOX_DICOM_PORT: '-5' }, names: 'LIGHTBOX_DICOM_PORT', expects: /0 to 65535/ },
  {
    proc: 'agent',
    env: { LIGHTBOX_DATA_DIR: path.join(aFile, 'sub') },
    names: 'LIGHTBOX_DATA_DIR',
    expects: /writable folder/,
  },
  {
    proc: 'agent',
    env: { LIGHTBOX_AE_TITLE: 'MUCH_TOO_LONG_AE_TITLE' },
    names: 'LIGHTBOX_AE_TITLE',
    expects: /1-16/,
  },
  { proc: 'agent', env: { LIGHTBOX_PLUGIN_URL: 'ftp://x' }, names: 'LIGHTBOX_PLUGIN_URL', expects: /http/ },
];

describe('a bad setting at start', () => {
  it.each(cases)(
    '$proc with a bad $names stops with one line naming it',
    async ({ proc, env, names, expects }) => {
      const p = new ManagedProcess(
        proc,
        proc === 'plugin' ? 'pims-plugin/src/main.ts' : 'agent/src/main.ts',
        {
          LIGHTBOX_DATA_DIR: path.join(scratch, proc),
          LIGHTBOX_HTTP_PORT: '0',
          LIGHTBOX_DICOM_PORT: '0',
          ...env,
        },
      ).start();
      const code = await p.waitForExit();
      expect(code).not.toBe(0);
      const lines = p.stderr
        .trim()
        .split('\n')
        .filter((l) => !l.startsWith('npm warn'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(names);
      expect(lines[0]).toMatch(expects);
    },
  );
});
