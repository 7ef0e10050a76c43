import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import type { MediaFormat } from './media-url.js';

/**
 * Thumbnails, previews and renditions, stored by the SHA-256 of their bytes and their format. Content addressing makes a
 * repeated delivery free, lets identical placeholders share one file, and gives every URL a
 * strong ETag that never changes.
 */
export class MediaStore {
  constructor(readonly root: string) {}

  /** Stores the bytes durably (written aside, fsync'd, renamed) and returns their SHA-256. */
  async put(bytes: Buffer, format: MediaFormat = 'jpg'): Promise<string> {
    const sha = createHash('sha256').update(bytes).digest('hex');
    const file = this.pathOf(sha, format);
    if (await exists(file)) return sha;
    const dir = path.dirname(file);
    await mkdir(dir, { recursive: true });
    const partial = `${file}.${process.pid}.${Date.now()}.partial`;
    const handle = await open(partial, 'w');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(partial, file);
    // The rename is durable only once the directory entry is.
    const dirHandle = await open(dir, 'r');
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
    return sha;
  }

  async read(sha: string, format: MediaFormat = 'jpg'): Promise<Buffer | null> {
    if (!/^[0-9a-f]{64}$/.test(sha)) return null;
    try {
      return await readFile(this.pathOf(sha, format));
    } catch {
      return null;
    }
  }

  async has(sha: string, format: MediaFormat = 'jpg'): Promise<boolean> {
    return /^[0-9a-f]{64}$/.test(sha) && (await exists(this.pathOf(sha, format)));
  }

  private pathOf(sha: string, format: MediaFormat): string {
    return path.join(this.root, sha.slice(0, 2), `${sha}.${format}`);
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
