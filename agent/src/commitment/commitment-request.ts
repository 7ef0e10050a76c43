import { isSafeUid, trimUid } from '../dicom/codec/dicom-uid.js';

import {
  REQUEST_COMMITMENT_ACTION,
  STORAGE_COMMITMENT_INSTANCE,
  STORAGE_COMMITMENT_PUSH,
} from '../dicom/storage-commitment-sop.js';
/** N-EVENT-REPORT Event Type IDs: all committed, or some failed (PS3.4 J.3.3). */
export const EVENT_ALL_COMMITTED = 1;
export const EVENT_SOME_FAILED = 2;

/** N-ACTION statuses (PS3.7 10.1.4.1.10) and Failure Reasons (PS3.4 J.3.3.1.3) the agent uses. */
export const CommitmentStatus = {
  Success: 0x0000,
  ProcessingFailure: 0x0110,
  NoSuchObjectInstance: 0x0112,
  NoSuchSopClass: 0x0118,
  ClassInstanceConflict: 0x0119,
  InvalidObjectInstance: 0x0117,
  MissingAttribute: 0x0120,
  MissingAttributeValue: 0x0121,
  InvalidAttributeValue: 0x0106,
  NoSuchActionType: 0x0123,
} as const;

export interface CommitmentReference {
  sopClassUid: string;
  sopInstanceUid: string;
}

export interface CommitmentRequest {
  transactionUid: string;
  references: CommitmentReference[];
}

export type ParsedCommitment =
  { ok: true; request: CommitmentRequest } | { ok: false; status: number; comment: string };

/** A UI value as dcmjs read it: a string, or nothing usable. */
const uidText = (v: unknown): string => trimUid(typeof v === 'string' ? v : '');

const refuse = (status: number, comment: string): ParsedCommitment => ({ ok: false, status, comment });

/**
 * Reads an N-ACTION "Request Storage Commitment" as a modality sent it. Anything unusable is a
 * status with an Error Comment for that modality, never a guess: a UID that is not a UID, a missing
 * Transaction UID, an empty or malformed Referenced SOP Sequence.
 */
export function parseCommitmentRequest(command: {
  sopClassUid: string | undefined;
  sopInstanceUid: string | undefined;
  actionTypeId: number | undefined;
  elements: Record<string, unknown> | undefined;
}): ParsedCommitment {
  if (trimUid(command.sopClassUid ?? '') !== STORAGE_COMMITMENT_PUSH)
    return refuse(CommitmentStatus.NoSuchSopClass, 'only Storage Commitment Push Model N-ACTION is served');
  if (trimUid(command.sopInstanceUid ?? '') !== STORAGE_COMMITMENT_INSTANCE)
    return refuse(
      CommitmentStatus.InvalidObjectInstance,
      'expected the well-known instance 1.2.840.10008.1.20.1.1',
    );
  if (command.actionTypeId !== REQUEST_COMMITMENT_ACTION)
    return refuse(CommitmentStatus.NoSuchActionType, 'expected Action Type ID 1');
  const elements = command.elements ?? {};
  if (!('TransactionUID' in elements))
    return refuse(CommitmentStatus.MissingAttribute, 'Transaction UID missing');
  const transactionUid = uidText(elements.TransactionUID);
  if (transactionUid === '') return refuse(CommitmentStatus.MissingAttributeValue, 'Transaction UID empty');
  if (!isSafeUid(transactionUid))
    return refuse(CommitmentStatus.InvalidAttributeValue, 'Transaction UID is not a valid UID');
  const sequence = elements.ReferencedSOPSequence;
  if (sequence === undefined)
    return refuse(CommitmentStatus.MissingAttribute, 'Referenced SOP Sequence missing');
  if (!Array.isArray(sequence) || sequence.length === 0)
    return refuse(CommitmentStatus.MissingAttributeValue, 'Referenced SOP Sequence empty');
  const references: CommitmentReference[] = [];
  for (const [i, item] of sequence.entries()) {
    const fields = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    const sopClassUid = uidText(fields.ReferencedSOPClassUID);
    const sopInstanceUid = uidText(fields.ReferencedSOPInstanceUID);
    if (!isSafeUid(sopClassUid) || !isSafeUid(sopInstanceUid))
      return refuse(
        CommitmentStatus.InvalidAttributeValue,
        `Referenced SOP Sequence item ${i + 1}: missing or invalid UID`,
      );
    references.push({ sopClassUid, sopInstanceUid });
  }
  return { ok: true, request: { transactionUid, references } };
}
