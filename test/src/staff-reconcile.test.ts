import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from '@libsql/client';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { writeSyntheticImage } from '@lightbox/agent/test-support';
import { launchChromium } from './support/chromium.js';
import { LightboxStack } from './support/lightbox-stack.js';
import { waitUntil } from './support/managed-process.js';
import { collectPageErrors, saveScreenshot, seriousAccessibilityViolations } from './support/page-checks.js';
import { PimsReceiver } from './support/pims-receiver.js';
import { storescu } from './support/storage-peers.js';
import { createStaffAccount, signedInPage } from './support/staff-browser.js';

/**
 * The daily repair, with every part real: DCMTK's storescu sends a study that no order claims
 * (the console got the patient ID wrong), it waits in the reconciliation queue, a technician signs
 * in with Chromium and links it, the order completes, the PIMS's webhook receiver hears
 * `order.completed`, and the audit log names the technician.
 */
const stack = new LightboxStack({
  pluginEnv: { LIGHTBOX_STUDY_QUIET_MS: '500', LIGHTBOX_OUTBOUND_ALLOW: '127.0.0.0/8' },
});
const receiver = new PimsReceiver();
const dir = mkdtempSync(path.join(tmpdir(), 'lightbox-reconcile-'));
let browser: Browser;

beforeAll(async () => {
  await Promise.all([stack.startAll(), receiver.start()]);
  browser = await launchChromium();
  const res = await stack.api('POST', '/v1/webhooks', {
    url: receiver.url,
    secret: 'reconcile-secret-0123456789',
  });
  expect(res.status).toBe(201);
  await createStaffAccount(stack, 'anna', 'Anna Berg', 'technician');
});
afterAll(async () => {
  await browser.close();
  await receiver.close();
  await stack.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const dxImage = (identity: Record<string, string>) => ({
  rows: 200,
  columns: 260,
  bitsAllocated: 16 as const,
  photometric: 'MONOCHROME2' as const,
  modality: 'DX',
  sopClassUid: '1.2.840.10008.5.1.4.1.1.1.1',
  pixel: (x: number, y: number) => ((x + y) % 64 < 32 ? 600 : 3400),
  window: { center: 2000, width: 4000 },
  identity,
});

it('a study no order claims is linked by a technician in the browser; the PIMS hears order.completed', async () => {
  const created = await stack.api('POST', '/v1/orders', {
    pims: { system: 'ezyvet', siteId: 'main' },
    pimsOrderId: 'INV-BAILEY-1',
    procedure: { code: 'XR-THX', description: 'Thorax 2 views', modality: 'DX' },
    scheduled: { at: new Date().toISOString() },
    patient: { id: 'P-BAILEY', name: 'Bailey', species: 'Canine' },
    client: { id: 'C9', lastName: 'Jones' },
  });
  expect(created.status).toBe(201);
  const order = (await created.json()) as { orderId: string; accessionNumber: string };

  // The console had no worklist: the technician typed the name, and a wrong patient ID.
  const baileyStudy = `2.25.${Date.now()}${process.pid}`;
  const today = new Date().toISOString().slice(0, 10).replace(/-/g, '');
  const files = await Promise.all(
    [1, 2].map((i) =>
      writeSyntheticImage(
        dir,
        `bailey-${i}`,
        dxImage({
          studyInstanceUid: baileyStudy,
          patientName: 'JONES^BAILEY',
          patientId: 'BAILY',
          studyDate: today,
        }),
      ),
    ),
  );
  // A second stray study whose name is markup: it must show as text.
  const hostile = await writeSyntheticImage(
    dir,
    'hostile',
    dxImage({
      studyInstanceUid: `${baileyStudy}.9`,
      patientName: '<img src=x onerror=alert(1)>^Rex',
      patientId: "1' OR '1'='1",
      studyDate: today,
    }),
  );
  const sent = await storescu({ port: stack.dicomPort, files: [...files, hostile] });
  expect(sent.responses).toEqual(['Success', 'Success', 'Success']);
  await waitUntil(
    'two unmatched studies',
    async () => {
      const list = (await (await stack.api('GET', '/v1/studies?status=unmatched')).json()) as {
        items: unknown[];
      };
      return list.items.length === 2;
    },
    30_000,
  );

  const page = await signedInPage(browser, stack, 'anna');
  const errors = collectPageErrors(page);
  let dialogs = 0;
  page.on('dialog', (d) => {
    dialogs += 1;
    void d.dismiss();
  });
  await page.getByRole('link', { name: 'Reconcile' }).click();
  await page.waitForURL('**/app/reconcile');
  const card = page.locator('article', { hasText: `Order ${order.accessionNumber}` });
  await expect.poll(() => card.count()).toBe(1);
  // The modality's patient ID differs from the order's and says so in words; the name agrees.
  await expect.poll(() => card.locator('tr.differs th').first().innerText()).toContain('Patient ID');
  expect(await card.locator('tr', { hasText: 'Patient name' }).getAttribute('class')).toBeNull();
  expect(await card.locator('.thumbs img').count()).toBe(2);
  expect(await page.locator('body').innerText()).toContain('<img src=x onerror=alert(1)>^Rex');
  expect(await seriousAccessibilityViolations(page)).toEqual([]);
  await saveScreenshot(page, 'app-reconcile');

  await card.getByRole('button', { name: `Link to ${order.accessionNumber}` }).click();
  await page.waitForURL('**/app/reconcile?linked=*');
  expect(await page.getByRole('status').innerText()).toContain(order.accessionNumber);
  await saveScreenshot(page, 'app-reconcile-linked');

  const completed = await waitUntil(
    'order.completed at the PIMS',
    () =>
      Promise.resolve(
        receiver.accepted
          .map((d) => JSON.parse(d.body) as { type: string; data: { orderId: string; reason?: string } })
          .find((e) => e.type === 'order.completed' && e.data.orderId === order.orderId),
      ),
    10_000,
  );
  expect(completed.data.reason).toBe('manual');
  const view = (await (await stack.api('GET', `/v1/orders/${order.orderId}`)).json()) as { status: string };
  expect(view.status).toBe('completed');

  const db = createClient({ url: `file:${stack.pluginDbFile}` });
  const audit = await db.execute(
    "SELECT actor_type, actor_name, detail_json FROM audit_log WHERE action = 'study.linked'",
  );
  db.close();
  expect(audit.rows).toHaveLength(1);
  expect(audit.rows[0]).toMatchObject({ actor_type: 'staff', actor_name: 'Anna Berg' });
  expect(JSON.parse(audit.rows[0]!.detail_json as string)).toEqual({
    orderId: order.orderId,
    orderCompleted: true,
  });
  expect(dialogs).toBe(0);
  expect(errors).toEqual([]);
  await page.context().close();
});
