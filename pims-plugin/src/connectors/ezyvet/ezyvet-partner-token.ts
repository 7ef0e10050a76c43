import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The access tokens this plugin gives ezyVet: `ezv1.{expiry}.{mac}`, an HMAC under the partner
 * secret of the connector and the expiry. Any plugin instance can check one without shared state,
 * and changing the secret ends every token issued under it.
 */
export function issuePartnerToken(
  connectorId: string,
  secret: string,
  ttlSeconds: number,
  nowMs = Date.now(),
) {
  const expires = Math.floor(nowMs / 1000) + ttlSeconds;
  return { token: `ezv1.${expires}.${mac(connectorId, secret, expires)}`, expiresIn: ttlSeconds };
}

export function checkPartnerToken(
  connectorId: string,
  secret: string,
  token: string,
  nowMs = Date.now(),
): 'ok' | 'invalid' | 'expired' {
  const m = /^ezv1\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) return 'invalid';
  const expires = Number(m[1]);
  const expected = Buffer.from(mac(connectorId, secret, expires));
  const given = Buffer.from(m[2]!);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'invalid';
  return expires * 1000 > nowMs ? 'ok' : 'expired';
}

function mac(connectorId: string, secret: string, expires: number): string {
  return createHmac('sha256', secret).update(`${connectorId}.${expires}`).digest('base64url');
}
