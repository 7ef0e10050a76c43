import { createHash, webcrypto, type Hash } from 'node:crypto';
import { close, fdatasync, fsync, writev } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { Writable, type WritableOptions } from 'node:stream';
import { promisify } from 'node:util';
import { readUpTo } from '../disk/read-up-to.js';
import { part10Header, type FileMetaInformation } from './part10-header.js';
import type { TempFile } from './temp-file-pool.js';

const writeFile = promisify(writev);
const fsyncFile = promisify(fsync);
const fdatasyncFile = promisify(fdatasync);
const closeFile = promisify(close);

/**
 * dcmjs-dimse waits for 'drain' only once per data set and ignores later `false` returns from
 * `write`: this stream reports each one, and the ingest pauses the socket itself.
 */
class BackpressureWritable extends Writable {
  constructor(
    private readonly onFull: () => void,
    opts: WritableOptions,
  ) {
    super(opts);
  }

  override write(chunk: unknown, ...rest: never[]): boolean {
    const ok = super.write(chunk, ...rest);
    if (!ok) this.onFull();
    return ok;
  }
}

/**
 * The header fields the agent records sit in the first few kilobytes of nearly every data set, so
 * only the first fragments, up to this much, are kept while the data arrives — kept, not copied:
 * they are dcmjs-dimse's own buffers, which nothing writes into again. Usually that is the first
 * P-DATA fragment alone (tens of kilobytes). A header that runs longer is read back from the file
 * (`readDatasetHead`).
 */
const MIN_PREFIX_BYTES = 16 * 1024;
/**
 * A data set up to this size (a CT or MR slice, an ultrasound frame) is hashed once complete, on the
 * thread pool beside its fsync, not fragment by fragment on the event loop: the modality's next
 * bytes wait for the event loop, and SHA-256 of a 512 KB slice costs it about 0.5 ms. Holding the
 * fragments until then costs at most this much per association; a larger data set is hashed as it
 * arrives.
 */
const HASH_WHOLE_MAX_BYTES = 1024 * 1024;
/** Above this much written but not yet on disk, the socket is paused: memory stays bounded. */
const HIGH_WATER_MARK = 256 * 1024;
/**
 * A large data set is flushed to disk while it still arrives, each time this much more was
 * written: the fsync before the answer then waits for the last few megabytes, not for all of a
 * 19 MB radiograph (tens of milliseconds on an SSD, far more on a spinning disk).
 */
const EARLY_FLUSH_BYTES = 4 * 1024 * 1024;

/** What the transport lets an ingest do to hold back a fast sender. */
export interface FlowControl {
  pause(): void;
  resume(): void;
}

/**
 * A complete temp file: the data set as received behind our Part-10 header. From `result()` it is
 * also fsync'd; from `written()` not yet.
 */
export interface ReceivedFile {
  tempFile: string;
  headerBytes: number;
  datasetBytes: number;
  sha256: string;
  /** The first bytes of the data set, for reading its header. */
  prefix: Buffer;
}

/**
 * Up to `bytes` of a received data set, read back from its temp file (written, not necessarily
 * fsync'd): for a header longer than the prefix kept in memory.
 */
export async function readDatasetHead(file: ReceivedFile, bytes: number): Promise<Buffer> {
  const length = Math.min(bytes, file.datasetBytes);
  const handle = await open(file.tempFile, 'r');
  try {
    const head = Buffer.alloc(length);
    return head.subarray(0, await readUpTo(handle, head, length, file.headerBytes));
  } finally {
    await handle.close();
  }
}

export type IngestResult = { kind: 'received'; file: ReceivedFile } | { kind: 'failed'; error: Error };

/**
 * One C-STORE data set on its way to the spool. dcmjs-dimse writes each P-DATA fragment into
 * `stream`; the bytes go to a temp file behind our own file meta group, are hashed, and the first
 * fragments are kept for the header (MIN_PREFIX_BYTES).
 *
 * Every file operation runs on the thread pool, never on the event loop: under heavy ingest a
 * write into the page cache can wait on the file system's journal for tens of milliseconds, and a
 * C-ECHO must not wait with it. The stream never errors towards dcmjs-dimse (an 'error' there would
 * kill the association, or the process): a write failure is remembered, the rest of the data set
 * is drained and discarded, and `result()` reports it.
 */
export class StoreIngest {
  readonly stream: Writable;
  /** Empty until a temp file is open, and when none could be. */
  tempFile = '';
  private fd: number | null = null;
  private failure: Error | null = null;
  private abandoned = false;
  /** Hashing as the data arrive, once the data set outgrew HASH_WHOLE_MAX_BYTES. */
  private hash: Hash | null = null;
  /** Until then, the fragments, to be hashed whole. */
  private held: Buffer[] | null = [];
  private digesting: Promise<string> | null = null;
  private readonly prefix: Buffer[] = [];
  private prefixBytes = 0;
  private datasetBytes = 0;
  private headerBytes = 0;
  /** Our file meta group until it is written, in front of the data set's first bytes. */
  private header: Buffer | null = null;
  /** The file operation in flight; cleanup waits for it rather than closing under it. */
  private pending: Promise<void> = Promise.resolve();
  /** The flush started while the data set still arrives, if any; the file is not closed under it. */
  private earlyFlush: Promise<void> | null = null;
  /** The close after the final fsync, which nothing waits for but the removal of the file. */
  private closing: Promise<void> = Promise.resolve();
  /** How far into the data set the last flush reached when it started. */
  private flushedBytes = 0;
  private readonly done: Promise<void>;
  /** Resolves when every byte has been written (not yet fsync'd), or the transfer ended otherwise. */
  private readonly complete: Promise<void>;
  private markComplete: () => void = () => undefined;
  private paused = false;

  constructor(
    openTempFile: () => Promise<TempFile>,
    private readonly meta: FileMetaInformation,
    private readonly flow: FlowControl | undefined,
  ) {
    this.stream = new BackpressureWritable(() => this.pauseSender(), {
      highWaterMark: HIGH_WATER_MARK,
      construct: (cb) => {
        this.run(() => this.openFile(openTempFile)).then(() => cb(), cb);
      },
      // Fragments arrive faster than the disk takes them: each batch goes out in one writev.
      writev: (chunks, cb) => {
        this.run(() => this.append(chunks.map((c) => c.chunk as Buffer))).then(() => cb(), cb);
      },
      final: (cb) => {
        // Queued behind the last write: by now the bytes and their hash are complete, and the
        // commit can get ready (header, folder, duplicate check) while the fsync runs.
        this.run(async () => {
          this.markComplete();
          await this.flush();
        }).then(() => cb(), cb);
      },
    });
    // Fact of dcmjs-dimse: an 'error' without a listener on this stream crashes the process.
    this.stream.on('error', (err) => this.fail(err));
    this.stream.on('drain', () => this.resumeSender());
    // A stream ended while over its high-water mark never emits 'drain' (the last fragment came
    // in while the disk lagged): without this the socket would stay paused and the association hang.
    this.stream.on('finish', () => this.resumeSender());
    this.stream.on('close', () => this.resumeSender());
    this.done = new Promise((resolve) => {
      this.stream.once('finish', resolve);
      this.stream.once('close', resolve);
    });
    this.complete = new Promise((resolve) => {
      this.markComplete = resolve;
      this.stream.once('close', resolve);
    });
  }

  /** True once dcmjs-dimse has handed over the last fragment. */
  get ended(): boolean {
    return this.stream.writableEnded;
  }

  /** Waits for the last byte to be written and fsync'd. */
  async result(): Promise<IngestResult> {
    await this.done;
    await this.pending;
    return this.outcome(await this.digest());
  }

  /**
   * Waits for the last byte to be written, not for the fsync: what the commit can prepare before
   * the file is durable. Only `result()` says the file is on disk.
   */
  async written(): Promise<IngestResult> {
    await Promise.race([this.complete, this.done]);
    return this.outcome(await this.digest());
  }

  /** The SHA-256 of the data set, once every byte is in; computed once. */
  private digest(): Promise<string> {
    if (this.abandoned || this.failure) return Promise.resolve('');
    this.digesting ??= (async () => {
      if (this.hash) return this.hash.digest('hex');
      const whole = this.held!.length === 1 ? this.held![0]! : Buffer.concat(this.held!);
      this.held = null;
      return Buffer.from(await webcrypto.subtle.digest('SHA-256', whole)).toString('hex');
    })();
    return this.digesting;
  }

  private outcome(sha256: string): IngestResult {
    if (this.abandoned) return { kind: 'failed', error: new Error('transfer abandoned') };
    if (this.failure) return { kind: 'failed', error: this.failure };
    return {
      kind: 'received',
      file: {
        tempFile: this.tempFile,
        headerBytes: this.headerBytes,
        datasetBytes: this.datasetBytes,
        sha256,
        prefix: this.prefix.length === 1 ? this.prefix[0]! : Buffer.concat(this.prefix),
      },
    };
  }

  /** The peer went away mid-transfer: stop writing and remove the partial file. */
  abandon(): Promise<void> {
    this.abandoned = true;
    this.resumeSender();
    if (!this.stream.destroyed) this.stream.destroy();
    return this.run(() => this.removeTemp());
  }

  /** Removes the temp file (after a refusal, a duplicate, or a failure). */
  discard(): Promise<void> {
    return this.run(() => this.removeTemp());
  }

  private run(op: () => Promise<void>): Promise<void> {
    const next = this.pending.then(op, op);
    this.pending = next.catch(() => undefined);
    return next.catch((err: unknown) => {
      this.fail(err instanceof Error ? err : new Error(String(err)));
    });
  }

  private async openFile(openTempFile: () => Promise<TempFile>): Promise<void> {
    if (this.abandoned) return;
    try {
      const file = await openTempFile();
      this.tempFile = file.path;
      this.fd = file.fd;
      // Written with the first fragments: one trip through the thread pool fewer per instance.
      this.header = part10Header(this.meta);
      this.headerBytes = this.header.length;
    } catch (err) {
      await this.failWith(err);
    }
  }

  private async append(chunks: Buffer[]): Promise<void> {
    for (const chunk of chunks) {
      this.datasetBytes += chunk.length;
      if (this.held) {
        this.held.push(chunk);
        if (this.datasetBytes > HASH_WHOLE_MAX_BYTES) {
          this.hash = createHash('sha256');
          for (const c of this.held) this.hash.update(c);
          this.held = null;
        }
      } else this.hash?.update(chunk);
      if (this.prefixBytes < MIN_PREFIX_BYTES && chunk.length > 0) {
        this.prefix.push(chunk);
        this.prefixBytes += chunk.length;
      }
    }
    if (this.failure || this.abandoned || this.fd === null) return;
    try {
      await this.writeAll(this.withHeader(chunks));
    } catch (err) {
      await this.failWith(err);
      return;
    }
    if (this.datasetBytes - this.flushedBytes >= EARLY_FLUSH_BYTES && !this.earlyFlush)
      this.startEarlyFlush(this.fd);
  }

  /** Runs beside the writes that follow; the final fsync and any close wait for it. */
  private startEarlyFlush(fd: number): void {
    this.flushedBytes = this.datasetBytes;
    this.earlyFlush = fdatasyncFile(fd).then(
      () => {
        this.earlyFlush = null;
      },
      (err: unknown) => {
        // The disk failed under this data set: it will not be answered with success.
        this.fail(err instanceof Error ? err : new Error(String(err)));
        this.earlyFlush = null;
      },
    );
  }

  /** The chunks to write, behind the file meta group while that is not written yet. */
  private withHeader(chunks: Buffer[]): Buffer[] {
    const header = this.header;
    if (!header) return chunks;
    this.header = null;
    return [header, ...chunks];
  }

  private async flush(): Promise<void> {
    await this.earlyFlush;
    const fd = this.fd;
    if (this.failure || this.abandoned || fd === null) return;
    try {
      // An empty data set: the file is the file meta group alone.
      if (this.header) await this.writeAll(this.withHeader([]));
      await fsyncFile(fd);
    } catch (err) {
      await this.failWith(err);
      return;
    }
    // The data is on disk: the rename and the answer need not wait for the close as well.
    this.fd = null;
    this.closing = closeFile(fd).catch(() => undefined);
  }

  private async writeAll(chunks: Buffer[]): Promise<void> {
    let pending = chunks.filter((c) => c.length > 0);
    while (pending.length > 0) {
      let { bytesWritten } = await writeFile(this.fd!, pending);
      // A short write (rare: signals, a disk filling up) continues where it stopped.
      while (pending.length > 0 && bytesWritten >= pending[0]!.length) {
        bytesWritten -= pending[0]!.length;
        pending = pending.slice(1);
      }
      if (bytesWritten > 0) pending[0] = pending[0]!.subarray(bytesWritten);
    }
  }

  private async failWith(err: unknown): Promise<void> {
    this.fail(err instanceof Error ? err : new Error(String(err)));
    await this.removeTemp();
  }

  private fail(err: Error): void {
    this.failure ??= err;
  }

  private async removeTemp(): Promise<void> {
    // Not closed under a flush still running on the thread pool: its descriptor could be reused.
    await this.earlyFlush;
    const fd = this.fd;
    this.fd = null;
    if (fd !== null) await closeFile(fd).catch(() => undefined);
    await this.closing;
    if (this.tempFile) await rm(this.tempFile, { force: true });
  }

  private pauseSender(): void {
    if (this.paused || !this.flow) return;
    this.paused = true;
    this.flow.pause();
  }

  private resumeSender(): void {
    if (!this.paused || !this.flow) return;
    this.paused = false;
    this.flow.resume();
  }
}
