/**
 * DICOM value rules (PS3.5 6.2) for what Lightbox writes into a worklist. An order is refused when a
 * value breaks them, because truncating later would change what the modality stores.
 */
export type WritableVr = 'AE' | 'CS' | 'DA' | 'DS' | 'LO' | 'PN' | 'SH' | 'TM' | 'UI';

// Control characters other than ESC are not allowed in these VRs; backslash separates values.
const CONTROL_OR_BACKSLASH = /[\u0000-\u001a\u001c-\u001f\u007f\\]/;

export function checkVr(vr: WritableVr, value: string): string | null {
  switch (vr) {
    case 'AE':
      if (value.length > 16) return 'at most 16 characters (DICOM AE)';
      if (!/^[\x20-\x5b\x5d-\x7e]*$/.test(value) || value.trim() === '')
        return 'printable ASCII, no backslash (DICOM AE)';
      return null;
    case 'CS':
      if (value.length > 16) return 'at most 16 characters (DICOM CS)';
      if (!/^[A-Z0-9_ ]*$/.test(value)) return 'upper-case letters, digits, space and _ only (DICOM CS)';
      return null;
    case 'DA':
      return /^\d{8}$/.test(value) ? null : 'a date as YYYYMMDD (DICOM DA)';
    case 'TM':
      return /^\d{6}(\.\d{1,6})?$/.test(value) ? null : 'a time as HHMMSS (DICOM TM)';
    case 'DS':
      if (value.length > 16) return 'at most 16 characters (DICOM DS)';
      return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value) ? null : 'a decimal number (DICOM DS)';
    case 'UI':
      if (value.length > 64) return 'at most 64 characters (DICOM UI)';
      return /^(0|[1-9]\d*)(\.(0|[1-9]\d*))*$/.test(value)
        ? null
        : 'digits and dots, no leading zeros (DICOM UI)';
    case 'SH':
      if (value.length > 16) return 'at most 16 characters (DICOM SH)';
      return CONTROL_OR_BACKSLASH.test(value) ? 'no control characters or backslash (DICOM SH)' : null;
    case 'LO':
      if (value.length > 64) return 'at most 64 characters (DICOM LO)';
      return CONTROL_OR_BACKSLASH.test(value) ? 'no control characters or backslash (DICOM LO)' : null;
    case 'PN': {
      if (CONTROL_OR_BACKSLASH.test(value)) return 'no control characters or backslash (DICOM PN)';
      const groups = value.split('=');
      if (groups.length > 3 || groups.some((g) => g.length > 64))
        return 'at most 64 characters per name (DICOM PN)';
      if (groups.some((g) => g.split('^').length > 5)) return 'at most five name components (DICOM PN)';
      return null;
    }
  }
}
