import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditLog } from '../db/schema.js';
import { startInProcessPlugin, type InProcessPlugin } from '../test-support/in-process-plugin.js';

let p: InProcessPlugin;
beforeAll(async () => {
  p = await startInProcessPlugin({ LIGHTBOX_PIMS_ORIGINS: 'https://pims.example.com' });
});
afterAll(() => p.close());

async function panelCsp(pimsPatientId: string): Promise<string> {
  const link = (await (await p.api('POST', '/v1/embed-links', { pimsPatientId })).json()) as { url: string };
  const url = new URL(link.url);
  const res = await p.plugin.app.request(url.pathname + url.search);
  expect(res.status).toBe(200);
  return res.headers.get('content-security-policy') ?? '';
}

const frameAncestors = (csp: string) => /frame-ancestors ([^;]*)/.exec(csp)?.[1]?.trim();

describe('/v1/site-settings', () => {
  it('follows LIGHTBOX_PIMS_ORIGINS until the site names its own PIMS origins', async () => {
    const res = await p.api('GET', '/v1/site-settings');
    expect(await res.json()).toEqual({
      siteId: 'default',
      pimsOrigins: null,
      effectivePimsOrigins: ['https://pims.example.com'],
    });
    expect(frameAncestors(await panelCsp('P1'))).toBe('https://pims.example.com');
  });

  it('frames the panel only from the site’s own origins once set, audited, and back with null', async () => {
    const set = await p.api('PATCH', '/v1/site-settings', {
      pimsOrigins: ['https://clinic.ezyvet.example/', 'http://192.168.1.20:8080', 'http://192.168.1.20:8080'],
    });
    expect(set.status).toBe(200);
    expect(await set.json()).toMatchObject({
      pimsOrigins: ['https://clinic.ezyvet.example', 'http://192.168.1.20:8080'],
    });
    expect(frameAncestors(await panelCsp('P1'))).toBe(
      'https://clinic.ezyvet.example http://192.168.1.20:8080',
    );
    // A refused link stands in for the panel in whichever PIMS showed it.
    const refused = await p.plugin.app.request('/embed/patients/P1/imaging?token=nope');
    expect(refused.status).toBe(403);
    expect(
      frameAncestors(refused.headers.get('content-security-policy') ?? '')
        ?.split(' ')
        .sort(),
    ).toEqual(['http://192.168.1.20:8080', 'https://clinic.ezyvet.example', 'https://pims.example.com']);
    const audit = await p.plugin.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.siteId, 'default'), eq(auditLog.action, 'site_settings.changed')));
    expect(audit).toHaveLength(1);

    const reset = await p.api('PATCH', '/v1/site-settings', { pimsOrigins: null });
    expect(await reset.json()).toMatchObject({
      pimsOrigins: null,
      effectivePimsOrigins: ['https://pims.example.com'],
    });
    expect(frameAncestors(await panelCsp('P1'))).toBe('https://pims.example.com');
  });

  it('forbids framing altogether with an empty list', async () => {
    await p.api('PATCH', '/v1/site-settings', { pimsOrigins: [] });
    expect(frameAncestors(await panelCsp('P1'))).toBe("'none'");
    await p.api('PATCH', '/v1/site-settings', { pimsOrigins: null });
  });

  it.each([
    [{ pimsOrigins: ['https://pims.example.com/chart'] }],
    [{ pimsOrigins: ["https://pims.example.com; script-src 'unsafe-inline'"] }],
    [{ pimsOrigins: ['javascript:alert(1)'] }],
    [{ pimsOrigins: ['*'] }],
    [{ pimsOrigins: Array.from({ length: 17 }, (_, i) => `https://p${i}.example`) }],
    [{ pimsOrigins: 'https://pims.example.com' }],
    [{ pimsOrigins: [], theme: 'dark' }],
    [{}],
  ])('refuses %j with 422 and changes nothing', async (body) => {
    const res = await p.api('PATCH', '/v1/site-settings', body);
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(
      ((await (await p.api('GET', '/v1/site-settings')).json()) as { pimsOrigins: unknown }).pimsOrigins,
    ).toBe(null);
  });

  it('needs the API key', async () => {
    expect((await p.api('GET', '/v1/site-settings', undefined, null)).status).toBe(401);
    expect((await p.api('PATCH', '/v1/site-settings', { pimsOrigins: [] }, null)).status).toBe(401);
  });
});
