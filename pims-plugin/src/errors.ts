import { LightboxError } from '@lightbox/runtime';

/** HTTP status for each machine code the API can answer with. */
const httpStatusByCode: Record<string, number> = {
  unauthorized: 401,
  not_found: 404,
  conflict: 409,
  validation_failed: 422,
  payload_too_large: 413,
  unsupported_media_type: 415,
  not_ready: 503,
  // The PIMS's own API failed while its request was handled: it sends the request again later.
  upstream_failed: 502,
};

export function httpStatusOf(err: LightboxError): number {
  return httpStatusByCode[err.code] ?? 500;
}

export const notFound = (what: string): LightboxError => new LightboxError('not_found', `${what} not found`);
export const unauthorized = (detail: string): LightboxError => new LightboxError('unauthorized', detail);
