import type { Socket } from 'node:net';
import dimse from 'dcmjs-dimse';
import type { Logger } from '@lightbox/protocol';
import { FindCancellations, FindStatus, findResponse } from '../worklist/encoding/index.js';
import { chooseTransferSyntax, type DicomHandlers, type ServiceEntry } from './dicom-services.js';
import { answerEcho } from './echo-service.js';

const { Scp, constants, responses } = dimse;
type CFindRequest = Parameters<InstanceType<typeof Scp>['cFindRequest']>[0];
type CFindResponse = InstanceType<typeof responses.CFindResponse>;
type CCancelRequest = Parameters<InstanceType<typeof Scp>['cCancelRequest']>[0];
const { PresentationContextResult, RejectReason, RejectResult, RejectSource, Status } = constants;

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

    constructor(socket: Socket, opts: Record<string, unknown>) {
      super(socket, opts);
      this.peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
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

    override cCancelRequest(request: CCancelRequest): void {
      try {
        this.cancellations.cancel(request);
      } catch (err) {
        policy.log.warn('C-CANCEL could not be handled', { err: String(err) });
      }
    }

    override abort(source: number, reason: number): void {
      this.cancellations.abortAll();
      policy.log.warn('association aborted by peer', { source, reason, peer: this.peer });
    }
  };
}
