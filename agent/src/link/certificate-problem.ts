/** Node's codes for a server certificate that failed verification. */
const CERTIFICATE_ERRORS = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** One line for a field engineer when the plugin's certificate is refused; undefined otherwise. */
export function certificateProblem(err: Error): string | undefined {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (!CERTIFICATE_ERRORS.has(code)) return undefined;
  const what =
    code === 'CERT_HAS_EXPIRED'
      ? 'has expired'
      : code === 'CERT_NOT_YET_VALID'
        ? 'is not valid yet (check the clock)'
        : code === 'ERR_TLS_CERT_ALTNAME_INVALID'
          ? 'does not name the host in LIGHTBOX_PLUGIN_URL'
          : 'is not signed by a trusted CA (the system CAs, or LIGHTBOX_PLUGIN_CA_FILE)';
  return `link refused: the plugin's TLS certificate ${what} (${code})`;
}
