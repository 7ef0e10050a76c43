/**
 * What the encoder and the query reader need to know about value representations (PS3.5 6.2):
 * how long their length field is, how they are padded, which ones carry text in the Specific
 * Character Set, and how their padding is trimmed when a value is read. One table lookup gives
 * all of it — the encoder asks for every element it writes.
 */
export interface VrTraits {
  /** Explicit VR: 32-bit length after two reserved bytes (PS3.5 7.1.2), else 16-bit. */
  longLength: boolean;
  /** Held as text; otherwise binary (numbers, bytes, sequences). */
  text: boolean;
  /** Text in the Specific Character Set (PS3.5 6.1.2.3); other text VRs are ASCII by definition. */
  characterSet: boolean;
  /** Padding to an even length: NUL for UI and binary, space for text (PS3.5 6.2). */
  pad: number;
  /** Never multi-valued: a backslash is an ordinary character. */
  singleValued: boolean;
  /** Leading spaces are insignificant too, not only trailing ones (PS3.5 table 6.2-1). */
  trimLeading: boolean;
}

const BINARY: VrTraits = {
  longLength: false,
  text: false,
  characterSet: false,
  pad: 0,
  singleValued: false,
  trimLeading: false,
};
const LONG_BINARY: VrTraits = { ...BINARY, longLength: true };
const ASCII_TEXT: VrTraits = { ...BINARY, text: true, pad: 0x20 };

const TRAITS: Readonly<Record<string, VrTraits>> = {
  AE: { ...ASCII_TEXT, trimLeading: true },
  AS: ASCII_TEXT,
  CS: { ...ASCII_TEXT, trimLeading: true },
  DA: { ...ASCII_TEXT, trimLeading: true },
  DS: { ...ASCII_TEXT, trimLeading: true },
  DT: { ...ASCII_TEXT, trimLeading: true },
  IS: { ...ASCII_TEXT, trimLeading: true },
  TM: { ...ASCII_TEXT, trimLeading: true },
  UI: { ...ASCII_TEXT, pad: 0, trimLeading: true },
  UR: { ...ASCII_TEXT, longLength: true, singleValued: true },
  LO: { ...ASCII_TEXT, characterSet: true, trimLeading: true },
  SH: { ...ASCII_TEXT, characterSet: true, trimLeading: true },
  PN: { ...ASCII_TEXT, characterSet: true },
  LT: { ...ASCII_TEXT, characterSet: true, singleValued: true },
  ST: { ...ASCII_TEXT, characterSet: true, singleValued: true },
  UT: { ...ASCII_TEXT, characterSet: true, singleValued: true, longLength: true },
  UC: { ...ASCII_TEXT, characterSet: true, longLength: true },
  OB: LONG_BINARY,
  OD: LONG_BINARY,
  OF: LONG_BINARY,
  OL: LONG_BINARY,
  OV: LONG_BINARY,
  OW: LONG_BINARY,
  SQ: LONG_BINARY,
  SV: LONG_BINARY,
  UN: LONG_BINARY,
  UV: LONG_BINARY,
};

/** Traits of a VR code; unknown codes are treated as short binary VRs. */
export function vrTraits(vr: string): VrTraits {
  return TRAITS[vr] ?? BINARY;
}

export function hasLongLength(vr: string): boolean {
  return vrTraits(vr).longLength;
}

export function isTextVr(vr: string): boolean {
  return vrTraits(vr).text;
}

export function usesCharacterSet(vr: string): boolean {
  return vrTraits(vr).characterSet;
}

export function paddingByte(vr: string): number {
  return vrTraits(vr).pad;
}

/**
 * A received text value without its padding, per value of a multi-valued element: trailing spaces
 * (and NULs, which UI uses and sloppy peers use elsewhere), leading spaces where they are
 * insignificant. The matcher then compares what the modality meant, not how it was padded.
 */
export function trimTextValue(vr: string, text: string): string {
  const traits = vrTraits(vr);
  const trimOne = (v: string): string => {
    const end = v.replace(/[ \0]+$/, '');
    return traits.trimLeading ? end.replace(/^ +/, '') : end;
  };
  if (traits.singleValued || !text.includes('\\')) return trimOne(text);
  return text.split('\\').map(trimOne).join('\\');
}

/** Binary numeric VRs the model carries as decimal strings (multi-values joined by `\`). */
export const NUMERIC_VR_SIZE: Readonly<Record<string, number>> = {
  US: 2,
  SS: 2,
  UL: 4,
  SL: 4,
  FL: 4,
  FD: 8,
  SV: 8,
  UV: 8,
};

/** Whether a string is a VR code as it appears on the wire (two upper-case letters). */
export function isVrCode(vr: string): boolean {
  return /^[A-Z]{2}$/.test(vr);
}
