import type { FileHandle } from 'node:fs/promises';

/**
 * Reads `length` bytes at `position` into `into`, as many reads as it takes: a single read may
 * return fewer bytes than asked for. Stops early only at the end of the file; returns how many
 * bytes were read.
 */
export async function readUpTo(
  handle: FileHandle,
  into: Buffer,
  length: number,
  position: number,
): Promise<number> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(into, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}
