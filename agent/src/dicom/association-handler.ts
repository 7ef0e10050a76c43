import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import dimse from 'dcmjs-dimse';
import type { Logger } from '@lightbox/protocol';
import { FindCancellations } from './find-cancellation.js';
import { FindStatus, findResponse } from './find-response-stream.js';
import type { StoreAssociation } from './dicom-services.js';
import { chooseTransferSyntax, type DicomHandlers, type ServiceEntry } from './dicom-services.js';
import { answerEcho } from './echo-service.js';
import { agentMetrics } from '../metrics/agent-metrics.js';
import { actionResponse } from './storage-commitment-sop.js';

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

export interface AssociationPolicy {
  aeTitle: string;
  allowedCallingAeTitles: readonly string[];
  services: readonly ServiceEntry[];
  handlers: DicomHandlers;
  log: Logger;
}

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

    constructor(socket: Socket, opts: Record<string, unknown>) {
      super(socket, opts);
      this.peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
      this.storage = policy.handlers.store?.association({ peer: this.peer, socket });
      this.transport = socket;
      // A peer that drops mid-transfer produces only 'close' (no abort): partial files go here.
      this.on('close', () => {
        this.open = false;
        if (this.accepted) agentMetrics.associationClosed();
        try {
          this.storage?.closed();
        } catch (err) {
          policy.log.error('cleanup after a closed connection failed', { err: String(err) });
        }
      });
    }

    override associationRequested(association: Association): void {
      try {
        this.callingAe = association.getCallingAeTitle().trim();
        const calledAe = association.getCalledAeTitle().trim();
        const allow = policy.allowedCallingAeTitles;
        if (allow.length > 0 && !allow.includes(this.callingAe)) {
          policy.log.warn('association refused: calling AE title not allowed', {
            callingAe: this.callingAe,
            calledAe,
            peer: this.peer,
          });
          this.sendAssociationReject(
            RejectResult.Permanent,
            RejectSource.ServiceUser,
            RejectReason.CallingAeNotRecognized,
          );
          agentMetrics.associationRequested('refused');
          return;
        }
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
        policy.log.info('association accepted', { callingAe: this.callingAe, calledAe, peer: this.peer });
        this.sendAssociationAccept();
        this.accepted = true;
        agentMetrics.associationRequested('accepted');
      } catch (err) {
        policy.log.error('association request could not be handled', { err: String(err), peer: this.peer });
        this.sendAssociationReject(
          RejectResult.Transient,
          RejectSource.ServiceUser,
          RejectReason.NoReasonGiven,
        );
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
            errorComment: 'internal error; see the agent log',
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
      this.answerMpps(
        'N-CREATE',
        request,
        callback,
        (ctx, handler) => handler.create(ctx, request),
        () => {
          const r = new responses.NCreateResponse(
            request.getAffectedSopClassUid(),
            orEmpty(request.getAffectedSopInstanceUid()),
            Status.ProcessingFailure,
            'internal error; see the agent log',
          );
          r.setMessageIdBeingRespondedTo(request.getMessageId());
          return r;
        },
      );
    }

    override nSetRequest(request: NSetRequest, callback: (response: NSetResponse) => void): void {
      this.answerMpps(
        'N-SET',
        request,
        callback,
        (ctx, handler) => handler.set(ctx, request),
        () => {
          const r = new responses.NSetResponse(
            request.getRequestedSopClassUid(),
            orEmpty(request.getRequestedSopInstanceUid()),
            Status.ProcessingFailure,
            'internal error; see the agent log',
          );
          r.setMessageIdBeingRespondedTo(request.getMessageId());
          return r;
        },
      );
    }

    /** Same guards as C-FIND: one callback whatever happens, and no exception reaches dcmjs-dimse. */
    private answerMpps<Rsp>(
      what: string,
      request: { getMessageId(): number },
      callback: (response: Rsp) => void,
      run: (ctx: { callingAe: string }, handler: NonNullable<DicomHandlers['mpps']>) => Promise<Rsp>,
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
      const handler = policy.handlers.mpps;
      if (!handler) {
        failed(new Error('MPPS is not served here'));
        return;
      }
      try {
        run({ callingAe: this.callingAe }, handler).then(once).catch(failed);
      } catch (err) {
        failed(err);
      }
    }

    /** The MPPS guards for any handler: one callback whatever happens, no exception into dcmjs-dimse. */
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
        policy.log.error(`${what} failed`, { err: err instanceof Error ? err.stack : String(err) });
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
        () => actionResponse(request, 0x0110, 'internal error; see the agent log'),
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
          response.setErrorComment('internal error; see the agent log');
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
