import dimse from 'dcmjs-dimse';
import type { NActionRequest, NActionResponse } from './dimse-types.js';

/** Storage Commitment Push Model SOP Class and its well-known instance (PS3.4 J.3). */
export const STORAGE_COMMITMENT_PUSH = '1.2.840.10008.1.20.1';
export const STORAGE_COMMITMENT_INSTANCE = '1.2.840.10008.1.20.1.1';
/** N-ACTION Action Type ID "Request Storage Commitment". */
export const REQUEST_COMMITMENT_ACTION = 1;

const { responses } = dimse;

/** The one N-ACTION response of a Storage Commitment request, with an Error Comment when given. */
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
