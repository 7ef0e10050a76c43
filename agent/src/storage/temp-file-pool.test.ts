import { mkdtempSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { TempFilePool } from './temp-file-pool.js';

const root = mkdtempSync(path.join(tmpdir(), 'lightbox-temp-files-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await sleep(5);
}

describe('temp files opened ahead of the C-STOREs', () => {
  it('hands out open files in its folder and opens the next ones meanwhile', async () => {
    const dir = mkdtempSync(path.join(root, 'a-'));
    const pool = new TempFilePool(dir);
    const first = await pool.take();
    expect(path.dirname(first.path)).toBe(dir);
    expect(first.path).toMatch(/[0-9a-f]{24}\.part$/);
    writeSync(first.fd, 'bytes');
    expect(readFileSync(first.path, 'latin1')).toBe('bytes');
    // Ready files for the next transfers appear without anyone waiting for them.
    await until(() => readdirSync(dir).length === 5);
    expect(readdirSync(dir)).toHaveLength(5);
    const second = await pool.take();
    expect(second.path).not.toBe(first.path);
    expect(readdirSync(dir)).toContain(path.basename(second.path));
    // Closing removes only the files nobody took.
    await until(() => readdirSync(dir).length === 6);
    pool.close();
    await until(() => readdirSync(dir).length === 2);
    expect(readdirSync(dir).sort()).toEqual([path.basename(first.path), path.basename(second.path)].sort());
  });

  it('says what the file system says when no file can be opened', async () => {
    const pool = new TempFilePool(path.join(root, 'missing'));
    await expect(pool.take()).rejects.toMatchObject({ code: 'ENOENT' });
    pool.close();
  });
});
