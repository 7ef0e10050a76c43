import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signatureHeader, verifySignature } from './signature.js';

describe('the Lightbox-Signature header', () => {
  it('matches a known HMAC-SHA256 of "<t>.<body>" (computed with openssl dgst -sha256 -hmac)', () => {
    expect(signatureHeader('whsec_test', 1_700_000_000, '{"id":"evt_1"}')).toBe(
      't=1700000000,v1=c89214b5b5da833daed6f0b8c5bb6bd58cea9022bd80ccc78230f3942d632925',
    );
  });

  it('signs the raw bytes of a UTF-8 body, and whole seconds only', () => {
    const body = JSON.stringify({ data: { patient: 'Müller^Łucja' } });
    const header = signatureHeader('s', 1_700_000_000.9, body);
    const expected = createHmac('sha256', 's')
      .update(Buffer.from(`1700000000.${body}`, 'utf8'))
      .digest('hex');
    expect(header).toBe(`t=1700000000,v1=${expected}`);
  });

  it('verifies what it signed, and refuses another body, secret or a stale time', () => {
    const h = signatureHeader('secret', 1_000, '{}');
    expect(verifySignature('secret', h, '{}', 1_010)).toBe(true);
    expect(verifySignature('secret', h, '{ }', 1_010)).toBe(false);
    expect(verifySignature('other', h, '{}', 1_010)).toBe(false);
    expect(verifySignature('secret', h, '{}', 1_000 + 301)).toBe(false);
    expect(verifySignature('secret', 'garbage', '{}', 1_000)).toBe(false);
  });
});
