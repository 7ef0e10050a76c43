import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/chromium.js';
import { LightboxStack } from './support/lightbox-stack.js';
import { waitUntil } from './support/managed-process.js';
import { collectPageErrors, saveScreenshot, seriousAccessibilityViolations } from './support/page-checks.js';
import { PimsReceiver } from './support/pims-receiver.js';
import { createStaffAccount, signedInPage } from './support/staff-browser.js';

/**
 * The practice manager's screens in Chromium against the real plugin and agent: agents, deliveries
 * and the audit log; and the roles holding on the pages and on the routes behind them.
 */
const stack = new LightboxStack({
  stations: [{ aeTitle: 'DR1', modality: 'DX' }],
  pluginEnv: {
    LIGHTBOX_WEBHOOK_BACKOFF_MIN_MS: '200',
    LIGHTBOX_WEBHOOK_BACKOFF_MAX_MS: '1000',
    LIGHTBOX_OUTBOUND_ALLOW: '127.0.0.0/8',
  },
});
const receiver = new PimsReceiver();
let browser: Browser;
let admin: Page;
let desk: Page;
let adminErrors: string[];

beforeAll(async () => {
  await Promise.all([stack.startAll(), receiver.start()]);
  receiver.mode = 'error';
  browser = await launchChromium();
  await createStaffAccount(stack, 'maria', 'Maria Manager', 'admin');
  await createStaffAccount(stack, 'fred', 'Fred Front', 'front-desk');
  expect(
    (await stack.api('POST', '/v1/webhooks', { url: receiver.url, secret: 's3cret-s3cret-s3cret' })).status,
  ).toBe(201);
  admin = await signedInPage(browser, stack, 'maria');
  adminErrors = collectPageErrors(admin);
  desk = await signedInPage(browser, stack, 'fred');
});
afterAll(async () => {
  await browser.close();
  await receiver.close();
  await stack.dispose();
});

async function checked(page: Page, name: string): Promise<void> {
  expect(await seriousAccessibilityViolations(page)).toEqual([]);
  await saveScreenshot(page, name);
}

describe('sign-in', () => {
  it('the form is accessible and says nothing about which usernames exist', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${stack.pluginUrl}/app/agents`);
    expect(page.url()).toContain('/app/sign-in?next=%2Fapp%2Fagents');
    await page.getByLabel('Username').fill('nobody');
    await page.getByLabel('Password').fill('wrong wrong wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const unknown = await page.getByRole('alert').innerText();
    await page.getByLabel('Username').fill('maria');
    await page.getByLabel('Password').fill('wrong wrong wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.getByRole('alert').innerText()).toBe(unknown);
    await checked(page, 'app-sign-in');
    // The refused sign-ins answer 401, which Chromium reports on its console; nothing else may appear.
    expect(errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
    await context.close();
  });
});

describe('agents', () => {
  it('shows the linked agent, and registering one shows its token once with the install command', async () => {
    await admin.getByRole('link', { name: 'Agents' }).click();
    await admin.waitForURL('**/app/agents');
    const row = admin.locator('tr', { hasText: stack.agentId });
    expect(await row.locator('.badge').innerText()).toBe('connected');
    await checked(admin, 'app-agents');
    await admin.getByLabel('Name (the PC it runs on)').fill('Ultrasound PC <b>2</b>');
    await admin.getByLabel('Stations, as AE:MODALITY, comma-separated').fill('US1:us');
    await admin.getByRole('button', { name: 'Register' }).click();
    const status = admin.getByRole('status');
    expect(await status.innerText()).toMatch(/"agentToken": "lbx_agt_[A-Za-z0-9_-]+"/);
    expect(await status.innerText()).toContain('install-service');
    expect(await admin.locator('body').innerText()).toContain('Ultrasound PC <b>2</b>');
    await checked(admin, 'app-agents-registered');
    // Shown once: the list afterwards has the agent, never its token.
    await admin.goto(`${stack.pluginUrl}/app/agents`);
    expect(await admin.locator('body').innerText()).not.toContain('lbx_agt_');
    const list = (await (await stack.api('GET', '/v1/agents')).json()) as { items: { name: string }[] };
    expect(list.items.map((a) => a.name)).toContain('Ultrasound PC <b>2</b>');
  });
});

describe('deliveries', () => {
  it('shows the failing deliveries with their last error', async () => {
    expect((await stack.api('POST', '/v1/orders', order('WH-1'))).status).toBe(201);
    await waitUntil('a failed attempt', () => Promise.resolve(receiver.requests.length >= 2), 15_000);
    await admin.goto(`${stack.pluginUrl}/app/webhooks`);
    expect(await admin.locator('body').innerText()).toContain('order.scheduled');
    expect(await admin.locator('body').innerText()).toMatch(/500/);
    await checked(admin, 'app-webhooks');
  });
});

describe('audit', () => {
  it('names who did what', async () => {
    await admin.goto(`${stack.pluginUrl}/app/audit`);
    const text = await admin.locator('table').innerText();
    expect(text).toMatch(/Maria Manager\s*\(staff\)\s*agent\.registered/);
    expect(text).toContain('staff.signed_in');
    await checked(admin, 'app-audit');
    expect(adminErrors).toEqual([]);
  });
});

describe('roles', () => {
  it('the front desk sees neither Reconcile nor Agents, and the routes behind them answer 403', async () => {
    await desk.goto(`${stack.pluginUrl}/app/orders`);
    const nav = await desk.getByRole('navigation', { name: 'Screens' }).innerText();
    expect(nav).toContain('Imaging board');
    expect(nav).not.toContain('Reconcile');
    expect(nav).not.toContain('Agents');
    const csrf = await desk.locator('input[name="_csrf"]').first().inputValue();
    for (const path of ['/app/agents', '/app/reconcile', '/app/webhooks', '/app/audit']) {
      const res = await desk.goto(`${stack.pluginUrl}${path}`);
      expect(res?.status(), path).toBe(403);
    }
    expect(await desk.locator('h1').innerText()).toBe('Not allowed');
    await checked(desk, 'app-forbidden');
    const before = ((await (await stack.api('GET', '/v1/agents')).json()) as { items: unknown[] }).items
      .length;
    const register = await desk.request.post(`${stack.pluginUrl}/app/agents`, {
      form: { _csrf: csrf, name: 'sneaky', stations: '' },
    });
    expect(register.status()).toBe(403);
    const link = await desk.request.post(`${stack.pluginUrl}/app/reconcile/studies/stu_x/link`, {
      form: { _csrf: csrf, orderId: 'ord_x' },
    });
    expect(link.status()).toBe(403);
    const after = ((await (await stack.api('GET', '/v1/agents')).json()) as { items: unknown[] }).items
      .length;
    expect(after).toBe(before);
  });

  it('an admin registering an agent without the CSRF token is refused; nothing is registered', async () => {
    const before = ((await (await stack.api('GET', '/v1/agents')).json()) as { items: unknown[] }).items
      .length;
    const res = await admin.request.post(`${stack.pluginUrl}/app/agents`, { form: { name: 'no token' } });
    expect(res.status()).toBe(403);
    const after = ((await (await stack.api('GET', '/v1/agents')).json()) as { items: unknown[] }).items
      .length;
    expect(after).toBe(before);
    // A form larger than the limit is refused before it is read.
    const huge = await admin.request.post(`${stack.pluginUrl}/app/agents`, {
      form: { name: 'x'.repeat(200_000) },
    });
    expect(huge.status()).toBe(413);
  });
});

function order(id: string) {
  return {
    pims: { system: 'ezyvet', siteId: 'main' },
    pimsOrderId: id,
    procedure: { code: 'XR', description: 'Thorax', modality: 'DX' },
    patient: { id: `P-${id}`, name: 'Rex', species: 'Canine' },
    client: { lastName: 'Smith' },
  };
}
