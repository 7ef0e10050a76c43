import { Writable } from 'node:stream';
import dimse from 'dcmjs-dimse';
import type { AgentDatabase } from '../db/agent-database.js';
import type { StoreHandler } from '../dicom/dicom-services.js';
import { FastCommandDataset } from '../dicom/fast-command-dataset.js';
import type { Logger } from '../log.js';
import { isSafeUid, trimUid } from '../dicom/codec/dicom-uid.js';
import { InstanceCommitter } from './instance-commit.js';
import { agentMetrics } from '../metrics/agent-metrics.js';
import type { DiskGuard } from './disk-guard.js';
import type { Spool } from './spool.js';
import { StoreIngest } from './store-ingest.js';
import type { IngestActivity } from './ingest-activity.js';
import { refusal, StoreStatus, type StoreOutcome } from './store-status.js';
import { AssociationStores } from './association-stores.js';
import { LogCode } from '../log-codes.js';

const { responses } = dimse;
type CStoreRequest = InstanceType<typeof dimse.requests.CStoreRequest>;

type Pending = { startedAt: number } & (
  | { kind: 'ingest'; ingest: StoreIngest; callingAe: string; transferSyntaxUid: string }
  | { kind: 'refused'; outcome: StoreOutcome }
);

/**
 * C-STORE into the spool: every instance streamed to disk as received, fsync'd, renamed into place
 * and recorded before the modality hears success.
 */
export function storageService(opts: {
  spool: Spool;
  database: AgentDatabase;
  log: Logger;
  /** Told after each new instance is recorded, so its delivery starts at once. */
  onStored?: () => void;
  /** When low, C-STOREs are refused before anything is written. */
  diskGuard?: Pick<DiskGuard, 'low' | 'refusalComment' | 'noteWritten'>;
  /** Told of every C-STORE, so rendering and delivery can keep out of its way. */
  activity?: Pick<IngestActivity, 'noteStore'>;
}): StoreHandler {
  const { spool, database, log } = opts;
  // One for all associations: the per-instance decision and the group commit span them.
  const committer = new InstanceCommitter(spool, database, log);
  return {
    association: ({ peer, socket }) => {
      const pending = new WeakMap<CStoreRequest, Pending>();
      const active = new Set<StoreIngest>();
      const answered = new AssociationStores();
      const flow = {
        pause: () => socket.pause(),
        resume: () => socket.resume(),
      };
      return {
        openStream(callingAe, request, context) {
          opts.activity?.noteStore();
          answered.callingAe = callingAe;
          const sopInstanceUid = trimUid(request.getAffectedSopInstanceUid());
          const sopClassUid = trimUid(request.getAffectedSopClassUid());
          const transferSyntaxUid = context.getAcceptedTransferSyntaxUid() ?? '';
          // Checked before anything touches the disk: these UIDs become a file name.
          const problem = opts.diskGuard?.low
            ? refusal(StoreStatus.OutOfResources, opts.diskGuard.refusalComment())
            : !isSafeUid(sopInstanceUid)
              ? refusal(StoreStatus.CannotUnderstand, 'Affected SOP Instance UID is not a valid UID')
              : !isSafeUid(sopClassUid) || sopClassUid !== context.getAbstractSyntaxUid()
                ? refusal(
                    StoreStatus.DataSetDoesNotMatchSopClass,
                    'Affected SOP Class UID does not match the context',
                  )
                : undefined;
          if (problem) {
            log.warn('C-STORE refused before storing', {
              callingAe,
              peer,
              sopInstanceUid: sopInstanceUid.slice(0, 80),
              comment: problem.errorComment,
            });
            pending.set(request, { kind: 'refused', outcome: problem, startedAt: performance.now() });
            return discardingStream();
          }
          const ingest = new StoreIngest(
            () => spool.takeTempFile(),
            {
              mediaStorageSopClassUid: sopClassUid,
              mediaStorageSopInstanceUid: sopInstanceUid,
              transferSyntaxUid,
              sourceAeTitle: callingAe,
            },
            flow,
          );
          active.add(ingest);
          pending.set(request, {
            kind: 'ingest',
            ingest,
            callingAe,
            transferSyntaxUid,
            startedAt: performance.now(),
          });
          return ingest.stream;
        },

        async answer(request, callback) {
          const entry = pending.get(request);
          pending.delete(request);
          let bytes = 0;
          const respond = (outcome: StoreOutcome): void => {
            opts.activity?.noteStore();
            answered.count(outcome.result, bytes);
            if (entry)
              agentMetrics.storeAnswered(outcome.result, bytes, (performance.now() - entry.startedAt) / 1000);
            const response = responses.CStoreResponse.fromRequest(request);
            response.setStatus(outcome.status);
            if (outcome.errorComment !== undefined) response.setErrorComment(outcome.errorComment);
            // dcmjs takes ~0.4 ms to encode this small answer, once per instance of every series.
            response.setCommandDataset(new FastCommandDataset(response.getCommandDataset().getElements()));
            callback(response);
          };
          if (!entry) {
            respond(refusal(StoreStatus.CannotUnderstand, 'C-STORE without a data set'));
            return;
          }
          if (entry.kind === 'refused') {
            respond(entry.outcome);
            return;
          }
          const { ingest } = entry;
          let outcome: StoreOutcome;
          try {
            const received = await ingest.written();
            if (received.kind === 'failed') {
              log.error('instance could not be written to the spool', {
                sopInstanceUid: request.getAffectedSopInstanceUid(),
                err: received.error.message,
              });
              outcome = refusal(
                StoreStatus.OutOfResources,
                `could not write to the spool: ${errorCode(received.error)}`,
                'failed',
              );
            } else {
              bytes = received.file.datasetBytes;
              const durable = ingest.result().then((r) => {
                if (r.kind === 'failed') throw r.error;
              });
              // Awaited by the commit, unless it refuses first; the failure then changes nothing.
              durable.catch(() => undefined);
              outcome = await committer.commit({
                file: received.file,
                durable,
                sopClassUid: trimUid(request.getAffectedSopClassUid()),
                sopInstanceUid: trimUid(request.getAffectedSopInstanceUid()),
                transferSyntaxUid: entry.transferSyntaxUid,
                callingAeTitle: entry.callingAe,
              });
              if (outcome.result === 'stored' || outcome.result === 'conflict') {
                opts.onStored?.();
                opts.diskGuard?.noteWritten(received.file.headerBytes + received.file.datasetBytes);
              }
              if (outcome.result === 'refused') {
                log.warn('C-STORE refused', {
                  callingAe: entry.callingAe,
                  sopInstanceUid: request.getAffectedSopInstanceUid(),
                  comment: outcome.errorComment,
                });
              }
            }
          } catch (err) {
            log.error('instance could not be stored', {
              sopInstanceUid: request.getAffectedSopInstanceUid(),
              err: err instanceof Error ? err.message : String(err),
            });
            outcome = refusal(StoreStatus.OutOfResources, `could not store: ${errorCode(err)}`, 'failed');
          } finally {
            active.delete(ingest);
          }
          // Whatever did not become a stored instance leaves nothing behind.
          if (outcome.result !== 'stored' && outcome.result !== 'conflict') await ingest.discard();
          respond(outcome);
        },

        closed() {
          // One line per association at info, not one per instance: a CT series is hundreds.
          const summary = answered.takeSummary();
          if (summary)
            log.info('C-STOREs of the association answered', {
              code: LogCode.associationStores,
              peer,
              ...summary,
            });
          for (const ingest of active) {
            // A data set handed over completely is finished and stored even though nobody will
            // hear the answer: a resend is then a harmless duplicate.
            if (ingest.ended) continue;
            active.delete(ingest);
            log.warn('transfer interrupted: partial instance removed', { peer });
            void ingest.abandon();
          }
        },
      };
    },
  };
}

/** Takes the bytes of a refused C-STORE so the association can carry on to the answer. */
function discardingStream(): Writable {
  const stream = new Writable({
    write: (_chunk, _enc, cb) => {
      cb();
    },
  });
  stream.on('error', () => undefined);
  return stream;
}

function errorCode(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code ?? (err instanceof Error ? err.message : String(err));
}
