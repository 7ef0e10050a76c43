import { mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HeldDescriptors } from './held-descriptors.js';

/** What this process has open under `dir`, as the kernel names it ("… (deleted)" once unlinked). */
function openUnder(dir: string): string[] {
  const names: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(dir)) names.push(target);
    } catch {
      // The descriptor that listed the folder is gone by now.
    }
  }
  return names.sort();
}

/** Closes run on the thread pool and nobody waits for them: poll, bounded, for what is open. */
async function openUnderSoon(dir: string, expected: (string | undefined)[]): Promise<string[]> {
  const want = JSON.stringify(expected);
  for (let i = 0; i < 200 && JSON.stringify(openUnder(dir)) !== want; i++)
    await new Promise((r) => setTimeout(r, 10));
  return openUnder(dir);
}

describe.runIf(process.platform === 'linux')('descriptors held open for repeated fsyncs', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'held-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('opens a path once for many syncs, also for syncs that overlap', async () => {
    const file = path.join(dir, 'journal-wal');
    writeFileSync(file, 'x');
    const held = new HeldDescriptors('r+', 4);
    await Promise.all([held.fdatasync(file), held.fdatasync(file), held.fsync(file)]);
    await held.fdatasync(file);
    expect(openUnder(dir)).toEqual([file]);
    held.close();
    expect(await openUnderSoon(dir, [])).toEqual([]);
  });

  it('follows a file that was deleted and made again, instead of syncing the deleted one', async () => {
    const file = path.join(dir, 'journal-wal');
    writeFileSync(file, 'first');
    const held = new HeldDescriptors('r+', 4);
    await held.fdatasync(file);
    rmSync(file);
    expect(openUnder(dir)).toEqual([`${file} (deleted)`]);
    writeFileSync(file, 'second');
    await held.fdatasync(file);
    expect(await openUnderSoon(dir, [file])).toEqual([file]);
    held.close();
  });

  it('rejects a missing path with ENOENT and opens it once it exists', async () => {
    const study = path.join(dir, 'study');
    const held = new HeldDescriptors('r', 4);
    await expect(held.fsync(study)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(held.size).toBe(0);
    mkdirSync(study);
    await held.fsync(study);
    expect(openUnder(dir)).toEqual([study]);
    held.close();
  });

  it('closes the least recently used folder beyond its limit', async () => {
    const studies = ['a', 'b', 'c'].map((n) => path.join(dir, n));
    for (const s of studies) mkdirSync(s);
    const held = new HeldDescriptors('r', 2);
    await held.fsync(studies[0]!);
    await held.fsync(studies[1]!);
    await held.fsync(studies[0]!);
    await held.fsync(studies[2]!);
    expect(await openUnderSoon(dir, [studies[0], studies[2]])).toEqual([studies[0], studies[2]]);
    held.close();
  });
});
