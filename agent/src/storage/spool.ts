import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { HeldDescriptors } from '../disk/held-descriptors.js';
import type { Logger } from '../log.js';
import { isSafeUid } from '../dicom/codec/dicom-uid.js';
import { TempFilePool, type TempFile } from './temp-file-pool.js';

/**
 * The folder where received instances live. Files arrive in `incoming/` under a random name and
 * move to `instances/<Study Instance UID>/<SOP Instance UID>.dcm` by an atomic rename once they are
 * complete and fsync'd, so a reader never sees a partial file under an instance's name.
 */
export class Spool {
  readonly incomingDir: string;
  readonly instancesDir: string;
  /** Study folders known to exist with a durable entry: each is created and fsync'd once. */
  private readonly knownDirs = new Map<string, Promise<void>>();
  private readonly tempFiles: TempFilePool;
  /** The study folders being filled are fsync'd after every rename into them. */
  private readonly folders = new HeldDescriptors('r', 16);

  constructor(readonly root: string) {
    this.incomingDir = path.join(root, 'incoming');
    this.instancesDir = path.join(root, 'instances');
    this.tempFiles = new TempFilePool(this.incomingDir);
  }

  /**
   * Creates the folders and removes what a crash left in `incoming/`: those transfers were never
   * answered with success, so the modality still holds them and will send them again. Empty files
   * are temp files opened ahead and never used; only the others are reported as transfers.
   */
  async prepare(log: Logger): Promise<void> {
    await mkdir(this.incomingDir, { recursive: true });
    await mkdir(this.instancesDir, { recursive: true });
    const leftovers = (await readdir(this.incomingDir)).filter((f) => f.endsWith('.part'));
    let unfinished = 0;
    for (const f of leftovers) {
      const file = path.join(this.incomingDir, f);
      if ((await stat(file)).size > 0) unfinished++;
      await rm(file, { force: true });
    }
    if (unfinished > 0) log.warn('removed unfinished transfers from the spool', { files: unfinished });
  }

  /** An open temp file in `incoming/` for one transfer; rejects with what the file system says. */
  takeTempFile(): Promise<TempFile> {
    return this.tempFiles.take();
  }

  /** Removes the temp files opened in advance and closes the folders held open. */
  close(): void {
    this.tempFiles.close();
    this.folders.close();
  }

  /** A rename into a folder, or a new file in it, is durable only once the folder is fsync'd. */
  async syncFolder(dir: string): Promise<void> {
    // Windows cannot open a folder for fsync; NTFS journals the rename itself.
    if (process.platform === 'win32') return;
    await this.folders.fsync(dir);
  }

  /**
   * Where an instance goes. Only validated UIDs become path components; a second version of the
   * same instance (other bytes) gets its content hash in the name so nothing is overwritten.
   */
  instancePath(studyInstanceUid: string, sopInstanceUid: string, version?: string): string {
    if (!isSafeUid(studyInstanceUid) || !isSafeUid(sopInstanceUid))
      throw new Error('refusing an unvalidated UID in a spool path');
    if (version !== undefined && !/^[0-9a-f]{16}$/.test(version)) throw new Error('bad version tag');
    const name = version === undefined ? `${sopInstanceUid}.dcm` : `${sopInstanceUid}.${version}.dcm`;
    return path.join(this.instancesDir, studyInstanceUid, name);
  }

  /**
   * Creates a study folder if needed and makes its entry durable. A series of hundreds of slices
   * pays for that once, not per slice; callers seeing ENOENT afterwards (the folder was removed by
   * hand) call `forgetDirectory` and ask again.
   */
  ensureDirectory(dir: string): Promise<void> {
    let ready = this.knownDirs.get(dir);
    if (!ready) {
      // Bounded: a long-running agent sees thousands of studies; forgetting only costs a mkdir.
      if (this.knownDirs.size >= 10_000) this.knownDirs.clear();
      ready = (async () => {
        const created = await mkdir(dir, { recursive: true });
        if (created !== undefined) await this.syncFolder(this.instancesDir);
      })();
      this.knownDirs.set(dir, ready);
      ready.catch(() => this.forgetDirectory(dir));
    }
    return ready;
  }

  forgetDirectory(dir: string): void {
    this.knownDirs.delete(dir);
  }

  relative(file: string): string {
    return path.relative(this.root, file).split(path.sep).join('/');
  }
}
