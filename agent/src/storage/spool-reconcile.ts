import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { and, eq, gte, isNull, max } from 'drizzle-orm';
import type { AgentDatabase } from '../db/agent-database.js';
import { spoolPurges, storedInstances } from '../db/schema.js';
import { sameInstanceVersion } from '../db/same-instance-version.js';
import type { Logger } from '../log.js';
import type { Spool } from './spool.js';
import { LogCode } from '../log-codes.js';

/**
 * Study folders changed this long before the newest journal row are not looked into: a file can
 * lack its row only when the agent stopped between the rename and the row's commit, and both come
 * within moments of each other (a rename changes the folder's time).
 */
const SETTLED_MS = 10 * 60_000;

/**
 * How far before the newest journal row a row may lack its whole file: an instance's rename, its
 * file's fsync, its folder's fsync and its row's commit run together (instance-commit.ts), so only
 * rows committed in the moments before a stop can have lost their file, or part of it. A minute is
 * far more than those moments.
 */
const RECENT_ROWS_MS = 60_000;

/** `<SOP Instance UID>.dcm`, or `<SOP Instance UID>.<16 hex>.dcm` for a second version. */
const INSTANCE_FILE = /^(.+?)(?:\.([0-9a-f]{16}))?\.dcm$/;

/**
 * At start, before the DICOM port opens, the spool and the journal are made to agree again after a
 * stop in the middle of storing: a file in a study folder without its journal row is removed, and
 * a row from the last moments whose file is missing or shorter than recorded is dropped (its file
 * with it) — each one logged. Both are safe because the modality hears success only once the
 * file's data, its name and its row are all on disk: for these it never did, so it still holds the
 * instance and sends it again, which is then stored anew. (Recording such a file instead would
 * trust bytes whose fsync may not have finished.)
 */
export async function reconcileSpool(opts: {
  spool: Spool;
  database: AgentDatabase;
  log: Logger;
}): Promise<{ removed: number; dropped: number }> {
  const { spool, database, log } = opts;
  const [latest] = await database.db.select({ at: max(storedInstances.receivedAt) }).from(storedInstances);
  const dropped = latest?.at
    ? await dropRowsWithoutWholeFile(opts, Date.parse(latest.at) - RECENT_ROWS_MS)
    : 0;
  const since = latest?.at ? Date.parse(latest.at) - SETTLED_MS : 0;
  let removed = 0;
  for (const study of await readdir(spool.instancesDir, { withFileTypes: true })) {
    if (!study.isDirectory()) continue;
    const dir = path.join(spool.instancesDir, study.name);
    if ((await stat(dir)).mtimeMs < since) continue;
    for (const name of await readdir(dir)) {
      const m = INSTANCE_FILE.exec(name);
      if (!m) continue;
      const file = path.join(dir, name);
      const relativePath = spool.relative(file);
      const rows = await database.db
        .select({ relativePath: storedInstances.relativePath })
        .from(storedInstances)
        .where(eq(storedInstances.sopInstanceUid, m[1]!));
      if (rows.some((r) => r.relativePath === relativePath)) continue;
      await rm(file, { force: true });
      removed++;
      log.warn('spool file without a journal row removed: the modality never heard success for it', {
        code: LogCode.spoolOrphanRemoved,
        path: relativePath,
      });
    }
  }
  if (removed > 0) await spool.syncFolder(spool.instancesDir);
  return { removed, dropped };
}

/**
 * Rows of the last moments before a stop whose file is not in the spool, or is shorter than the
 * row says: the rename or the file's data did not reach the disk before the stop, so the modality
 * never heard success. Dropped, with what there is of the file, so that its resend is stored anew
 * rather than answered as a duplicate of a file that is not whole. (A file system writes a file's
 * data before the size that covers it, so a short file is how lost data shows.) Files retention
 * removed on purpose are recorded in `spool_purges` and left alone.
 */
async function dropRowsWithoutWholeFile(
  opts: { spool: Spool; database: AgentDatabase; log: Logger },
  sinceMs: number,
): Promise<number> {
  const { spool, database, log } = opts;
  const recent = await database.db
    .select({
      sopInstanceUid: storedInstances.sopInstanceUid,
      sha256: storedInstances.sha256,
      relativePath: storedInstances.relativePath,
      fileBytes: storedInstances.fileBytes,
    })
    .from(storedInstances)
    .leftJoin(spoolPurges, sameInstanceVersion(spoolPurges))
    .where(
      and(gte(storedInstances.receivedAt, new Date(sinceMs).toISOString()), isNull(spoolPurges.purgedAt)),
    );
  let dropped = 0;
  for (const row of recent) {
    const file = path.join(spool.root, ...row.relativePath.split('/'));
    const bytes = await sizeOf(file);
    if (bytes === row.fileBytes) continue;
    await database.write(async (tx) => {
      await tx
        .delete(storedInstances)
        .where(
          and(eq(storedInstances.sopInstanceUid, row.sopInstanceUid), eq(storedInstances.sha256, row.sha256)),
        );
    });
    if (bytes !== null) await rm(file, { force: true });
    dropped++;
    log.warn(
      bytes === null
        ? 'journal row without its spool file dropped'
        : 'journal row with a short spool file dropped',
      {
        code: LogCode.journalRowDropped,
        sopInstanceUid: row.sopInstanceUid,
        path: row.relativePath,
        ...(bytes === null ? {} : { fileBytes: bytes, recordedBytes: row.fileBytes }),
      },
    );
  }
  return dropped;
}

/** The file's size, or null when it is not there. */
async function sizeOf(file: string): Promise<number | null> {
  try {
    return (await stat(file)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
