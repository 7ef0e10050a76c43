import type { CommitmentContext, CommitmentHandler } from '../dicom/dicom-services.js';
import type { Logger } from '../log.js';
import { actionResponse } from '../dicom/storage-commitment-sop.js';
import { CommitmentStatus, parseCommitmentRequest } from './commitment-request.js';
import type { CommitmentService } from './commitment-service.js';
import type { NActionRequest, NActionResponse } from '../dicom/dimse-types.js';

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
