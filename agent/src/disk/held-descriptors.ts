import { close, fdatasync, fstatSync, fsync, open } from 'node:fs';
import { promisify } from 'node:util';

const openFile = promisify(open);
const fsyncFile = promisify(fsync);
const fdatasyncFile = promisify(fdatasync);

interface Held {
  fd: number;
  /** Syncs running on this descriptor: it is closed only once none is. */
  users: number;
  /** No longer handed out; closed when its last user is done. */
  retired: boolean;
}

interface Slot {
  ready: Promise<Held>;
  held: Held | null;
}

/**
 * Descriptors kept open for paths that are fsync'd again and again: the journal's WAL after every
 * commit, the study folder a CT series is renamed into slice after slice. Opening and closing
 * around each fsync costs two more trips through the thread pool per stored instance, each one
 * queued behind whatever else the pool is doing, and the modality waits for all of them.
 *
 * A held descriptor keeps naming the file it was opened on after that file is deleted (SQLite
 * removes its WAL when its last connection closes; retention removes study folders), and an fsync
 * through it would make nothing durable. So each use first checks the descriptor with fstat — the
 * in-memory inode, no disk access, fine on the event loop — and opens the path again if the file
 * has lost its last name.
 */
export class HeldDescriptors {
  private readonly slots = new Map<string, Slot>();

  constructor(
    /** 'r' for folders, 'r+' for files. */
    private readonly flags: 'r' | 'r+',
    /** Least recently used descriptors beyond this are closed. */
    private readonly maxOpen: number,
  ) {}

  /** fsync(2) of the path; rejects as opening or syncing it would (ENOENT, EIO…). */
  fsync(path: string): Promise<void> {
    return this.use(path, fsyncFile);
  }

  /** fdatasync(2) of the path: its data and what is needed to read it back. */
  fdatasync(path: string): Promise<void> {
    return this.use(path, fdatasyncFile);
  }

  /** Closes every descriptor once its syncs in flight are done. */
  close(): void {
    for (const [path, slot] of this.slots) if (slot.held) this.retire(path, slot, slot.held);
    this.slots.clear();
  }

  /** How many descriptors are open or being opened. */
  get size(): number {
    return this.slots.size;
  }

  private async use(path: string, sync: (fd: number) => Promise<void>): Promise<void> {
    const held = await this.take(path);
    try {
      await sync(held.fd);
    } finally {
      held.users--;
      if (held.retired && held.users === 0) closeQuietly(held.fd);
    }
  }

  private async take(path: string): Promise<Held> {
    for (;;) {
      const slot = this.slots.get(path) ?? this.openSlot(path);
      const held = await slot.ready;
      if (held.retired) continue;
      if (!stillLinked(held.fd)) {
        this.retire(path, slot, held);
        continue;
      }
      // Most recently used last: `trim` closes from the front.
      this.slots.delete(path);
      this.slots.set(path, slot);
      held.users++;
      return held;
    }
  }

  private openSlot(path: string): Slot {
    const slot: Slot = {
      ready: openFile(path, this.flags).then((fd) => ({ fd, users: 0, retired: false })),
      held: null,
    };
    this.slots.set(path, slot);
    slot.ready.then(
      (held) => {
        slot.held = held;
        this.trim();
      },
      // The caller hears the error; the next one tries to open the path again.
      () => {
        if (this.slots.get(path) === slot) this.slots.delete(path);
      },
    );
    return slot;
  }

  private trim(): void {
    for (const [path, slot] of this.slots) {
      if (this.slots.size <= this.maxOpen) return;
      if (slot.held && slot.held.users === 0) this.retire(path, slot, slot.held);
    }
  }

  private retire(path: string, slot: Slot, held: Held): void {
    if (this.slots.get(path) === slot) this.slots.delete(path);
    if (held.retired) return;
    held.retired = true;
    if (held.users === 0) closeQuietly(held.fd);
  }
}

function stillLinked(fd: number): boolean {
  try {
    return fstatSync(fd).nlink > 0;
  } catch {
    return false;
  }
}

function closeQuietly(fd: number): void {
  close(fd, () => undefined);
}
