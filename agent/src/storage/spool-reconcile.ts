import { createHash } from 'node:crypto';
import { access, readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { and, eq, gte, isNull, max } from 'drizzle-orm';
import type { AgentDatabase } from '../db/agent-database.js';
import { spoolPurges, storedInstances } from '../db/schema.js';
import { sameInstanceVersion } from '../db/same-instance-version.js';
import type { Logger } from '../log.js';
import { isSafeUid, trimUid } from '../dicom/codec/dicom-uid.js';
import { checkHeader } from './instance-commit.js';
import { MalformedDataset } from './instance-header.js';
import type { Spool } from './spool.js';
import { readStoredHeader } from './stored-header.js';
import { storedInstanceRow } from './stored-instance-row.js';
import { LogCode } from '../log-codes.js';

/**
 * Study folders changed this long before the newest journal row are not looked into: a file can
 * lack its row only when the agent stopped between the rename and the row's commit, and both come
 * within moments of each other (a rename changes the folder's time).
 */
const SETTLED_MS = 10 * 60_000;

/**
 * How far before the newest journal row a row may lack its file: an instance's folder fsync and its
 * row's commit run together (instance-commit.ts), so only rows committed in the moments before a
 * stop can have lost their rename. A minute is far more than those moments.
 */
const RECENT_ROWS_MS = 60_000;

/** `<SOP Instance UID>.dcm`, or `<SOP Instance UID>.<16 hex>.dcm` for a second version. */
const INSTANCE_FILE = /^(.+?)(?:\.([0-9a-f]{16}))?\.dcm$/;

/**
 * At start, before the DICOM port opens: files that reached their place in the spool but not the
 * journal (the agent stopped between the two) are recorded when they are whole, readable instances
 * of the folder they sit in, and removed otherwise — each one logged. Either is safe: the modality
 * never heard success for them (that waits for the row), so it still holds them and may send them
 * again, which then finds the recorded copy and answers success at once.
 */
export async function reconcileSpool(opts: {
  spool: Spool;
  database: AgentDatabase;
  log: Logger;
}): Promise<{ recorded: number; removed: number; dropped: number }> {
  const { spool, database, log } = opts;
  const [latest] = await database.db.select({ at: max(storedInstances.receivedAt) }).from(storedInstances);
  const dropped = latest?.at ? await dropRowsWithoutFile(opts, Date.parse(latest.at) - RECENT_ROWS_MS) : 0;
  const since = latest?.at ? Date.parse(latest.at) - SETTLED_MS : 0;
  let recorded = 0;
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
      const outcome = await recordOrphan(database, file, relativePath, study.name, m[1]!, m[2] !== undefined);
      if (outcome.recorded) {
        recorded++;
        log.warn('spool file without a journal row recorded', {
          code: LogCode.spoolOrphanRecorded,
          path: relativePath,
        });
      } else {
        await rm(file, { force: true });
        removed++;
        log.warn('spool file without a journal row removed', {
          code: LogCode.spoolOrphanRemoved,
          path: relativePath,
          reason: outcome.reason,
        });
      }
    }
  }
  if (recorded + removed > 0) await spool.syncFolder(spool.instancesDir);
  return { recorded, removed, dropped };
}

/**
 * Rows of the last moments before a stop whose file is not in the spool: the rename into the study
 * folder was lost with the stop, so the modality never heard success. Dropped, so that its resend
 * is stored anew rather than answered as a duplicate of a file that is not there. Files retention
 * removed on purpose are recorded in `spool_purges` and left alone.
 */
async function dropRowsWithoutFile(
  opts: { spool: Spool; database: AgentDatabase; log: Logger },
  sinceMs: number,
): Promise<number> {
  const { spool, database, log } = opts;
  const recent = await database.db
    .select({
      sopInstanceUid: storedInstances.sopInstanceUid,
      sha256: storedInstances.sha256,
      relativePath: storedInstances.relativePath,
    })
    .from(storedInstances)
    .leftJoin(spoolPurges, sameInstanceVersion(spoolPurges))
    .where(
      and(gte(storedInstances.receivedAt, new Date(sinceMs).toISOString()), isNull(spoolPurges.purgedAt)),
    );
  let dropped = 0;
  for (const row of recent) {
    if (await exists(path.join(spool.root, ...row.relativePath.split('/')))) continue;
    await database.write(async (tx) => {
      await tx
        .delete(storedInstances)
        .where(
          and(eq(storedInstances.sopInstanceUid, row.sopInstanceUid), eq(storedInstances.sha256, row.sha256)),
        );
    });
    dropped++;
    log.warn('journal row without its spool file dropped', {
      code: LogCode.journalRowDropped,
      sopInstanceUid: row.sopInstanceUid,
      path: row.relativePath,
    });
  }
  return dropped;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

async function recordOrphan(
  database: AgentDatabase,
  file: string,
  relativePath: string,
  studyFolder: string,
  nameUid: string,
  versioned: boolean,
): Promise<{ recorded: true } | { recorded: false; reason: string }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    return { recorded: false, reason: `unreadable: ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
  }
  const meta = readFileMeta(bytes);
  if (!meta) return { recorded: false, reason: 'not a Part-10 file' };
  const dataset = bytes.subarray(meta.datasetStart);
  let header;
  try {
    header = readStoredHeader(dataset, meta.transferSyntaxUid);
  } catch (err) {
    if (err instanceof MalformedDataset)
      return { recorded: false, reason: `data set unreadable: ${err.message}` };
    throw err;
  }
  const problem = checkHeader(header, { sopInstanceUid: meta.sopInstanceUid, sopClassUid: meta.sopClassUid });
  if (problem) return { recorded: false, reason: problem.errorComment ?? 'header does not match' };
  if (meta.sopInstanceUid !== nameUid || header.studyInstanceUid !== studyFolder || !isSafeUid(nameUid))
    return { recorded: false, reason: 'file name or folder does not match its data set' };
  const stats = await stat(file);
  await database.write(async (tx) => {
    await tx
      .insert(storedInstances)
      .values(
        storedInstanceRow(header, {
          sopClassUid: meta.sopClassUid,
          sopInstanceUid: meta.sopInstanceUid,
          transferSyntaxUid: meta.transferSyntaxUid,
          sha256: createHash('sha256').update(dataset).digest('hex'),
          relativePath,
          fileBytes: bytes.length,
          datasetBytes: dataset.length,
          callingAeTitle: meta.sourceAeTitle,
          conflict: versioned,
          receivedAt: stats.mtime.toISOString(),
        }),
      )
      .onConflictDoNothing();
  });
  return { recorded: true };
}

interface FileMeta {
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
  sourceAeTitle: string;
  datasetStart: number;
}

/** The File Meta Information group the agent wrote (explicit VR little endian, PS3.10 7.1). */
function readFileMeta(bytes: Buffer): FileMeta | undefined {
  if (bytes.length < 132 || bytes.toString('latin1', 128, 132) !== 'DICM') return undefined;
  const values = new Map<number, string>();
  let pos = 132;
  while (pos + 8 <= bytes.length && bytes.readUInt16LE(pos) === 0x0002) {
    const element = bytes.readUInt16LE(pos + 2);
    const vr = bytes.toString('latin1', pos + 4, pos + 6);
    const long = vr === 'OB' || vr === 'UN' || vr === 'UT';
    const length = long ? bytes.readUInt32LE(pos + 8) : bytes.readUInt16LE(pos + 6);
    const start = pos + (long ? 12 : 8);
    if (start + length > bytes.length) return undefined;
    values.set(element, bytes.toString('latin1', start, start + length));
    pos = start + length;
  }
  const transferSyntaxUid = trimUid(values.get(0x0010) ?? '');
  if (!transferSyntaxUid) return undefined;
  return {
    sopClassUid: trimUid(values.get(0x0002) ?? ''),
    sopInstanceUid: trimUid(values.get(0x0003) ?? ''),
    transferSyntaxUid,
    sourceAeTitle: (values.get(0x0016) ?? '').trim(),
    datasetStart: pos,
  };
}
