import { mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreIngest } from './store-ingest.js';

const dir = mkdtempSync(path.join(tmpdir(), 'lightbox-ingest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const meta = {
  mediaStorageSopClassUid: '1.2.840.10008.5.1.4.1.1.1.1',
  mediaStorageSopInstanceUid: '1.2.3',
  transferSyntaxUid: '1.2.840.10008.1.2.1',
};

/** A temp file opened the way the spool opens them. */
const opened = (file: string) => () => ({ path: file, fd: openSync(file, 'wx', 0o640) });

describe('one C-STORE data set on its way to disk', () => {
  it('has each fragment in the file when write returns: nothing of the data set waits in memory', async () => {
    const file = path.join(dir, 'a.part');
    const ingest = new StoreIngest(opened(file), meta);
    const chunk = Buffer.alloc(2 * 1024 * 1024, 7);
    const header = statSync(file).size;
    expect(header).toBeGreaterThan(128);
    for (let i = 1; i <= 5; i++) {
      ingest.stream.write(chunk);
      expect(statSync(file).size).toBe(header + i * chunk.length);
      expect(ingest.stream.writableLength).toBe(0);
    }
    ingest.stream.end();
    const result = await ingest.result();
    expect(result.kind).toBe('received');
    const written = readFileSync(file);
    expect(written.length).toBe(result.kind === 'received' ? result.file.headerBytes + 5 * chunk.length : -1);
    expect(written.subarray(128, 132).toString('latin1')).toBe('DICM');
    expect(written.subarray(header).every((b) => b === 7)).toBe(true);
  });

  it('removes the partial file when the peer goes away', async () => {
    const ingest = new StoreIngest(opened(path.join(dir, 'b.part')), meta);
    for (let i = 0; i < 3; i++) ingest.stream.write(Buffer.alloc(2 * 1024 * 1024));
    expect(readdirSync(dir)).toContain('b.part');
    await ingest.abandon();
    expect(readdirSync(dir)).not.toContain('b.part');
    expect((await ingest.result()).kind).toBe('failed');
  });

  it('reports a disk that refuses the file instead of throwing at dcmjs-dimse', async () => {
    const ingest = new StoreIngest(opened(path.join(dir, 'no-such-folder', 'c.part')), meta);
    ingest.stream.write(Buffer.alloc(1024));
    ingest.stream.end();
    const result = await ingest.result();
    expect(result.kind).toBe('failed');
    expect(result.kind === 'failed' && (result.error as NodeJS.ErrnoException).code).toBe('ENOENT');
  });
});
