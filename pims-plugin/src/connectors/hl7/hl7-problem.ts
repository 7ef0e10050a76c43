/**
 * Why a message is refused, as its acknowledgement says it: MSA-1 `AE` (the content is wrong: fix
 * it and send it again) or `AR` (the message cannot be taken at all), an HL7 table 0357 code and
 * where the problem is (ERR-2: segment, its sequence, field, component).
 */
export interface Hl7Problem {
  ackCode: 'AE' | 'AR';
  /** HL7 table 0357: 100 segment sequence, 101 required field missing, 102 data type, 103 table value, … */
  code: number;
  text: string;
  location: Hl7Location;
}

export interface Hl7Location {
  segment: string;
  /** Which segment of that name, from 1. */
  sequence?: number;
  field?: number;
  component?: number;
}

export function hl7Problem(
  ackCode: 'AE' | 'AR',
  code: number,
  text: string,
  location: Hl7Location,
): Hl7Problem {
  return { ackCode, code, text, location };
}

/** HL7 table 0357 texts for the codes used here. */
export const errorCodeText: Record<number, string> = {
  100: 'Segment sequence error',
  101: 'Required field missing',
  102: 'Data type error',
  103: 'Table value not found',
  104: 'Value too long',
  200: 'Unsupported message type',
  201: 'Unsupported event code',
  202: 'Unsupported processing id',
  203: 'Unsupported version id',
  204: 'Unknown key identifier',
  205: 'Duplicate key identifier',
  206: 'Application record locked',
  207: 'Application internal error',
};

/** `PID-7`, `ORC[2]-1.2`: how logs and the traffic view name a place in a message. */
export function locationText(l: Hl7Location): string {
  return `${l.segment}${l.sequence && l.sequence > 1 ? `[${l.sequence}]` : ''}${l.field ? `-${l.field}` : ''}${
    l.component ? `.${l.component}` : ''
  }`;
}
