import dimse from 'dcmjs-dimse';
import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { STORAGE_COMMITMENT_PUSH } from './storage-commitment-sop.js';
import { storageServices } from './storage-sop-classes.js';
import type { FindCancellations } from './find-cancellation.js';
import type {
  CFindRequest,
  NActionRequest,
  NActionResponse,
  NEventReportRequest,
  CFindResponse,
  CStoreRequest,
  CStoreResponse,
  NCreateRequest,
  NCreateResponse,
  NSetRequest,
  NSetResponse,
  PresentationContext,
  Scp,
} from './dimse-types.js';

const { TransferSyntax } = dimse.constants;

/** What a C-FIND handler knows of the association it serves. */
export interface FindContext {
  scp: Scp;
  callingAe: string;
  cancellations: FindCancellations;
}

/** Answers through `callback` exactly once; may stream pendings through `ctx.scp` first. */
export type FindHandler = (
  ctx: FindContext,
  request: CFindRequest,
  callback: (r: CFindResponse[]) => void,
) => Promise<void>;

/**
 * What the agent serves: each abstract syntax with the transfer syntaxes we accept for it, in our
 * order of preference. The first of ours the modality also proposes is chosen — never "the last
 * one proposed", which is what a naive loop over the proposal does.
 */
export interface ServiceEntry {
  abstractSyntaxUid: string;
  transferSyntaxes: readonly string[];
}

/** What an MPPS handler knows of the association it serves. */
export interface MppsContext {
  callingAe: string;
}

/** MPPS N-CREATE / N-SET: each resolves to the one response to send. */
export interface MppsHandler {
  create(ctx: MppsContext, request: NCreateRequest): Promise<NCreateResponse>;
  set(ctx: MppsContext, request: NSetRequest): Promise<NSetResponse>;
}

/** The Storage SCP as one association sees it. */
export interface StoreAssociation {
  /** Called by dcmjs-dimse at the first data fragment of a C-STORE: where the bytes go. */
  openStream(callingAe: string, request: CStoreRequest, context: PresentationContext): Writable;
  /** Called once the data set is complete; answers through `callback` exactly once. */
  answer(request: CStoreRequest, callback: (response: CStoreResponse) => void): Promise<void>;
  /** The connection is gone: partial transfers are removed. */
  closed(): void;
}

export interface StoreHandler {
  association(connection: { peer: string; socket: Socket }): StoreAssociation;
}

/** The association a request came on, while it is open: its result goes back on it. */
export interface EventReportChannel {
  isOpen(): boolean;
  send(request: NEventReportRequest): void;
}

/** What a Storage Commitment handler knows of the association: where the result can go back. */
export interface CommitmentContext {
  callingAe: string;
  peer: string;
  channel: EventReportChannel;
}

/** Storage Commitment N-ACTION: resolves to the one response; the result follows as N-EVENT-REPORT. */
export interface CommitmentHandler {
  action(ctx: CommitmentContext, request: NActionRequest): Promise<NActionResponse>;
}

export interface DicomHandlers {
  find?: FindHandler;
  /** C-STORE: the storage SOP classes and transfer syntaxes of storage-sop-classes.ts. */
  store?: StoreHandler;
  mpps?: MppsHandler;
  commitment?: CommitmentHandler;
}

export const UNCOMPRESSED_SYNTAXES = [
  TransferSyntax.ExplicitVRLittleEndian,
  TransferSyntax.ImplicitVRLittleEndian,
] as const;

export const VERIFICATION_SOP_CLASS = '1.2.840.10008.1.1';
const MODALITY_WORKLIST_FIND = '1.2.840.10008.5.1.4.31';
// Accepted only to answer with a clear status: consoles sometimes try Q/R models first.
const PATIENT_ROOT_FIND = '1.2.840.10008.5.1.4.1.2.1.1';
const STUDY_ROOT_FIND = '1.2.840.10008.5.1.4.1.2.2.1';
const MODALITY_PERFORMED_PROCEDURE_STEP = '1.2.840.10008.3.1.2.3.3';

export function servicesFor(handlers: DicomHandlers): ServiceEntry[] {
  const services: ServiceEntry[] = [
    { abstractSyntaxUid: VERIFICATION_SOP_CLASS, transferSyntaxes: UNCOMPRESSED_SYNTAXES },
  ];
  if (handlers.find) {
    for (const uid of [MODALITY_WORKLIST_FIND, PATIENT_ROOT_FIND, STUDY_ROOT_FIND]) {
      services.push({ abstractSyntaxUid: uid, transferSyntaxes: UNCOMPRESSED_SYNTAXES });
    }
  }
  if (handlers.mpps) {
    services.push({
      abstractSyntaxUid: MODALITY_PERFORMED_PROCEDURE_STEP,
      transferSyntaxes: UNCOMPRESSED_SYNTAXES,
    });
  }
  if (handlers.store) services.push(...storageServices());
  if (handlers.commitment)
    services.push({ abstractSyntaxUid: STORAGE_COMMITMENT_PUSH, transferSyntaxes: UNCOMPRESSED_SYNTAXES });
  return services;
}

export function chooseTransferSyntax(
  ours: readonly string[],
  proposed: readonly string[],
): string | undefined {
  return ours.find((ts) => proposed.includes(ts));
}
