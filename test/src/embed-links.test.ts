import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/chromium.js';
import { LightboxStack } from './support/lightbox-stack.js';
import { collectPageErrors, saveScreenshot, seriousAccessibilityViolations } from './support/page-checks.js';

/**
 * Chart-panel links against the real plugin process in a real Chromium: a valid link opens the
 * panel under its strict CSP; a changed, expired, other-patient or revoked link gets the same plain
 * 403 page, which names no patient.
 */
const stack = new LightboxStack();
let browser: Browser;

beforeAll(async () => {
  await stack.startPlugin();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser.close();
  await stack.dispose();
});

async function embedLink(body: Record<string, unknown>): Promise<string> {
  const res = await stack.api('POST', '/v1/embed-links', body);
  expect(res.status).toBe(201);
  return ((await res.json()) as { url: string }).url;
}

describe('a chart-panel link', () => {
  it('opens the panel with no script or CSP errors and no serious accessibility violations', async () => {
    const url = await embedLink({ pimsPatientId: 'PAT-4711' });
    const page = await browser.newPage();
    const errors = collectPageErrors(page);
    const res = await page.goto(url);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
    // The page's module script ran under the CSP.
    await expect.poll(() => page.locator('html').getAttribute('class')).toContain('js');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('answers a changed, expired, other-patient or revoked link with the same plain 403 page', async () => {
    const url = await embedLink({ pimsPatientId: 'PAT-4711', ttlSeconds: 30 });
    const u = new URL(url);
    const token = u.searchParams.get('token')!;
    const otherPatient = `${stack.pluginUrl}/embed/patients/PAT-0815/imaging?token=${token}`;
    const changed = `${stack.pluginUrl}${u.pathname}?token=${token.slice(0, -3)}abc`;
    const page = await browser.newPage();
    const bodies: string[] = [];
    for (const bad of [otherPatient, changed, `${stack.pluginUrl}${u.pathname}?token=`]) {
      const res = await page.goto(bad);
      expect(res?.status()).toBe(403);
      const text = await page.locator('body').innerText();
      expect(text).toContain('This link is not valid');
      expect(text).not.toMatch(/PAT-/);
      bodies.push(await res!.text());
    }
    expect(new Set(bodies).size).toBe(1);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await saveScreenshot(page, 'embed-link-refused');

    expect((await stack.api('POST', '/v1/embed-links/rotate-secret')).status).toBe(200);
    expect((await page.goto(url))?.status()).toBe(403);
    await page.close();
  });
});
