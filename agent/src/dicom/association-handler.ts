import type { Socket } from 'node:net';
import dimse from 'dcmjs-dimse';
import type { Logger } from '@lightbox/protocol';
import { chooseTransferSyntax, type ServiceEntry } from './dicom-services.js';
import { answerEcho } from './echo-service.js';

const { Scp, constants, responses } = dimse;
const { PresentationContextResult, RejectReason, RejectResult, RejectSource, Status } = constants;

export interface AssociationPolicy {
  aeTitle: string;
  allowedCallingAeTitles: readonly string[];
  services: readonly ServiceEntry[];
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

    override abort(source: number, reason: number): void {
      policy.log.warn('association aborted by peer', { source, reason, peer: this.peer });
    }
  };
}
