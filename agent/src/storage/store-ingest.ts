import { createHash, type Hash } from 'node:crypto';
import { close, closeSync, fdatasync, fsync, rmSync, writevSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { part10Header, type FileMetaInformation } from './part10-header.js';
import type { TempFile } from './temp-file-pool.js';

const fsyncFile = promisify(fsync);
const fdatasyncFile = promisify(fdatasync);
const closeFile = promisify(close);

/** The header fields the agent records all sit in the first few kilobytes; this caps the copy. */
const MAX_PREFIX_BYTES = 1024 * 1024;
/**
 * A large data set is flushed to disk while it still arrives, each time this much more was
 * written: the fsync before the answer then waits for the last few megabytes, not for all of a
 * 19 MB radiograph (tens of milliseconds on an SSD, seconds on a spinning disk).
 */
const EARLY_FLUSH_BYTES = 4 * 1024 * 1024;

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

export type IngestResult = { kind: 'received'; file: ReceivedFile } | { kind: 'failed'; error: Error };

/**
 * One C-STORE data set on its way to the spool. dcmjs-dimse writes each P-DATA fragment into
 * `stream`; the bytes go to a temp file behind our own file meta group, are hashed, and the first
 * megabyte is kept for the header.
 *
 * Each fragment is written before `write` returns. A write into the page cache costs a few
 * microseconds for a 64 KB fragment, less than the thread-pool round trip of an asynchronous
 * write: written asynchronously, fragments queued behind each other and the last ones landed about
 * a millisecond after the data set had ended — a millisecond per CT slice the modality waited.
 * Nothing of a data set is ever held in memory, whatever its size, and no flow control is needed.
 * The wait for the disk itself is the fsync, which stays on the thread pool.
 *
 * The stream never errors towards dcmjs-dimse (an 'error' there would kill the association, or the
 * process): a write failure is remembered, the rest of the data set is hashed and discarded, and
 * `result()` reports it.
 */
export class StoreIngest {
  readonly stream: Writable;
  /** Empty when no temp file could be opened. */
  tempFile = '';
  private fd: number | null = null;
  private failure: Error | null = null;
  private abandoned = false;
  private readonly hash: Hash = createHash('sha256');
  private readonly prefix: Buffer[] = [];
  private prefixBytes = 0;
  private datasetBytes = 0;
  private headerBytes = 0;
  private sha256: string | null = null;
  /** Resolves once dcmjs-dimse has handed over the last fragment, or the transfer ended otherwise. */
  private readonly ended: Promise<void>;
  /** The fsync and close started when the data set ended; removal waits for it. */
  private flushing: Promise<void> = Promise.resolve();
  /** The flush started while the data set still arrives, if any; the file is not closed under it. */
  private earlyFlush: Promise<void> | null = null;
  private unflushedBytes = 0;

  constructor(openTempFile: () => TempFile, meta: FileMetaInformation) {
    this.stream = new Writable({
      // Nothing ever queues here, but a fragment larger than the mark would still make `write`
      // return false, and dcmjs-dimse would then wait a tick for 'drain' before the next one.
      highWaterMark: 4 * 1024 * 1024,
      writev: (chunks, cb) => {
        this.append(chunks.map((c) => c.chunk as Buffer));
        cb();
      },
      final: (cb) => {
        this.flushing = this.flush();
        cb();
      },
    });
    // Fact of dcmjs-dimse: an 'error' without a listener on this stream crashes the process.
    this.stream.on('error', (err) => this.fail(err));
    this.ended = new Promise((resolve) => {
      this.stream.once('finish', resolve);
      this.stream.once('close', resolve);
    });
    this.openFile(openTempFile, meta);
  }

  /** True once dcmjs-dimse has handed over the last fragment. */
  get complete(): boolean {
    return this.stream.writableEnded;
  }

  /** Waits for the last byte to be written and fsync'd. */
  async result(): Promise<IngestResult> {
    await this.ended;
    await this.flushing;
    return this.outcome();
  }

  /**
   * Waits for the last byte to be written, not for the fsync: what the commit can prepare before
   * the file is durable. Only `result()` says the file is on disk.
   */
  async written(): Promise<IngestResult> {
    await this.ended;
    return this.outcome();
  }

  private outcome(): IngestResult {
    if (this.abandoned) return { kind: 'failed', error: new Error('transfer abandoned') };
    if (this.failure) return { kind: 'failed', error: this.failure };
    this.sha256 ??= this.hash.digest('hex');
    return {
      kind: 'received',
      file: {
        tempFile: this.tempFile,
        headerBytes: this.headerBytes,
        datasetBytes: this.datasetBytes,
        sha256: this.sha256,
        prefix: Buffer.concat(this.prefix),
      },
    };
  }

  /** The peer went away mid-transfer: stop writing and remove the partial file. */
  abandon(): Promise<void> {
    this.abandoned = true;
    if (!this.stream.destroyed) this.stream.destroy();
    return this.discard();
  }

  /** Removes the temp file (after a refusal, a duplicate, or a failure). */
  async discard(): Promise<void> {
    await this.flushing;
    await this.earlyFlush;
    const fd = this.fd;
    this.fd = null;
    if (fd !== null) await closeFile(fd).catch(() => undefined);
    if (this.tempFile) await rm(this.tempFile, { force: true });
  }

  private openFile(openTempFile: () => TempFile, meta: FileMetaInformation): void {
    try {
      const file = openTempFile();
      this.tempFile = file.path;
      this.fd = file.fd;
      const header = part10Header(meta);
      this.writeAll([header]);
      this.headerBytes = header.length;
    } catch (err) {
      this.failNow(err);
    }
  }

  private append(chunks: Buffer[]): void {
    for (const chunk of chunks) {
      this.datasetBytes += chunk.length;
      this.hash.update(chunk);
      if (this.prefixBytes < MAX_PREFIX_BYTES) {
        const part = chunk.subarray(0, MAX_PREFIX_BYTES - this.prefixBytes);
        this.prefix.push(Buffer.from(part));
        this.prefixBytes += part.length;
      }
    }
    if (this.failure || this.abandoned || this.fd === null) return;
    try {
      this.writeAll(chunks);
    } catch (err) {
      this.failNow(err);
      return;
    }
    for (const chunk of chunks) this.unflushedBytes += chunk.length;
    if (this.unflushedBytes >= EARLY_FLUSH_BYTES && !this.earlyFlush) this.startEarlyFlush(this.fd);
  }

  private startEarlyFlush(fd: number): void {
    this.unflushedBytes = 0;
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

  private async flush(): Promise<void> {
    await this.earlyFlush;
    const fd = this.fd;
    if (this.failure || this.abandoned || fd === null) return;
    try {
      await fsyncFile(fd);
      this.fd = null;
      await closeFile(fd);
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
      this.fd = null;
      await closeFile(fd).catch(() => undefined);
      await rm(this.tempFile, { force: true });
    }
  }

  private writeAll(chunks: Buffer[]): void {
    let pending = chunks.filter((c) => c.length > 0);
    while (pending.length > 0) {
      let bytesWritten = writevSync(this.fd!, pending);
      // A short write (rare: signals, a disk filling up) continues where it stopped.
      while (pending.length > 0 && bytesWritten >= pending[0]!.length) {
        bytesWritten -= pending[0]!.length;
        pending = pending.slice(1);
      }
      if (bytesWritten > 0) pending[0] = pending[0]!.subarray(bytesWritten);
    }
  }

  /** A write failed: nothing more goes to disk for this data set, and its partial file goes. */
  private failNow(err: unknown): void {
    this.fail(err instanceof Error ? err : new Error(String(err)));
    const fd = this.fd;
    this.fd = null;
    const release = (): void => {
      try {
        if (fd !== null) closeSync(fd);
        if (this.tempFile) rmSync(this.tempFile, { force: true });
      } catch {
        // Left for the spool's start-up sweep of incoming/: it was never answered with success.
      }
    };
    // Not closed under a flush still running on the thread pool: its descriptor could be reused.
    if (this.earlyFlush) void this.earlyFlush.then(release);
    else release();
  }

  private fail(err: Error): void {
    this.failure ??= err;
  }
}
