import { describe, expect, it } from 'vitest';
import { checkPartnerToken, issuePartnerToken } from './ezyvet-partner-token.js';

const secret = 'partner-secret-0123456789';

describe('the access tokens given to ezyVet', () => {
  it('are accepted until they expire, by this connector only and under this secret only', () => {
    const now = Date.UTC(2026, 11, 3, 12);
    const { token, expiresIn } = issuePartnerToken('con_a', secret, 3600, now);
    expect(expiresIn).toBe(3600);
    expect(checkPartnerToken('con_a', secret, token, now + 3_599_000)).toBe('ok');
    expect(checkPartnerToken('con_a', secret, token, now + 3_600_000)).toBe('expired');
    expect(checkPartnerToken('con_b', secret, token, now)).toBe('invalid');
    expect(checkPartnerToken('con_a', 'another-secret-0123456', token, now)).toBe('invalid');
  });

  it('refuse a token whose expiry was moved', () => {
    const now = Date.UTC(2026, 11, 3, 12);
    const { token } = issuePartnerToken('con_a', secret, 60, now);
    const [v, exp, mac] = token.split('.');
    expect(checkPartnerToken('con_a', secret, `${v}.${Number(exp) + 86_400}.${mac}`, now)).toBe('invalid');
    expect(checkPartnerToken('con_a', secret, 'Bearer nonsense', now)).toBe('invalid');
  });
});
