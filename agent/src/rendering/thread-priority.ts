import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Lowers the scheduling priority of the calling thread only. Thumbnails can wait; a modality
 * waiting for its C-STORE or C-ECHO answer cannot, and on a two-core PC a rendering thread at equal
 * priority takes a core the DICOM thread needs. Linux keeps a nice value per thread (its id is in
 * /proc/thread-self); elsewhere `setPriority` would lower the whole process, so nothing is done.
 */
export function lowerThreadPriority(nice: number): boolean {
  if (process.platform !== 'linux') return false;
  try {
    const tid = Number(path(readlinkSync('/proc/thread-self')));
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, nice);
    return true;
  } catch {
    // A sandbox without /proc or without the right to renice: rendering simply keeps its priority.
    return false;
  }
}

/** `/proc/thread-self` links to `<pid>/task/<tid>`. */
function path(link: string): string {
  return link.split('/').pop() ?? '';
}
