import net from 'node:net';
import dimse from 'dcmjs-dimse';
import { runAssociation } from './dimse-association.js';

const { Client, Dataset, Scp, constants, requests, responses } = dimse;
type NEventReportRequest = InstanceType<typeof requests.NEventReportRequest>;

export const STORAGE_COMMITMENT_PUSH = '1.2.840.10008.1.20.1';
export const STORAGE_COMMITMENT_INSTANCE = '1.2.840.10008.1.20.1.1';

/** One N-EVENT-REPORT as the modality received it. */
export interface CommitmentReport {
  eventTypeId: number;
  transactionUid: string;
  committed: string[];
  failed: { sopInstanceUid: string; reason: number }[];
  /** `association`: on the requesting association; `callback`: on one the agent opened. */
  via: 'association' | 'callback';
  callingAe?: string;
}

function readReport(request: NEventReportRequest, via: CommitmentReport['via']): CommitmentReport {
  const e: Record<string, unknown> = request.getDataset()?.getElements() ?? {};
  const seq = (v: unknown) => (Array.isArray(v) ? (v as Record<string, unknown>[]) : []);
  return {
    eventTypeId: request.getEventTypeId(),
    transactionUid: typeof e.TransactionUID === 'string' ? e.TransactionUID : '',
    committed: seq(e.ReferencedSOPSequence).map((i) => String(i.ReferencedSOPInstanceUID)),
    failed: seq(e.FailedSOPSequence).map((i) => ({
      sopInstanceUid: String(i.ReferencedSOPInstanceUID),
      reason: Number(i.FailureReason),
    })),
    via,
  };
}

export interface CommitmentRequestOptions {
  port: number;
  callingAe: string;
  transactionUid?: string;
  instances?: { sopClassUid: string; sopInstanceUid: string }[];
  /** The raw data set to send instead (for malformed requests). */
  elements?: Record<string, unknown>;
  /** How long the modality keeps the association open after the N-ACTION answer, for the report. */
  lingerMs: number;
  /** How this console answers a result sent on its own association (0 = success). */
  reportStatus?: number;
}

/**
 * A modality's Storage Commitment SCU (dcmjs-dimse's Client): one N-ACTION, then the association
 * stays open for `lingerMs` so the result can come back on it.
 */
export async function requestCommitment(
  opts: CommitmentRequestOptions,
): Promise<{ status: number; errorComment: string; reports: CommitmentReport[] }> {
  const client = new Client();
  const request = new requests.NActionRequest(STORAGE_COMMITMENT_PUSH, STORAGE_COMMITMENT_INSTANCE, 1);
  request.setDataset(
    new Dataset(
      opts.elements ?? {
        TransactionUID: opts.transactionUid,
        ReferencedSOPSequence: (opts.instances ?? []).map((i) => ({
          ReferencedSOPClassUID: i.sopClassUid,
          ReferencedSOPInstanceUID: i.sopInstanceUid,
        })),
      },
      constants.TransferSyntax.ImplicitVRLittleEndian,
    ),
  );
  let status = -1;
  let errorComment = '';
  request.on('response', (response: InstanceType<typeof responses.NActionResponse>) => {
    status = response.getStatus();
    errorComment = response.getErrorComment();
  });
  const reports: CommitmentReport[] = [];
  client.on(
    'nEventReportRequest',
    (
      report: NEventReportRequest,
      callback: (r: InstanceType<typeof responses.NEventReportResponse>) => void,
    ) => {
      reports.push(readReport(report, 'association'));
      const answer = responses.NEventReportResponse.fromRequest(report);
      answer.setStatus(opts.reportStatus ?? constants.Status.Success);
      callback(answer);
    },
  );
  client.addRequest(request);
  // runAssociation sends with its own options; linger is set through the client's send options.
  const send = client.send.bind(client);
  client.send = (host, port, calling, called) =>
    send(host, port, calling, called, { associationLingerTimeout: opts.lingerMs });
  await runAssociation(client, {
    port: opts.port,
    callingAe: opts.callingAe,
    timeoutMs: opts.lingerMs + 15_000,
    what: 'storage commitment request',
  });
  return { status, errorComment, reports };
}

/**
 * The modality's side of a callback association: an SCP that takes the agent's N-EVENT-REPORTs and
 * answers each with `answerStatus` (0 = success; anything else plays a modality that refuses).
 */
export class CommitmentCallbackPeer {
  readonly reports: CommitmentReport[] = [];
  answerStatus = 0;
  private readonly server: net.Server;

  constructor() {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const peer = this;
    class ModalityScp extends Scp {
      private callingAe = '';

      override associationRequested(
        association: Parameters<InstanceType<typeof Scp>['associationRequested']>[0],
      ): void {
        this.callingAe = association.getCallingAeTitle().trim();
        for (const pc of association.getPresentationContexts()) {
          const context = association.getPresentationContext(pc.id);
          if (context.getAbstractSyntaxUid() === STORAGE_COMMITMENT_PUSH)
            context.setResult(
              constants.PresentationContextResult.Accept,
              constants.TransferSyntax.ImplicitVRLittleEndian,
            );
          else context.setResult(constants.PresentationContextResult.RejectAbstractSyntaxNotSupported);
        }
        this.sendAssociationAccept();
      }

      override associationReleaseRequested(): void {
        this.sendAssociationReleaseResponse();
      }

      override nEventReportRequest(
        request: NEventReportRequest,
        callback: (r: InstanceType<typeof responses.NEventReportResponse>) => void,
      ): void {
        peer.reports.push({
          ...readReport(request, 'callback'),
          callingAe: this.callingAe,
        });
        const answer = responses.NEventReportResponse.fromRequest(request);
        answer.setStatus(peer.answerStatus);
        callback(answer);
      }
    }
    // Our own net.Server, on loopback only (dcmjs-dimse's binds every interface).
    this.server = net.createServer((socket) => {
      socket.on('error', () => undefined);
      const scp = new ModalityScp(socket, {}) as InstanceType<typeof ModalityScp> & { connected: boolean };
      scp.connected = true;
    });
  }

  listen(port: number): Promise<void> {
    dimse.log.setLevel('silent');
    return new Promise((resolve) => this.server.listen(port, '127.0.0.1', resolve));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
