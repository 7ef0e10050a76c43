import { agentMetrics } from '../metrics/agent-metrics.js';
import { MAX_FRAME_BYTES, performedStepMessage, type PerformedStepMessage } from '@lightbox/protocol';
import { type Logger } from '@lightbox/runtime';
import type { AgentDatabase } from '../db/agent-database.js';
import { enqueueForPlugin } from '../outbox/outbox-to-plugin.js';
import {
  isUid,
  pluginViewOf,
  readMppsDataset,
  type PluginView,
  type ReadOutcome,
} from './mpps-attributes.js';
import type { AgentTx } from '../db/agent-database.js';
import type { ScheduledStepReference } from '@lightbox/protocol';
import { loadStep, saveStep } from './mpps-journal.js';
import { decideCreate, decideSet, type MppsDecision, type MppsRecord } from './mpps-state-machine.js';
import { MppsStatusCode, refusal } from './mpps-status.js';
import { mintUid } from './mint-uid.js';
import { LogCode } from '../log-codes.js';

/** What the modality is answered. */
export interface MppsAnswer {
  status: number;
  comment?: string;
  /** The step's SOP Instance UID: as the request named it, or minted for an N-CREATE without one. */
  sopInstanceUid: string;
}

export interface MppsRequest {
  /** Affected (N-CREATE) or Requested (N-SET) SOP Instance UID from the command; '' when absent. */
  sopInstanceUid: string;
  callingAeTitle: string;
  /** The data set in dcmjs's naturalised form; undefined when the request carried none. */
  elements: unknown;
}

export interface MppsServiceOptions {
  database: AgentDatabase;
  /** The outbox grew: the link sends now rather than at its next poll. */
  wake: () => void;
  log: Logger;
  /**
   * Takes the worklist items a new step names off this agent's worklist, inside the journal's
   * transaction; `apply` runs once it has committed.
   */
  startWorklistItems?: (
    tx: AgentTx,
    steps: readonly ScheduledStepReference[],
  ) => Promise<{ orderIds: string[]; apply: () => void }>;
}

/** Message frames must stay well inside the link's limit, which also carries the frame envelope. */
const MAX_MESSAGE_BYTES = Math.floor(MAX_FRAME_BYTES / 2);

/**
 * The MPPS SCP's behaviour behind the DIMSE plumbing: check the request, decide by the state machine,
 * and commit the journal entry with the plugin's message in one transaction before answering —
 * "success" means the change is on this PC's disk. A failed commit stores nothing and is 0110.
 */
export class MppsService {
  constructor(private readonly opts: MppsServiceOptions) {}

  create(request: MppsRequest): Promise<MppsAnswer> {
    const given = request.sopInstanceUid.replace(/[\s\0]+$/, '');
    // PS3.7 10.1.5: the SCU may leave the UID to the SCP, which then returns the one it chose.
    const sopInstanceUid = given === '' ? mintUid() : given;
    return this.handle('N-CREATE', { ...request, sopInstanceUid }, (existing, read) =>
      decideCreate(existing, sopInstanceUid, request.callingAeTitle, read),
    );
  }

  set(request: MppsRequest): Promise<MppsAnswer> {
    const sopInstanceUid = request.sopInstanceUid.replace(/[\s\0]+$/, '');
    return this.handle('N-SET', { ...request, sopInstanceUid }, (existing, read) =>
      decideSet(existing, read),
    );
  }

  private async handle(
    operation: 'N-CREATE' | 'N-SET',
    request: MppsRequest,
    decide: (existing: MppsRecord | undefined, read: ReadOutcome) => MppsDecision,
  ): Promise<MppsAnswer> {
    const { log } = this.opts;
    const uid = request.sopInstanceUid;
    const fields = { operation, sopInstanceUid: uid, callingAe: request.callingAeTitle };
    const refuse = (status: number, comment: string): MppsAnswer => {
      const r = refusal(status, comment);
      log.warn('MPPS refused', { ...fields, status: hex(r.status), comment: r.comment });
      agentMetrics.mppsRecorded(operation, 'refused');
      return { status: r.status, comment: r.comment, sopInstanceUid: uid };
    };
    if (!isUid(uid)) return refuse(MppsStatusCode.InvalidSopInstance, 'the SOP Instance UID is not a UID');
    const read = readMppsDataset(request.elements, operation === 'N-CREATE' ? 'create' : 'set');

    let outcome:
      | { decision: MppsDecision; outSeq: number | null; started?: { orderIds: string[]; apply: () => void } }
      | { tooLarge: true };
    try {
      outcome = await this.opts.database.write(async (tx) => {
        const decision = decide(await loadStep(tx, uid), read);
        if (decision.kind === 'refused') return { decision, outSeq: null };
        const at = new Date().toISOString();
        let outSeq: number | null = null;
        if (decision.notify) {
          // The protocol caps steps, series and instances; a step beyond them is refused whole
          // rather than forwarded in a form the plugin would have to set aside.
          const message = performedStepMessage.safeParse(
            messageOf(decision.record, decision.notify, operation, at),
          );
          if (!message.success || JSON.stringify(message.data).length > MAX_MESSAGE_BYTES)
            return { tooLarge: true as const };
          const [seq] = await enqueueForPlugin(tx, [message.data]);
          outSeq = seq ?? null;
        }
        await saveStep(tx, decision.record, {
          operation,
          callingAeTitle: request.callingAeTitle,
          outSeq,
          warnings: decision.warnings,
          at,
        });
        // The worklist item is off this agent's worklist in the same commit that journals the step.
        const started =
          operation === 'N-CREATE' && decision.record.status === 'IN PROGRESS' && this.opts.startWorklistItems
            ? await this.opts.startWorklistItems(
                tx,
                pluginViewOf(decision.record.status, decision.record.attributes).scheduledSteps,
              )
            : undefined;
        return { decision, outSeq, ...(started ? { started } : {}) };
      });
    } catch (err) {
      log.error('MPPS could not be recorded; nothing was stored', {
        ...fields,
        err: err instanceof Error ? err.message : String(err),
      });
      return refuse(MppsStatusCode.ProcessingFailure, 'could not record the step; nothing was stored');
    }
    if ('tooLarge' in outcome)
      return refuse(
        MppsStatusCode.ResourceLimitation,
        'MPPS too large to forward to the plugin; nothing was stored',
      );
    const { decision, outSeq, started } = outcome;
    if (decision.kind === 'refused') return refuse(decision.refusal.status, decision.refusal.comment);
    if (started && started.orderIds.length > 0) {
      started.apply();
      log.info('worklist items started here: off this worklist until the plugin says otherwise', {
        code: LogCode.worklistItemsStarted,
        ...fields,
        orderIds: started.orderIds,
      });
    }
    for (const warning of decision.warnings)
      log.warn('MPPS tolerated', { code: LogCode.mppsTolerated, ...fields, warning });
    log.info('MPPS recorded', {
      ...fields,
      status: decision.record.status,
      forwarded: outSeq !== null,
      ...(outSeq !== null ? { outSeq } : {}),
    });
    if (outSeq !== null) this.opts.wake();
    agentMetrics.mppsRecorded(operation, decision.record.status);
    return { status: MppsStatusCode.Success, sopInstanceUid: uid };
  }
}

function messageOf(
  record: MppsRecord,
  view: PluginView,
  operation: 'N-CREATE' | 'N-SET',
  at: string,
): PerformedStepMessage {
  return {
    kind: 'mpps.changed',
    sopInstanceUid: record.sopInstanceUid,
    event: operation === 'N-CREATE' ? 'created' : 'updated',
    status: view.status,
    callingAeTitle: record.callingAeTitle,
    receivedAt: at,
    ...(view.modality ? { modality: view.modality } : {}),
    scheduledSteps: view.scheduledSteps,
    performedSeries: view.performedSeries,
    ...(view.discontinuationReason ? { discontinuationReason: view.discontinuationReason } : {}),
    attributes: record.attributes,
  };
}

const hex = (status: number): string => status.toString(16).padStart(4, '0');
