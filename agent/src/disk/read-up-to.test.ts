import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readUpTo } from './read-up-to.js';

describe('reading a range of a file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'read-up-to-'));
  const file = path.join(dir, 'data');
  writeFileSync(file, Buffer.from(Array.from({ length: 100 }, (_, i) => i)));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fills the buffer from the position asked for', async () => {
    const handle = await open(file, 'r');
    const into = Buffer.alloc(10);
    expect(await readUpTo(handle, into, 10, 40)).toBe(10);
    expect([...into]).toEqual([40, 41, 42, 43, 44, 45, 46, 47, 48, 49]);
    await handle.close();
  });

  it('stops at the end of the file and says how much it read', async () => {
    const handle = await open(file, 'r');
    const into = Buffer.alloc(50);
    expect(await readUpTo(handle, into, 50, 90)).toBe(10);
    expect(into[9]).toBe(99);
    await handle.close();
  });
});
