/** DIMSE status codes an MPPS SCP answers with (PS3.7 C and PS3.4 F.7.2). */
export const MppsStatusCode = {
  Success: 0x0000,
  /** 0106: a value the SCP cannot accept (wrong status on N-CREATE, malformed UID or date). */
  InvalidAttributeValue: 0x0106,
  /** 0110: the step is final, or the journal could not record the change. */
  ProcessingFailure: 0x0110,
  /** 0111: N-CREATE for an SOP Instance UID we already hold. */
  DuplicateSopInstance: 0x0111,
  /** 0112: N-SET for an SOP Instance UID we never saw. */
  NoSuchSopInstance: 0x0112,
  /** 0117: the request's own SOP Instance UID is not a UID. */
  InvalidSopInstance: 0x0117,
  /** 0118: an N-CREATE/N-SET for a SOP class other than MPPS. */
  NoSuchSopClass: 0x0118,
  /** 0120: a required attribute is absent. */
  MissingAttribute: 0x0120,
  /** 0121: a required attribute is present without a value. */
  MissingAttributeValue: 0x0121,
  /** 0213: more than the link to the plugin can carry in one message. */
  ResourceLimitation: 0x0213,
} as const;

export const MODALITY_PERFORMED_PROCEDURE_STEP = '1.2.840.10008.3.1.2.3.3';

/** The Error Comment PS3.4 F.7.2.2.4 prescribes for an N-SET on a final step... */
export const NO_LONGER_UPDATABLE = 'Performed Procedure Step Object may no longer be updated';
/** ...and the Error ID (0000,0903) that goes with it (Table F.7.2-2). */
export const NO_LONGER_UPDATABLE_ERROR_ID = 0xa710;

/** A refusal as the modality will read it. Error Comment (0000,0902) is LO: at most 64 characters. */
export interface MppsRefusal {
  status: number;
  comment: string;
}

export function refusal(status: number, comment: string): MppsRefusal {
  return { status, comment: comment.slice(0, 64) };
}
