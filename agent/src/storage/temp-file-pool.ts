import { randomBytes } from 'node:crypto';
import { close, open, rm } from 'node:fs';
import path from 'node:path';

/** A temp file created and opened for writing, not yet written. */
export interface TempFile {
  path: string;
  fd: number;
}

/** Enough for the associations a practice's modalities open at once to never wait for one. */
const READY_FILES = 4;

/**
 * Temp files opened ahead of need, for the C-STOREs to come. Creating a file waits on the file
 * system's journal whenever another transfer's fsync is committing it: on ext4 under a CT series
 * that is about a millisecond per file, and it sat at the start of every C-STORE. Here the files
 * are created on the thread pool between transfers; a C-STORE takes one already open.
 *
 * Names are random and end in `.part`, so whatever is left at a crash (open, unused) is swept from
 * `incoming/` at the next start like any unfinished transfer.
 */
export class TempFilePool {
  private readonly ready: TempFile[] = [];
  private opening = 0;
  private closed = false;

  constructor(private readonly dir: string) {}

  /**
   * A temp file to write into: one opened in advance, or — when the pool is empty, as at the first
   * C-STORE — opened now. Rejects with what the file system says (a full disk, a missing folder).
   */
  take(): Promise<TempFile> {
    const ready = this.ready.shift();
    const file = ready ? Promise.resolve(ready) : this.openOne();
    this.refill();
    return file;
  }

  /** Closes and removes the files opened in advance. */
  close(): void {
    this.closed = true;
    for (const file of this.ready.splice(0)) discard(file);
  }

  private openOne(): Promise<TempFile> {
    const file = this.newName();
    return new Promise((resolve, reject) => {
      open(file, 'wx', 0o640, (err, fd) => (err ? reject(err) : resolve({ path: file, fd })));
    });
  }

  private refill(): void {
    while (!this.closed && this.ready.length + this.opening < READY_FILES) {
      this.opening++;
      this.openOne().then(
        (file) => {
          this.opening--;
          if (this.closed) discard(file);
          else this.ready.push(file);
        },
        () => {
          // Not reported here: the next take() opens its own file and meets the same failure
          // where the C-STORE can answer with it.
          this.opening--;
        },
      );
    }
  }

  private newName(): string {
    return path.join(this.dir, `${randomBytes(12).toString('hex')}.part`);
  }
}

function discard(file: TempFile): void {
  close(file.fd, () => rm(file.path, { force: true }, () => undefined));
}
