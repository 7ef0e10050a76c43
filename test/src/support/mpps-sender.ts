import dimse from 'dcmjs-dimse';
import { runAssociation } from './dimse-association.js';
import {
  completion,
  freshUid,
  nCreateAttributes,
  scheduledStepOf,
  type CreatedOrder,
} from './mpps-fixtures.js';

const { Client, Dataset, requests } = dimse;
type Request = InstanceType<typeof requests.NCreateRequest> | InstanceType<typeof requests.NSetRequest>;
type Response = {
  getCommandDataset(): { getElements(): Record<string, unknown> };
  getStatus(): number;
  getErrorComment(): string | undefined;
  getAffectedSopInstanceUid(): string;
};

export const MPPS_SOP_CLASS = '1.2.840.10008.3.1.2.3.3';

function errorIdOf(response: Response): number | undefined {
  const value = response.getCommandDataset().getElements().ErrorID;
  return typeof value === 'number' ? value : undefined;
}

/** dcmjs-dimse types command elements as present; a response may still lack them. */
const orEmpty = (value: string | undefined): string => value ?? '';

/** One MPPS operation as a modality sends it; attributes in dcmjs's naturalised form, or none. */
export type MppsOperation =
  | { op: 'create'; sopInstanceUid?: string; attributes: Record<string, unknown> | null }
  | { op: 'set'; sopInstanceUid: string; attributes: Record<string, unknown> | null };

export interface MppsAnswer {
  status: number;
  /**
   * Only read on failures: dcmjs-dimse 0.3.3's client carries elements of an earlier response into
   * a later one that lacks them (seen with Error Comment on a success after a failure).
   */
  errorComment: string;
  /** Error ID (0000,0903) of a failure, when the SCP gave one. */
  errorId: number | undefined;
  /** The Affected SOP Instance UID of the answer (the one the SCP minted, when we left it out). */
  sopInstanceUid: string;
}

export interface MppsSenderOptions {
  port: number;
  host?: string;
  callingAe?: string;
  calledAe?: string;
  timeoutMs?: number;
}

/**
 * An MPPS SCU for tests: Debian's DCMTK ships none, so this is dcmjs-dimse's Client sending the
 * operations in order over one association, resolving with each answer once the association is
 * released. Every operation must be answered, or the promise rejects.
 */
export async function sendMpps(opts: MppsSenderOptions, operations: MppsOperation[]): Promise<MppsAnswer[]> {
  const answers: (MppsAnswer | undefined)[] = operations.map(() => undefined);
  const client = new Client();
  operations.forEach((operation, i) => {
    let request: Request;
    if (operation.op === 'create') {
      request = new requests.NCreateRequest(MPPS_SOP_CLASS, operation.sopInstanceUid ?? '');
      // Absent, not empty: PS3.7 lets the SCU leave the UID to the SCP.
      if (!operation.sopInstanceUid) {
        const command = request.getCommandDataset().getElements();
        delete command.AffectedSOPInstanceUID;
      }
    } else {
      request = new requests.NSetRequest(MPPS_SOP_CLASS, operation.sopInstanceUid);
    }
    // null: a request without any data set, as a broken console might send.
    if (operation.attributes) request.setDataset(new Dataset(operation.attributes));
    request.on('response', (response: Response) => {
      const status = response.getStatus();
      answers[i] = {
        status,
        errorComment: status === 0 ? '' : (response.getErrorComment() ?? '').trim(),
        sopInstanceUid: orEmpty(response.getAffectedSopInstanceUid()).trim(),
        errorId: status === 0 ? undefined : errorIdOf(response),
      };
    });
    client.addRequest(request);
  });
  await runAssociation(client, {
    port: opts.port,
    host: opts.host,
    callingAe: opts.callingAe ?? 'DR1',
    calledAe: opts.calledAe,
    timeoutMs: opts.timeoutMs ?? 15_000,
    what: 'MPPS association',
  });
  const missing = answers.findIndex((a) => a === undefined);
  if (missing >= 0) throw new Error(`operation ${missing + 1} was not answered`);
  return answers as MppsAnswer[];
}

/**
 * A modality performing an order's step in full on one association: N-CREATE IN PROGRESS naming the
 * order's scheduled step, then N-SET COMPLETED.
 */
export function startAndComplete(port: number, order: CreatedOrder): Promise<MppsAnswer[]> {
  const uid = freshUid();
  return sendMpps({ port }, [
    { op: 'create', sopInstanceUid: uid, attributes: nCreateAttributes([scheduledStepOf(order)]) },
    { op: 'set', sopInstanceUid: uid, attributes: completion() },
  ]);
}
