import { chmodSync, statSync } from 'node:fs';

/**
 * Databases, secrets, the spool and media hold patient data and credentials: only the user the
 * process runs as may read them. Set at the very start of a process, this umask makes every file
 * (0600) and folder (0700) it creates owner-only, the database's WAL and shared-memory files
 * included, whatever library creates them.
 */
export function createOwnerOnly(): void {
  process.umask(0o077);
}

/**
 * Brings files and folders made before (by an earlier version, or under another umask) to
 * owner-only; paths that do not exist are skipped. On Windows, where modes mean little, it changes
 * nothing harmful.
 */
export function keepOwnerOnly(paths: readonly string[]): void {
  for (const p of paths) {
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      continue;
    }
    try {
      chmodSync(p, isDir ? 0o700 : 0o600);
    } catch {
      // Not ours to change (a shared folder given as the data folder): left as the operator set it.
    }
  }
}
