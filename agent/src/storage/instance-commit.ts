import { and, eq, sql } from 'drizzle-orm';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { AgentDatabase } from '../db/agent-database.js';
import { insertStatement } from '../db/insert-statement.js';
import { storedInstances } from '../db/schema.js';
import type { Logger } from '../log.js';
import { isSafeUid } from '../dicom/codec/dicom-uid.js';
import { MalformedDataset, type InstanceHeader } from './instance-header.js';
import { readStoredHeader as headerOf } from './stored-header.js';
import { CoalescedFsync } from '../disk/coalesced-fsync.js';
import { GroupCommit } from './group-commit.js';
import { KeyedLock } from './keyed-lock.js';
import type { Spool } from './spool.js';
import { readDatasetHead, type ReceivedFile } from './store-ingest.js';
import { storedInstanceRow, type StoredInstanceRow } from './stored-instance-row.js';
import { refusal, StoreStatus, type StoreOutcome } from './store-status.js';
import { LogCode } from '../log-codes.js';

export interface CommitRequest {
  /** Every byte written to the temp file; not necessarily on disk yet. */
  file: ReceivedFile;
  /** Resolves once the temp file is fsync'd; rejects when it could not be. */
  durable: Promise<void>;
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
  callingAeTitle: string;
}

/** As far into a data set as its header is looked for: no modality writes a longer one. */
const LONG_HEADER_BYTES = 1024 * 1024;

/**
 * Turns a complete temp file into a stored instance: checks the data set against its command,
 * decides between new / duplicate / conflict, renames the file into place and records the row; the
 * modality hears success only once the file's data, its new name and the row are all on disk.
 *
 * What costs time is waiting for the disk, so nothing waits that need not: the header, the
 * duplicate check and the study folder are settled while the file's fsync runs; the rename does not
 * wait for that fsync, and the file's fsync, the folder's fsync and the row's commit then run
 * together — one wait for the disk per instance instead of three in a row. A stop in between can
 * leave a file under its name without its row, or a row whose file is missing or short: the
 * modality never heard success for either, and `reconcileSpool` removes both at the next start.
 * A study folder is created and fsync'd once; renames into one folder at the same moment share a
 * folder fsync, and rows ready at the same moment share a commit. The new / duplicate decision is
 * serialized per SOP Instance UID in this process (the only writer of the spool): two associations
 * sending the same instance at once cannot both take the first name, and different instances never
 * queue behind each other's fsyncs on the database's write lock.
 */
export class InstanceCommitter {
  private readonly perInstance = new KeyedLock();
  private readonly directories: CoalescedFsync;
  private readonly rows: GroupCommit<StoredInstanceRow>;
  /** Built once: drizzle's query building per instance cost more CPU than the query. */
  private readonly versionsOf;

  constructor(
    private readonly spool: Spool,
    private readonly database: AgentDatabase,
    private readonly log: Logger,
  ) {
    this.directories = new CoalescedFsync((dir) => spool.syncFolder(dir));
    const insert = insertStatement(database.db, storedInstances);
    this.rows = new GroupCommit((batch) => database.writeBatch(batch.map(insert)));
    this.versionsOf = database.db
      .select({ sha256: storedInstances.sha256, relativePath: storedInstances.relativePath })
      .from(storedInstances)
      .where(eq(storedInstances.sopInstanceUid, sql.placeholder('sopInstanceUid')))
      .prepare();
  }

  async commit(request: CommitRequest): Promise<StoreOutcome> {
    const { file } = request;
    let header: InstanceHeader;
    try {
      header = headerOf(file.prefix, request.transferSyntaxUid);
      // A header longer than the prefix kept in memory (hundreds of referenced images, say).
      if (!header.complete && file.prefix.length < file.datasetBytes)
        header = headerOf(await readDatasetHead(file, LONG_HEADER_BYTES), request.transferSyntaxUid);
    } catch (err) {
      if (err instanceof MalformedDataset)
        return refusal(StoreStatus.CannotUnderstand, `data set unreadable: ${err.message}`);
      throw err;
    }
    const problem = checkHeader(header, request);
    if (problem) return problem;
    return this.perInstance.run(request.sopInstanceUid, () => this.store(request, header));
  }

  private async store(request: CommitRequest, header: InstanceHeader): Promise<StoreOutcome> {
    const { file } = request;
    const { spool, log } = this;
    const versions = await this.versionsOf.all({ sopInstanceUid: request.sopInstanceUid });
    const same = versions.find((v) => v.sha256 === file.sha256);
    if (same) {
      // A resend (the modality missed our answer, or the tech pressed send twice): nothing to do.
      log.info('instance received again with the same bytes', {
        code: LogCode.instanceSameAgain,
        sopInstanceUid: request.sopInstanceUid,
        callingAe: request.callingAeTitle,
        path: same.relativePath,
      });
      return { status: StoreStatus.Success, result: 'duplicate' };
    }
    const conflict = versions.length > 0;
    const target = spool.instancePath(
      header.studyInstanceUid,
      request.sopInstanceUid,
      conflict ? file.sha256.slice(0, 16) : undefined,
    );
    const studyDir = path.dirname(target);
    await spool.ensureDirectory(studyDir);
    try {
      await rename(file.tempFile, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      // The study folder was removed behind our back since we created it: make it again.
      spool.forgetDirectory(studyDir);
      await spool.ensureDirectory(studyDir);
      await rename(file.tempFile, target);
    }
    const row = storedInstanceRow(header, {
      sopClassUid: request.sopClassUid,
      sopInstanceUid: request.sopInstanceUid,
      transferSyntaxUid: request.transferSyntaxUid,
      sha256: file.sha256,
      relativePath: spool.relative(target),
      fileBytes: file.headerBytes + file.datasetBytes,
      datasetBytes: file.datasetBytes,
      callingAeTitle: request.callingAeTitle,
      conflict,
      receivedAt: new Date().toISOString(),
    });
    const [data, folder, recorded] = await Promise.allSettled([
      request.durable,
      this.directories.sync(studyDir),
      this.rows.add(row),
    ]);
    const failed = [data, folder, recorded].find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      // Not durable means not stored: the modality gets a failure and will send it again, and
      // finds neither a file nor a row that would answer its resend as a duplicate.
      if (recorded.status === 'fulfilled') await this.unrecord(row);
      await rm(target, { force: true });
      throw failed.reason;
    }
    const fields = {
      sopInstanceUid: request.sopInstanceUid,
      sopClassUid: request.sopClassUid,
      studyInstanceUid: header.studyInstanceUid,
      transferSyntaxUid: request.transferSyntaxUid,
      callingAe: request.callingAeTitle,
      bytes: file.datasetBytes,
      path: spool.relative(target),
    };
    if (conflict) {
      log.warn('instance received again with different bytes: both kept, the new one flagged', {
        code: LogCode.instanceChangedAgain,
        ...fields,
        earlier: versions.map((v) => v.relativePath),
      });
      return { status: StoreStatus.Success, result: 'conflict' };
    }
    log.debug('instance stored', { code: LogCode.instanceStored, ...fields });
    return { status: StoreStatus.Success, result: 'stored' };
  }

  private async unrecord(row: StoredInstanceRow): Promise<void> {
    await this.database.write(async (tx) => {
      await tx
        .delete(storedInstances)
        .where(
          and(eq(storedInstances.sopInstanceUid, row.sopInstanceUid), eq(storedInstances.sha256, row.sha256)),
        );
    });
  }
}

export function checkHeader(
  header: InstanceHeader,
  request: Pick<CommitRequest, 'sopInstanceUid' | 'sopClassUid'>,
): StoreOutcome | undefined {
  if (header.sopInstanceUid !== request.sopInstanceUid)
    return refusal(
      StoreStatus.DataSetDoesNotMatchSopClass,
      header.sopInstanceUid === ''
        ? 'data set has no SOP Instance UID (0008,0018)'
        : 'SOP Instance UID of data set differs from the command',
    );
  if (header.sopClassUid !== request.sopClassUid)
    return refusal(
      StoreStatus.DataSetDoesNotMatchSopClass,
      'SOP Class UID of data set differs from the command',
    );
  if (!isSafeUid(header.studyInstanceUid))
    return refusal(StoreStatus.CannotUnderstand, 'Study Instance UID (0020,000D) missing or not a valid UID');
  if (!isSafeUid(header.seriesInstanceUid))
    return refusal(
      StoreStatus.CannotUnderstand,
      'Series Instance UID (0020,000E) missing or not a valid UID',
    );
  return undefined;
}
