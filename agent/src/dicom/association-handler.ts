import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import dimse from 'dcmjs-dimse';
import type { Logger } from '@lightbox/runtime';
import { FindCancellations } from './find-cancellation.js';
import { FindStatus, findResponse } from './find-response-stream.js';
import type { StoreAssociation } from './dicom-services.js';
import { chooseTransferSyntax, type DicomHandlers, type ServiceEntry } from './dicom-services.js';
import { answerEcho } from './echo-service.js';
import { agentMetrics } from '../metrics/agent-metrics.js';
import { actionResponse } from './storage-commitment-sop.js';
import type { AssociationSlots } from './association-slots.js';
import { LogCode } from '../log-codes.js';
import { readPdusOurselves } from './dimse-adapter.js';

const { Scp, constants, responses } = dimse;
type CFindRequest = Parameters<InstanceType<typeof Scp>['cFindRequest']>[0];
type CFindResponse = InstanceType<typeof responses.CFindResponse>;
type CCancelRequest = Parameters<InstanceType<typeof Scp>['cCancelRequest']>[0];
type CStoreRequest = Parameters<InstanceType<typeof Scp>['cStoreRequest']>[0];
type CStoreResponse = InstanceType<typeof responses.CStoreResponse>;
type PresentationContext = Parameters<InstanceType<typeof Scp>['createStoreWritableStream']>[0];
type StoreDataset = Parameters<
  Parameters<InstanceType<typeof Scp>['createDatasetFromStoreWritableStream']>[2]
>[0];
type NCreateRequest = Parameters<InstanceType<typeof Scp>['nCreateRequest']>[0];
type NCreateResponse = InstanceType<typeof responses.NCreateResponse>;
type NSetRequest = Parameters<InstanceType<typeof Scp>['nSetRequest']>[0];
type NSetResponse = InstanceType<typeof responses.NSetResponse>;
type NActionRequest = Parameters<InstanceType<typeof Scp>['nActionRequest']>[0];
type NActionResponse = InstanceType<typeof responses.NActionResponse>;
const { PresentationContextResult, RejectReason, RejectResult, RejectSource, Status } = constants;
/** dcmjs-dimse types command elements as present; a request may still lack them. */
const orEmpty = (value: string | undefined): string => value ?? '';

/** What a modality reads when a handler failed: the details stay in the agent's log. */
const INTERNAL_ERROR = 'internal error; see the agent log';

/** A response that names the request it answers. */
function respondingTo<R extends { setMessageIdBeingRespondedTo(id: number): void }>(
  request: { getMessageId(): number },
  response: R,
): R {
  response.setMessageIdBeingRespondedTo(request.getMessageId());
  return response;
}

export interface AssociationPolicy {
  aeTitle: string;
  allowedCallingAeTitles: readonly string[];
  services: readonly ServiceEntry[];
  handlers: DicomHandlers;
  log: Logger;
  /** Shared by every connection of the listener. */
  slots: AssociationSlots;
  /** ARTIM: how long a connection may take to ask for an association, or to go after a refusal. */
  artimMs: number;
  /** An accepted association that receives nothing for this long is aborted. */
  idleTimeoutMs: number;
}

/** A-ASSOCIATE-RQ: PDU type, reserved, length (4), then the protocol version (2). */
const PROTOCOL_VERSION_END = 8;
/** A-ABORT source "DICOM UL service-provider", reason "reason-not-specified" (PS3.8 9.3.8). */
const ABORT_SOURCE_PROVIDER = 2;
const ABORT_REASON_NOT_SPECIFIED = 0;

type Association = Parameters<InstanceType<typeof Scp>['associationRequested']>[0];

/**
 * One association with a modality. dcmjs-dimse ends the process on any exception thrown from a
 * handler, so each handler catches everything and answers with a DIMSE status instead.
 */
export function associationHandlerClass(policy: AssociationPolicy) {
  return class LightboxScp extends Scp {
    private readonly peer: string;
    private callingAe = '';
    private readonly cancellations = new FindCancellations();
    private readonly storage: StoreAssociation | undefined;
    private readonly transport: Socket;
    /** Until released, aborted or closed: a Storage Commitment result may still go back on it. */
    private open = true;
    private accepted = false;
    private holdsSlot = false;
    /** The first bytes of the connection: dcmjs-dimse reads past the protocol version silently. */
    private head = Buffer.alloc(0);
    private artim: NodeJS.Timeout | undefined;

    constructor(socket: Socket, opts: Record<string, unknown>) {
      // Our own timers below replace dcmjs-dimse's (a fixed 60 s PDU timeout, none before the RQ).
      super(socket, {
        ...opts,
        associationTimeout: Number.MAX_SAFE_INTEGER,
        pduTimeout: Number.MAX_SAFE_INTEGER,
      });
      readPdusOurselves(this, socket);
      this.peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
      this.storage = policy.handlers.store?.association({ peer: this.peer, socket });
      this.transport = socket;
      socket.removeAllListeners('timeout');
      socket.setTimeout(0);
      socket.on('timeout', () => this.idleExpired());
      const readHead = (chunk: Buffer): void => {
        this.head = Buffer.concat([this.head, chunk.subarray(0, PROTOCOL_VERSION_END - this.head.length)]);
        if (this.head.length >= PROTOCOL_VERSION_END) socket.off('data', readHead);
      };
      socket.prependListener('data', readHead);
      this.startArtim('no association request');
      // A peer that drops mid-transfer produces only 'close' (no abort): partial files go here.
      this.on('close', () => {
        this.open = false;
        this.stopArtim();
        if (this.holdsSlot) {
          this.holdsSlot = false;
          policy.slots.release();
        }
        if (this.accepted) agentMetrics.associationClosed();
        try {
          this.storage?.closed();
        } catch (err) {
          policy.log.error('cleanup after a closed connection failed', { err: String(err) });
        }
      });
    }

    /**
     * PS3.8 9.1.5: a connection that has not sent its A-ASSOCIATE-RQ, or that stays after our
     * A-ASSOCIATE-RJ, is closed when ARTIM expires; silent TCP connections cannot pile up.
     */
    private startArtim(waitingFor: string): void {
      this.stopArtim();
      this.artim = setTimeout(() => {
        policy.log.warn('connection closed: ARTIM expired', {
          code: LogCode.artimExpired,
          waitingFor,
          artimMs: policy.artimMs,
          peer: this.peer,
        });
        this.transport.destroy();
      }, policy.artimMs);
      this.artim.unref();
    }

    private stopArtim(): void {
      if (this.artim) clearTimeout(this.artim);
      this.artim = undefined;
    }

    /** Nothing received for the idle time: the console is gone or forgot us. */
    private idleExpired(): void {
      if (!this.open) return;
      this.open = false;
      policy.log.warn('association aborted: idle too long', {
        code: LogCode.associationIdle,
        callingAe: this.callingAe,
        idleTimeoutMs: policy.idleTimeoutMs,
        peer: this.peer,
      });
      try {
        this.sendAbort(ABORT_SOURCE_PROVIDER, ABORT_REASON_NOT_SPECIFIED);
      } catch (err) {
        policy.log.debug('A-ABORT could not be sent', { err: String(err) });
      }
      this.transport.end();
      // A peer that never closes its side goes anyway.
      setTimeout(() => this.transport.destroy(), 1_000).unref();
    }

    private reject(result: number, source: number, reason: number): void {
      this.sendAssociationReject(result, source, reason);
      agentMetrics.associationRequested('refused');
      this.startArtim('the peer to close after A-ASSOCIATE-RJ');
    }

    override associationRequested(association: Association): void {
      this.stopArtim();
      try {
        this.callingAe = association.getCallingAeTitle().trim();
        const calledAe = association.getCalledAeTitle().trim();
        // Bit 0 is version 1, the only one there is; a peer without it speaks something else.
        const version = this.head.length >= PROTOCOL_VERSION_END ? this.head.readUInt16BE(6) : 0;
        if ((version & 1) === 0) {
          policy.log.warn('association refused: protocol version not supported', {
            code: LogCode.associationRefused,
            reason: 'protocol_version',
            protocolVersion: version,
            callingAe: this.callingAe,
            peer: this.peer,
          });
          this.reject(
            RejectResult.Permanent,
            RejectSource.ServiceProviderAcse,
            RejectReason.ProtocolVersionNotSupported,
          );
          return;
        }
        const allow = policy.allowedCallingAeTitles;
        if (allow.length > 0 && !allow.includes(this.callingAe)) {
          policy.log.warn('association refused: calling AE title not allowed', {
            code: LogCode.associationRefused,
            reason: 'calling_ae',
            callingAe: this.callingAe,
            calledAe,
            peer: this.peer,
          });
          this.reject(RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CallingAeNotRecognized);
          return;
        }
        if (!policy.slots.tryTake()) {
          policy.log.warn('association refused: local limit exceeded', {
            code: LogCode.associationRefused,
            reason: 'limit',
            maxAssociations: policy.slots.max,
            callingAe: this.callingAe,
            peer: this.peer,
          });
          this.reject(
            RejectResult.Transient,
            RejectSource.ServiceProviderPresentation,
            RejectReason.LocalLimitExceeded,
          );
          return;
        }
        this.holdsSlot = true;
        for (const pc of association.getPresentationContexts()) {
          const context = association.getPresentationContext(pc.id);
          const service = policy.services.find((s) => s.abstractSyntaxUid === context.getAbstractSyntaxUid());
          if (!service) {
            context.setResult(PresentationContextResult.RejectAbstractSyntaxNotSupported);
            continue;
          }
          const chosen = chooseTransferSyntax(service.transferSyntaxes, context.getTransferSyntaxUids());
          if (chosen) context.setResult(PresentationContextResult.Accept, chosen);
          else context.setResult(PresentationContextResult.RejectTransferSyntaxesNotSupported);
        }
        policy.log.info('association accepted', {
          callingAe: this.callingAe,
          calledAe,
          peer: this.peer,
          associations: policy.slots.inUse,
        });
        this.sendAssociationAccept();
        this.accepted = true;
        this.transport.setTimeout(policy.idleTimeoutMs);
        agentMetrics.associationRequested('accepted');
      } catch (err) {
        policy.log.error('association request could not be handled', { err: String(err), peer: this.peer });
        this.reject(RejectResult.Transient, RejectSource.ServiceUser, RejectReason.NoReasonGiven);
      }
    }

    override associationReleaseRequested(): void {
      this.open = false;
      policy.log.info('association released', { callingAe: this.callingAe, peer: this.peer });
      this.sendAssociationReleaseResponse();
    }

    override cEchoRequest(
      request: Parameters<InstanceType<typeof Scp>['cEchoRequest']>[0],
      callback: (response: InstanceType<typeof responses.CEchoResponse>) => void,
    ): void {
      try {
        callback(answerEcho(request));
      } catch (err) {
        policy.log.error('C-ECHO failed', { err: String(err) });
        const response = responses.CEchoResponse.fromRequest(request);
        response.setStatus(Status.ProcessingFailure);
        callback(response);
      }
    }

    override cFindRequest(request: CFindRequest, callback: (responses: CFindResponse[]) => void): void {
      // dcmjs-dimse kills the process on a second callback: guard it, whatever the handler does.
      let answered = false;
      const once = (r: CFindResponse[]): void => {
        if (answered) return;
        answered = true;
        callback(r);
      };
      const failed = (err: unknown): void => {
        policy.log.error('C-FIND failed', { err: err instanceof Error ? err.stack : String(err) });
        once([
          findResponse(request, {
            status: FindStatus.UnableToProcess,
            errorComment: INTERNAL_ERROR,
          }),
        ]);
      };
      const handler = policy.handlers.find;
      if (!handler) {
        once([findResponse(request, { status: 0x0122, errorComment: 'C-FIND is not served here' })]);
        return;
      }
      try {
        handler(
          { scp: this, callingAe: this.callingAe, cancellations: this.cancellations },
          request,
          once,
        ).catch(failed);
      } catch (err) {
        failed(err);
      }
    }

    override nCreateRequest(request: NCreateRequest, callback: (response: NCreateResponse) => void): void {
      this.answerOnce(
        'N-CREATE',
        request,
        callback,
        policy.handlers.mpps,
        (handler) => handler.create({ callingAe: this.callingAe }, request),
        () =>
          respondingTo(
            request,
            new responses.NCreateResponse(
              request.getAffectedSopClassUid(),
              orEmpty(request.getAffectedSopInstanceUid()),
              Status.ProcessingFailure,
              INTERNAL_ERROR,
            ),
          ),
      );
    }

    override nSetRequest(request: NSetRequest, callback: (response: NSetResponse) => void): void {
      this.answerOnce(
        'N-SET',
        request,
        callback,
        policy.handlers.mpps,
        (handler) => handler.set({ callingAe: this.callingAe }, request),
        () =>
          respondingTo(
            request,
            new responses.NSetResponse(
              request.getRequestedSopClassUid(),
              orEmpty(request.getRequestedSopInstanceUid()),
              Status.ProcessingFailure,
              INTERNAL_ERROR,
            ),
          ),
      );
    }

    /** The guards of every N- request: one callback whatever happens, no exception into dcmjs-dimse. */
    private answerOnce<H, Rsp>(
      what: string,
      request: { getMessageId(): number },
      callback: (response: Rsp) => void,
      handler: H | undefined,
      run: (handler: H) => Promise<Rsp>,
      failure: () => Rsp,
    ): void {
      let answered = false;
      const once = (r: Rsp): void => {
        if (answered) return;
        answered = true;
        callback(r);
      };
      const failed = (err: unknown): void => {
        policy.log.error(`${what} failed`, {
          err: err instanceof Error ? err.stack : String(err),
          messageId: request.getMessageId(),
        });
        try {
          once(failure());
        } catch (again) {
          policy.log.error(`${what} failure could not be answered`, { err: String(again) });
        }
      };
      if (!handler) {
        failed(new Error(`${what} is not served here`));
        return;
      }
      try {
        run(handler).then(once).catch(failed);
      } catch (err) {
        failed(err);
      }
    }

    override nActionRequest(request: NActionRequest, callback: (response: NActionResponse) => void): void {
      this.answerOnce(
        'N-ACTION',
        request,
        callback,
        policy.handlers.commitment,
        (handler) =>
          handler.action(
            {
              callingAe: this.callingAe,
              peer: this.peer,
              channel: { isOpen: () => this.open, send: (report) => this.sendRequests(report) },
            },
            request,
          ),
        () => actionResponse(request, 0x0110, INTERNAL_ERROR),
      );
    }

    /** C-STORE data goes straight to the spool as it arrives, never into memory as a whole. */
    override createStoreWritableStream(context: PresentationContext, request: CStoreRequest): Writable {
      try {
        if (this.storage) return this.storage.openStream(this.callingAe, request, context);
      } catch (err) {
        policy.log.error('C-STORE stream could not be opened', { err: String(err) });
      }
      // No stream of ours: the bytes are drained and cStoreRequest answers with a failure.
      const sink = new Writable({ write: (_c, _e, cb) => cb() });
      sink.on('error', () => undefined);
      return sink;
    }

    /** The bytes are already in the spool: dcmjs-dimse gets an empty placeholder data set. */
    override createDatasetFromStoreWritableStream(
      _writable: Writable,
      context: PresentationContext,
      callback: (dataset: StoreDataset) => void,
    ): void {
      callback(new dimse.Dataset({}, context.getAcceptedTransferSyntaxUid()));
    }

    override cStoreRequest(request: CStoreRequest, callback: (response: CStoreResponse) => void): void {
      // dcmjs-dimse kills the process on a second callback: guard it, whatever the handler does.
      let answered = false;
      const once = (r: CStoreResponse): void => {
        if (answered) return;
        answered = true;
        callback(r);
      };
      const failed = (err: unknown): void => {
        policy.log.error('C-STORE failed', { err: err instanceof Error ? err.stack : String(err) });
        try {
          const response = responses.CStoreResponse.fromRequest(request);
          response.setStatus(0xa700);
          response.setErrorComment(INTERNAL_ERROR);
          once(response);
        } catch (again) {
          policy.log.error('C-STORE failure could not be answered', { err: String(again) });
        }
      };
      if (!this.storage) {
        failed(new Error('C-STORE is not served here'));
        return;
      }
      try {
        this.storage.answer(request, once).catch(failed);
      } catch (err) {
        failed(err);
      }
    }

    override cCancelRequest(request: CCancelRequest): void {
      try {
        this.cancellations.cancel(request);
      } catch (err) {
        policy.log.warn('C-CANCEL could not be handled', { err: String(err) });
      }
    }

    override abort(source: number, reason: number): void {
      this.open = false;
      this.cancellations.abortAll();
      try {
        this.storage?.closed();
      } catch (err) {
        policy.log.error('cleanup after an abort failed', { err: String(err) });
      }
      policy.log.warn('association aborted by peer', { source, reason, peer: this.peer });
      // After an A-ABORT the connection is closed by us; DCMTK peers otherwise wait 30 s for it.
      this.transport.destroy();
    }
  };
}
