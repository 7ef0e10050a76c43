import { createHash } from 'node:crypto';
import { mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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

/** A temp file opened the way the spool's pool opens them. */
const opened = (file: string) => () => Promise.resolve({ path: file, fd: openSync(file, 'wx', 0o640) });

/** Records what the ingest asks of the socket, the way the association's socket would see it. */
function flowRecorder() {
  const calls: string[] = [];
  return { calls, flow: { pause: () => calls.push('pause'), resume: () => calls.push('resume') } };
}

describe('one C-STORE data set on its way to disk', () => {
  it('pauses the sender while the disk lags, and resumes it even when the data set ends over the mark', async () => {
    const { calls, flow } = flowRecorder();
    const file = path.join(dir, 'a.part');
    const ingest = new StoreIngest(opened(file), meta, flow);
    const chunk = Buffer.alloc(2 * 1024 * 1024, 7);
    // All fragments arrive before the disk takes any, and the data set ends right away.
    for (let i = 0; i < 5; i++) ingest.stream.write(chunk);
    ingest.stream.end();
    const result = await ingest.result();
    expect(result.kind).toBe('received');
    expect(calls[0]).toBe('pause');
    expect(calls.at(-1)).toBe('resume');
    const written = readFileSync(file);
    expect(written.length).toBe(result.kind === 'received' ? result.file.headerBytes + 5 * chunk.length : -1);
    // 10 MB: flushed to disk twice while arriving, and every byte still where it belongs.
    expect(written.subarray(128, 132).toString('latin1')).toBe('DICM');
    expect(written.subarray(written.length - 5 * chunk.length).every((b) => b === 7)).toBe(true);
  });

  it('removes the partial file when the peer goes away, and resumes the socket', async () => {
    const { calls, flow } = flowRecorder();
    const ingest = new StoreIngest(opened(path.join(dir, 'b.part')), meta, flow);
    for (let i = 0; i < 3; i++) ingest.stream.write(Buffer.alloc(2 * 1024 * 1024));
    await ingest.abandon();
    expect(readdirSync(dir)).not.toContain('b.part');
    expect(calls.at(-1)).toBe('resume');
    expect((await ingest.result()).kind).toBe('failed');
  });

  it('reports a disk that refuses the file instead of throwing at dcmjs-dimse', async () => {
    const ingest = new StoreIngest(opened(path.join(dir, 'no-such-folder', 'c.part')), meta, undefined);
    ingest.stream.write(Buffer.alloc(1024));
    ingest.stream.end();
    const result = await ingest.result();
    expect(result.kind).toBe('failed');
    expect(result.kind === 'failed' && (result.error as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('writes the file meta group in front of the first fragments and keeps the head of the data set', async () => {
    const file = path.join(dir, 'd.part');
    const ingest = new StoreIngest(opened(file), meta, undefined);
    // Small fragments, as a peer with a small PDU size sends them: the head spans several.
    const fragments = Array.from({ length: 40 }, (_, i) => Buffer.alloc(1024, i));
    for (const f of fragments) ingest.stream.write(f);
    ingest.stream.end();
    const result = await ingest.result();
    if (result.kind !== 'received') throw new Error('not received');
    const written = readFileSync(file);
    expect(written.subarray(128, 132).toString('latin1')).toBe('DICM');
    expect(written.subarray(result.file.headerBytes)).toEqual(Buffer.concat(fragments));
    expect(result.file.prefix.length).toBeGreaterThanOrEqual(16 * 1024);
    expect(result.file.prefix).toEqual(Buffer.concat(fragments).subarray(0, result.file.prefix.length));
  });

  it('writes the file meta group alone for an empty data set', async () => {
    const file = path.join(dir, 'e.part');
    const ingest = new StoreIngest(opened(file), meta, undefined);
    ingest.stream.end();
    const result = await ingest.result();
    if (result.kind !== 'received') throw new Error('not received');
    expect(result.file.datasetBytes).toBe(0);
    expect(readFileSync(file).length).toBe(result.file.headerBytes);
    expect(readFileSync(file).subarray(128, 132).toString('latin1')).toBe('DICM');
  });

  it.each([
    ['a slice, hashed whole once complete', 40],
    ['a radiograph, hashed as it arrives past the first megabyte', 400],
    ['nothing at all', 0],
  ])('names the data set by the SHA-256 of its bytes: %s', async (_what, fragments) => {
    const file = path.join(dir, `hash-${fragments}.part`);
    const ingest = new StoreIngest(opened(file), meta, undefined);
    const sent = Array.from({ length: fragments }, (_, i) => Buffer.alloc(16 * 1024, (i * 7) % 251));
    for (const f of sent) ingest.stream.write(f);
    ingest.stream.end();
    const written = await ingest.written();
    const result = await ingest.result();
    const expected = createHash('sha256').update(Buffer.concat(sent)).digest('hex');
    expect(written.kind === 'received' && written.file.sha256).toBe(expected);
    expect(result.kind === 'received' && result.file.sha256).toBe(expected);
  });
});
