import dimse from 'dcmjs-dimse';
import type { CommitmentContext, CommitmentHandler } from '../dicom/dicom-services.js';
import type { Logger } from '../log.js';
import {
  CommitmentStatus,
  REQUEST_COMMITMENT_ACTION,
  STORAGE_COMMITMENT_INSTANCE,
  STORAGE_COMMITMENT_PUSH,
  parseCommitmentRequest,
} from './commitment-request.js';
import type { CommitmentService } from './commitment-service.js';

const { responses } = dimse;
type NActionRequest = InstanceType<typeof dimse.requests.NActionRequest>;
type NActionResponse = InstanceType<typeof responses.NActionResponse>;

/** N-ACTION "Request Storage Commitment": journalled, then answered; the result follows later. */
export function commitmentDimseHandler(service: CommitmentService, log: Logger): CommitmentHandler {
  return {
    async action(ctx: CommitmentContext, request: NActionRequest): Promise<NActionResponse> {
      const parsed = parseCommitmentRequest({
        sopClassUid: request.getRequestedSopClassUid(),
        sopInstanceUid: request.getRequestedSopInstanceUid(),
        actionTypeId: request.getActionTypeId(),
        elements: request.getDataset()?.getElements(),
      });
      if (!parsed.ok) {
        log.warn(`storage commitment request from ${ctx.callingAe} refused: ${parsed.comment}`, {
          callingAe: ctx.callingAe,
          peer: ctx.peer,
          status: parsed.status.toString(16).padStart(4, '0'),
        });
        return actionResponse(request, parsed.status, parsed.comment);
      }
      await service.request(ctx.callingAe, parsed.request, ctx.channel);
      return actionResponse(request, CommitmentStatus.Success);
    },
  };
}

export function actionResponse(request: NActionRequest, status: number, comment?: string): NActionResponse {
  const response = new responses.NActionResponse(
    STORAGE_COMMITMENT_PUSH,
    STORAGE_COMMITMENT_INSTANCE,
    REQUEST_COMMITMENT_ACTION,
    status,
    comment?.slice(0, 64) ?? '',
  );
  response.setMessageIdBeingRespondedTo(request.getMessageId());
  if (!comment) delete response.getCommandDataset().getElements().ErrorComment;
  return response;
}
