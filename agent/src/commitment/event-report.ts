import dimse from 'dcmjs-dimse';
import { STORAGE_COMMITMENT_INSTANCE, STORAGE_COMMITMENT_PUSH } from '../dicom/storage-commitment-sop.js';
import { EVENT_ALL_COMMITTED, EVENT_SOME_FAILED, type CommitmentReference } from './commitment-request.js';

const { Dataset, requests } = dimse;
export type NEventReportRequest = InstanceType<typeof dimse.requests.NEventReportRequest>;

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
export function sendReportOnNewAssociation(opts: {
  host: string;
  port: number;
  callingAe: string;
  calledAe: string;
  request: NEventReportRequest;
  timeoutMs: number;
}): Promise<ReportOutcome> {
  return new Promise((resolve) => {
    let outcome: ReportOutcome = { kind: 'failed', reason: 'association closed without an answer' };
    const client = new dimse.Client();
    const context = new dimse.association.PresentationContext(
      1,
      STORAGE_COMMITMENT_PUSH,
      dimse.constants.TransferSyntax.ImplicitVRLittleEndian,
      undefined,
      false,
      true,
    );
    context.addTransferSyntaxUid(dimse.constants.TransferSyntax.ExplicitVRLittleEndian);
    client.addAdditionalPresentationContext(context);
    client.addRequest(opts.request);
    const timer = setTimeout(() => {
      outcome = { kind: 'failed', reason: 'no answer in time' };
      try {
        client.abort();
      } catch {
        // already gone
      }
      resolve(outcome);
    }, opts.timeoutMs);
    opts.request.on('response', (response: { getStatus(): number }) => {
      outcome = { kind: 'answered', status: response.getStatus() };
    });
    client.on('associationRejected', (result: { result: number; source: number; reason: number }) => {
      outcome = {
        kind: 'failed',
        reason: `association rejected (result ${result.result}, source ${result.source}, reason ${result.reason})`,
      };
    });
    client.on('networkError', (err: Error) => {
      outcome = { kind: 'failed', reason: err.message };
      clearTimeout(timer);
      resolve(outcome);
    });
    client.on('closed', () => {
      clearTimeout(timer);
      resolve(outcome);
    });
    client.send(opts.host, opts.port, opts.callingAe, opts.calledAe, {
      connectTimeout: opts.timeoutMs,
      associationTimeout: opts.timeoutMs,
    });
  });
}
