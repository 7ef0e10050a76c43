import dimse from 'dcmjs-dimse';
import type { MppsContext, MppsHandler } from '../dicom/dicom-services.js';
import type { MppsAnswer, MppsService } from './mpps-service.js';
import {
  MODALITY_PERFORMED_PROCEDURE_STEP,
  MppsStatusCode,
  NO_LONGER_UPDATABLE,
  NO_LONGER_UPDATABLE_ERROR_ID,
} from './mpps-status.js';
import type { NCreateRequest, NCreateResponse, NSetRequest, NSetResponse } from '../dicom/dimse-types.js';

const { responses } = dimse;

/** dcmjs-dimse types command elements as present; an N-CREATE may leave its UID out. */
const orEmpty = (value: string | undefined): string => value ?? '';

/** N-CREATE / N-SET of Modality Performed Procedure Step, answered from the journal. */
export function mppsDimseHandler(service: MppsService): MppsHandler {
  return {
    async create(ctx: MppsContext, request: NCreateRequest): Promise<NCreateResponse> {
      const uid = orEmpty(request.getAffectedSopInstanceUid());
      if (request.getAffectedSopClassUid() !== MODALITY_PERFORMED_PROCEDURE_STEP)
        return mppsCreateResponse(request, {
          status: MppsStatusCode.NoSuchSopClass,
          comment: 'only MPPS N-CREATE is served here',
          sopInstanceUid: uid,
        });
      const answer = await service.create({
        sopInstanceUid: uid,
        callingAeTitle: ctx.callingAe,
        elements: request.getDataset()?.getElements(),
      });
      return mppsCreateResponse(request, answer);
    },
    async set(ctx: MppsContext, request: NSetRequest): Promise<NSetResponse> {
      const uid = orEmpty(request.getRequestedSopInstanceUid());
      if (request.getRequestedSopClassUid() !== MODALITY_PERFORMED_PROCEDURE_STEP)
        return mppsSetResponse(request, {
          status: MppsStatusCode.NoSuchSopClass,
          comment: 'only MPPS N-SET is served here',
          sopInstanceUid: uid,
        });
      const answer = await service.set({
        sopInstanceUid: uid,
        callingAeTitle: ctx.callingAe,
        elements: request.getDataset()?.getElements(),
      });
      return mppsSetResponse(request, answer);
    },
  };
}

/** The N-CREATE-RSP: the SOP class, the step's UID (the one we minted, when it was left to us). */
export function mppsCreateResponse(request: NCreateRequest, answer: MppsAnswer): NCreateResponse {
  const response = new responses.NCreateResponse(
    MODALITY_PERFORMED_PROCEDURE_STEP,
    answer.sopInstanceUid,
    answer.status,
    answer.comment ?? '',
  );
  response.setMessageIdBeingRespondedTo(request.getMessageId());
  if (!answer.comment) dropErrorComment(response);
  return response;
}

/** The N-SET-RSP echoes the Requested SOP Class/Instance as Affected (PS3.7 10.1.3.1). */
export function mppsSetResponse(request: NSetRequest, answer: MppsAnswer): NSetResponse {
  const response = new responses.NSetResponse(
    MODALITY_PERFORMED_PROCEDURE_STEP,
    answer.sopInstanceUid,
    answer.status,
    answer.comment ?? '',
  );
  response.setMessageIdBeingRespondedTo(request.getMessageId());
  if (!answer.comment) dropErrorComment(response);
  if (answer.comment === NO_LONGER_UPDATABLE)
    response.getCommandDataset().getElements().ErrorID = NO_LONGER_UPDATABLE_ERROR_ID;
  return response;
}

/** A success carries no Error Comment element at all, rather than an empty one. */
function dropErrorComment(response: NCreateResponse | NSetResponse): void {
  const elements = response.getCommandDataset().getElements();
  delete elements.ErrorComment;
}
