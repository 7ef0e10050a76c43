/**
 * The one error base type of Lightbox. `code` is stable and machine-readable; HTTP answers map it to
 * problem+json, DICOM answers to a DIMSE status with an Error Comment.
 */
export class LightboxError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LightboxError';
  }
}
