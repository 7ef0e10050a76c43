import dimse from 'dcmjs-dimse';
import { STORAGE_COMMITMENT_INSTANCE, STORAGE_COMMITMENT_PUSH } from '../dicom/storage-commitment-sop.js';
import { EVENT_ALL_COMMITTED, EVENT_SOME_FAILED, type CommitmentReference } from './commitment-request.js';
import type { NEventReportRequest } from '../dicom/dimse-types.js';
import { requestOnNewAssociation, type PeerCall } from '../dicom/request-on-new-association.js';

const { Dataset, requests } = dimse;

export interface CommitmentResult {
  committed: CommitmentReference[];
  failed: (CommitmentReference & { reason: number })[];
}

/** The N-EVENT-REPORT that tells a modality the outcome of one transaction (PS3.4 J.3.3). */
export function commitmentEventReport(transactionUid: string, result: CommitmentResult): NEventReportRequest {
  const eventType = result.failed.length === 0 ? EVENT_ALL_COMMITTED : EVENT_SOME_FAILED;
  const request = new requests.NEventReportRequest(
    STORAGE_COMMITMENT_PUSH,
    STORAGE_COMMITMENT_INSTANCE,
    eventType,
  );
  const elements: Record<string, unknown> = { TransactionUID: transactionUid };
  if (result.committed.length > 0)
    elements.ReferencedSOPSequence = result.committed.map((r) => ({
      ReferencedSOPClassUID: r.sopClassUid,
      ReferencedSOPInstanceUID: r.sopInstanceUid,
    }));
  if (result.failed.length > 0)
    elements.FailedSOPSequence = result.failed.map((r) => ({
      ReferencedSOPClassUID: r.sopClassUid,
      ReferencedSOPInstanceUID: r.sopInstanceUid,
      FailureReason: r.reason,
    }));
  request.setDataset(new Dataset(elements, dimse.constants.TransferSyntax.ImplicitVRLittleEndian));
  return request;
}

/** How a sent N-EVENT-REPORT ended: the modality's status, or why there was none. */
export type ReportOutcome = { kind: 'answered'; status: number } | { kind: 'failed'; reason: string };

/** Waits for the answer to a report already sent; a modality that never answers is a failure. */
export function awaitReportAnswer(request: NEventReportRequest, timeoutMs: number): Promise<ReportOutcome> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ kind: 'failed', reason: 'no answer in time' }), timeoutMs);
    request.on('response', (response: { getStatus(): number }) => {
      clearTimeout(timer);
      let status: number;
      try {
        status = response.getStatus();
      } catch {
        status = -1;
      }
      resolve({ kind: 'answered', status });
    });
  });
}

/**
 * Sends one report on a new association the agent opens to the modality (the SCP role for Storage
 * Commitment, proposed through role selection as PS3.4 J.3.3 asks when the modality is called back).
 */
export async function sendReportOnNewAssociation(
  opts: PeerCall & { request: NEventReportRequest },
): Promise<ReportOutcome> {
  const context = new dimse.association.PresentationContext(
    1,
    STORAGE_COMMITMENT_PUSH,
    dimse.constants.TransferSyntax.ImplicitVRLittleEndian,
    undefined,
    false,
    true,
  );
  context.addTransferSyntaxUid(dimse.constants.TransferSyntax.ExplicitVRLittleEndian);
  const outcome = await requestOnNewAssociation({ ...opts, contexts: [context] });
  switch (outcome.kind) {
    case 'answered':
      return { kind: 'answered', status: outcome.status };
    case 'rejected':
      return {
        kind: 'failed',
        reason: `association rejected (result ${outcome.result}, source ${outcome.source}, reason ${outcome.reason})`,
      };
    case 'network-error':
      return { kind: 'failed', reason: outcome.error.message };
    case 'timed-out':
      return { kind: 'failed', reason: 'no answer in time' };
    case 'closed-unanswered':
      return { kind: 'failed', reason: 'association closed without an answer' };
  }
}
