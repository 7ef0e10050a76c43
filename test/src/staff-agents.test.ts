import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createClient } from '@libsql/client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/chromium.js';
import { dumpToDicom, findscu } from './support/dcmtk.js';
import { worklistQueryDump } from './support/worklist-query.js';
import { LightboxStack } from './support/lightbox-stack.js';
import { waitUntil } from './support/managed-process.js';
import { collectPageErrors, saveScreenshot, seriousAccessibilityViolations } from './support/page-checks.js';
import { storeStudyImages } from './support/modality-images.js';
import { freePort } from './support/ports.js';
import { StorescpPacs } from './support/storescp-pacs.js';
import { createStaffAccount, signedInPage } from './support/staff-browser.js';

/**
 * The agents page as a field engineer uses it while setting a console up, against the real plugin
 * and agent: `findscu` queries the agent's worklist and the page shows that calling AE title's last
 * query (its keys, how many items it got); a C-ECHO from the page reaches DCMTK's storescp as the
 * PACS, and fails clearly against a console address where nothing listens. The agent reports over
 * the link; nothing here reads its database.
 */
const stack = new LightboxStack({ stations: [{ aeTitle: 'DR1', modality: 'DX' }] });
const pacs = new StorescpPacs(path.join(stack.dir, 'pacs'));
let closedPort = 0;
let browser: Browser;
let tech: Page;
let techErrors: string[];

beforeAll(async () => {
  const pacsPort = await pacs.reservePort();
  closedPort = await freePort();
  stack.opts.agentEnv = {
    LIGHTBOX_FORWARD_PACS: `PACS@127.0.0.1:${pacsPort}`,
    // The console's own address, where Storage Commitment results go: nothing listens there.
    LIGHTBOX_MODALITY_PROFILES: JSON.stringify([
      { aeTitle: 'DR1', modality: 'DX', host: '127.0.0.1', port: closedPort },
    ]),
  };
  await Promise.all([pacs.start(), stack.startAll()]);
  const order = await stack.api('POST', '/v1/orders', {
    pims: { system: 'ezyvet', siteId: 'main' },
    pimsOrderId: 'AGENTS-1',
    procedure: { code: 'XR', description: 'Thorax 2 views', modality: 'DX' },
    scheduled: { at: new Date().toISOString(), stationAeTitle: 'DR1' },
    patient: { id: 'P-AG-1', name: 'Bailey', species: 'Canine' },
    client: { lastName: 'Jones' },
  });
  expect(order.status).toBe(201);
  browser = await launchChromium();
  await createStaffAccount(stack, 'tina', 'Tina Tech', 'technician');
  await createStaffAccount(stack, 'fred', 'Fred Front', 'front-desk');
  tech = await signedInPage(browser, stack, 'tina');
  techErrors = collectPageErrors(tech);
}, 90_000);
afterAll(async () => {
  await browser.close();
  await pacs.stop();
  await stack.dispose();
});

const query = (modality: string) =>
  worklistQueryDump(
    { '(0010,0010) PN': '', '(0010,0020) LO': '' },
    { '(0008,0060) CS': modality, '(0040,0001) AE': 'DR1', '(0040,0002) DA': '' },
  );

async function auditEntries(
  prefix: string,
): Promise<{ action: string; actor: string; detail: Record<string, unknown> }[]> {
  const db = createClient({ url: `file:${stack.pluginDbFile}` });
  try {
    const rows = await db.execute({
      sql: 'SELECT action, actor_name, detail_json FROM audit_log WHERE action LIKE ? ORDER BY id',
      args: [`${prefix}%`],
    });
    return rows.rows.map((r) => ({
      action: r.action as string,
      actor: r.actor_name as string,
      detail: JSON.parse(r.detail_json as string) as Record<string, unknown>,
    }));
  } finally {
    db.close();
  }
}

async function views(page: Page, name: string): Promise<void> {
  expect(await seriousAccessibilityViolations(page)).toEqual([]);
  for (const width of [1440, 360]) {
    await page.setViewportSize({ width, height: 900 });
    await saveScreenshot(page, `${name}-${width}`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

describe('agents page for a field engineer', () => {
  it('shows each calling AE title’s last worklist query with its keys and how many items it got', async () => {
    const dx = await dumpToDicom(query('DX'));
    await waitUntil(
      'the order in the worklist',
      async () =>
        (await findscu({ port: stack.dicomPort, queryFiles: [dx], callingAe: 'DR1' })).responses.length === 1,
      15_000,
      200,
    );
    // A second console, with a hostile AE title, asks for a modality nobody has.
    const us = await findscu({
      port: stack.dicomPort,
      queryFiles: [await dumpToDicom(query('US'))],
      callingAe: '<i>US9</i>',
    });
    expect(us.responses).toHaveLength(0);

    // Two images from the console: the spool holds them, the PACS gets them.
    const images = path.join(stack.dir, 'images');
    mkdirSync(images, { recursive: true });
    const sent = await storeStudyImages(stack.dicomPort, images, {
      studyInstanceUid: `1.2.826.0.1.3680043.10.543.${Date.now()}`,
      patientId: 'P-AG-1',
    });
    expect(sent).toEqual(['Success', 'Success']);

    const row = (ae: string) => tech.locator(`tr[data-calling-ae="${ae}"]`);
    const agentRow = tech.locator('tr', { hasText: stack.agentId });
    await waitUntil(
      'both queries reported',
      async () => {
        await tech.goto(`${stack.pluginUrl}/app/agents`);
        return (
          (await row('DR1').count()) === 1 &&
          (await row('<i>US9</i>').count()) === 1 &&
          /spool [\d.]+ MiB in 2 files/.test(await agentRow.innerText())
        );
      },
      20_000,
      500,
    );
    const dr1 = await row('DR1').innerText();
    expect(dr1).toMatch(/ScheduledProcedureStepSequence>Modality\s*=\s*DX/);
    expect(dr1).toMatch(/ScheduledProcedureStepSequence>ScheduledStationAETitle\s*=\s*DR1/);
    expect(dr1).toMatch(/\b1 matched\b/);
    expect(dr1).toMatch(/\b6 keys asked for\b/);
    expect(dr1).toContain('success');
    const hostile = row('<i>US9</i>');
    expect(await hostile.innerText()).toMatch(/<i>US9<\/i>[\s\S]*Modality\s*=\s*US[\s\S]*\b0 matched\b/);
    expect(await hostile.locator('i').count()).toBe(0);

    // The queues, spool and disk as the agent reported them: a forwarding queue because a PACS is set.
    const facts = await agentRow.innerText();
    expect(facts).toMatch(/outbox \(to plugin\): \d+/);
    expect(facts).toMatch(/delivery: \d+/);
    expect(facts).toMatch(/forwarding: \d+/);
    expect(facts).toMatch(/spool [\d.]+ MiB in 2 files/);
    expect(facts).toMatch(/[\d.]+ GiB free/);
    await views(tech, 'app-agents-queries');
  });

  it('sends a C-ECHO from the page: the PACS answers, a console that is not listening fails clearly', async () => {
    await tech.goto(`${stack.pluginUrl}/app/agents`);
    const section = tech.getByRole('region', { name: /worklist queries and C-ECHO/ });
    const peer = section.getByLabel('Peer');
    await peer.selectOption({ label: `PACS: PACS at 127.0.0.1:${pacs.port}` });
    await Promise.all([
      tech.waitForURL('**/app/agents#echo-*'),
      section.getByRole('button', { name: 'Send C-ECHO' }).click(),
    ]);
    const ok = await tech.locator('.echo-result').innerText();
    expect(ok).toMatch(
      new RegExp(`C-ECHO to PACS at 127\\.0\\.0\\.1:${pacs.port}: succeeded, round trip \\d+ ms`),
    );
    expect(ok).toContain('asked by Tina Tech');

    await tech.getByLabel('Peer').selectOption({ label: `console: DR1 at 127.0.0.1:${closedPort}` });
    await Promise.all([
      tech.waitForURL('**/app/agents#echo-*'),
      tech.getByRole('button', { name: 'Send C-ECHO' }).click(),
    ]);
    const failed = await tech.locator('.echo-result').innerText();
    expect(failed).toMatch(
      new RegExp(`C-ECHO to DR1 at 127\\.0\\.0\\.1:${closedPort}: failed — ECONNREFUSED`),
    );
    await views(tech, 'app-agents-echo');

    const audit = await auditEntries('agent.echo');
    expect(audit.map((a) => `${a.action} ${a.actor} ${String(a.detail.target)}`)).toEqual([
      'agent.echo_requested Tina Tech pacs',
      'agent.echo_succeeded Tina Tech pacs',
      'agent.echo_requested Tina Tech station:DR1',
      'agent.echo_failed Tina Tech station:DR1',
    ]);
    expect(audit[1]!.detail.ms).toEqual(expect.any(Number));
    expect(audit[3]!.detail.error).toBe('ECONNREFUSED');
    expect(techErrors).toEqual([]);
  });

  it('refuses the C-ECHO to the front desk, to a form without its CSRF token, and to a made-up peer', async () => {
    const before = (await auditEntries('agent.echo')).length;
    const desk = await signedInPage(browser, stack, 'fred');
    const denied = await desk.request.post(`${stack.pluginUrl}/app/agents/${stack.agentId}/echo`, {
      form: { target: 'pacs' },
    });
    expect(denied.status()).toBe(403);
    const noToken = await tech.request.post(`${stack.pluginUrl}/app/agents/${stack.agentId}/echo`, {
      form: { target: 'pacs' },
    });
    expect(noToken.status()).toBe(403);
    await tech.goto(`${stack.pluginUrl}/app/agents`);
    const csrf = await tech.locator('input[name="_csrf"]').first().inputValue();
    const madeUp = await tech.request.post(`${stack.pluginUrl}/app/agents/${stack.agentId}/echo`, {
      form: { _csrf: csrf, target: 'station:10.0.0.1' },
    });
    expect(madeUp.status()).toBe(422);
    expect(await madeUp.text()).toContain('no such echo target');
    expect((await auditEntries('agent.echo')).length).toBe(before);
    await desk.context().close();
  });
});
