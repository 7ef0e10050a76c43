import dimse from 'dcmjs-dimse';
import type { MppsContext, MppsHandler } from '../dicom/dicom-services.js';
import type { MppsAnswer, MppsRequest, MppsService } from './mpps-service.js';
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
    async create(ctx, request) {
      const step = stepRequest(ctx, request, request.getAffectedSopInstanceUid());
      const answer = await mppsOnly('N-CREATE', request.getAffectedSopClassUid(), step, (s) =>
        service.create(s),
      );
      return mppsCreateResponse(request, answer);
    },
    async set(ctx, request) {
      const step = stepRequest(ctx, request, request.getRequestedSopInstanceUid());
      const answer = await mppsOnly('N-SET', request.getRequestedSopClassUid(), step, (s) => service.set(s));
      return mppsSetResponse(request, answer);
    },
  };
}

/** What the service reads of either request: the step's UID ('' when absent), the sender, the data set. */
function stepRequest(
  ctx: MppsContext,
  request: NCreateRequest | NSetRequest,
  sopInstanceUid: string | undefined,
): MppsRequest {
  return {
    sopInstanceUid: orEmpty(sopInstanceUid),
    callingAeTitle: ctx.callingAe,
    elements: request.getDataset()?.getElements(),
  };
}

/** Only the MPPS SOP class is served here; a request for another is refused before the service. */
function mppsOnly(
  what: 'N-CREATE' | 'N-SET',
  sopClassUid: string,
  step: MppsRequest,
  apply: (step: MppsRequest) => Promise<MppsAnswer>,
): Promise<MppsAnswer> {
  if (sopClassUid === MODALITY_PERFORMED_PROCEDURE_STEP) return apply(step);
  return Promise.resolve({
    status: MppsStatusCode.NoSuchSopClass,
    comment: `only MPPS ${what} is served here`,
    sopInstanceUid: step.sopInstanceUid,
  });
}

/** The N-CREATE-RSP: the SOP class, the step's UID (the one we minted, when it was left to us). */
export function mppsCreateResponse(request: NCreateRequest, answer: MppsAnswer): NCreateResponse {
  return mppsResponse(responses.NCreateResponse, request, answer);
}

/** The N-SET-RSP echoes the Requested SOP Class/Instance as Affected (PS3.7 10.1.3.1). */
export function mppsSetResponse(request: NSetRequest, answer: MppsAnswer): NSetResponse {
  const response = mppsResponse(responses.NSetResponse, request, answer);
  if (answer.comment === NO_LONGER_UPDATABLE)
    response.getCommandDataset().getElements().ErrorID = NO_LONGER_UPDATABLE_ERROR_ID;
  return response;
}

function mppsResponse<R extends NCreateResponse | NSetResponse>(
  Response: new (sopClassUid: string, sopInstanceUid: string, status: number, errorComment: string) => R,
  request: { getMessageId(): number },
  answer: MppsAnswer,
): R {
  const response = new Response(
    MODALITY_PERFORMED_PROCEDURE_STEP,
    answer.sopInstanceUid,
    answer.status,
    answer.comment ?? '',
  );
  response.setMessageIdBeingRespondedTo(request.getMessageId());
  if (!answer.comment) dropErrorComment(response);
  return response;
}

/** A success carries no Error Comment element at all, rather than an empty one. */
function dropErrorComment(response: NCreateResponse | NSetResponse): void {
  const elements = response.getCommandDataset().getElements();
  delete elements.ErrorComment;
}
