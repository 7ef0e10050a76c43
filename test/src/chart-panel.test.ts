import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from '@libsql/client';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticImage } from '@lightbox/agent/test-support';
import { hashSecret } from '@lightbox/pims-plugin/sites/secret-hash';
import { SOP } from './fixtures/storage-corpus.js';
import { chromiumExecutable, launchChromium } from './support/chromium.js';
import { LightboxStack } from './support/lightbox-stack.js';
import { waitUntil } from './support/managed-process.js';
import { collectPageErrors, saveScreenshot, seriousAccessibilityViolations } from './support/page-checks.js';
import { freePort } from './support/ports.js';
import { storescu } from './support/storage-peers.js';

/**
 * The chart panel and its viewer with real processes: orders made through the API, images sent by
 * DCMTK's storescu to a real agent, rendered there and carried to the plugin, the pages driven in
 * Debian's Chromium — alone, and inside an iframe of another local origin with third-party cookies
 * blocked. The CT has 200 slices of 64 × 64 (small slices keep the agent's rendering short here).
 */
const PATIENT = 'P-CHART';
const CT_SLICES = 200;
const SITE_B_KEY = 'lbx_key_site_b_0123456789abcdefghijklmnop';
const framePort = await freePort();
const FRAME_ORIGIN = `http://localhost:${framePort}`;
const stack = new LightboxStack({
  pluginEnv: {
    LIGHTBOX_PIMS_ORIGINS: FRAME_ORIGIN,
    LIGHTBOX_TIMEZONE: 'Europe/Berlin',
    LIGHTBOX_STUDY_QUIET_MS: '1500',
    LIGHTBOX_NO_MPPS_COMPLETE_MS: '3600000',
  },
});
const dir = mkdtempSync(path.join(tmpdir(), 'lightbox-panel-'));
let browser: Browser;
const openPages: Page[] = [];
let frameServer: Server;
let framedUrl = '';

interface Made {
  orderId: string;
  studyInstanceUid: string;
}

async function order(key: string, modality: string, description: string, bodyPart: string): Promise<Made> {
  const res = await stack.api('POST', '/v1/orders', {
    pims: { system: 'ezyvet', siteId: 'main' },
    pimsOrderId: `PANEL-${key}`,
    procedure: { code: `${modality}-1`, description, modality, bodyPart },
    patient: { id: PATIENT, name: 'Bella <b>', species: 'Canine' },
    client: { lastName: 'Keller' },
  });
  expect(res.status).toBe(201);
  return (await res.json()) as Made;
}

async function embedLink(body: Record<string, unknown>, key?: string): Promise<string> {
  const res = await stack.api('POST', '/v1/embed-links', body, key);
  expect(res.status).toBe(201);
  return ((await res.json()) as { url: string }).url;
}

/** The grey window test: four quadrants of known stored values, and windows named after them. */
const QUADRANTS = [100, 1500, 2200, 4095];
const WL = { columns: 200, rows: 160 };
const quadrantOf = (x: number, y: number) => (y < WL.rows / 2 ? 0 : 2) + (x < WL.columns / 2 ? 0 : 1);
/** DICOM PS3.3 C.11.2.1.2.1, written here from the standard, not taken from the viewer. */
function expectedGrey(value: number, center: number, width: number): number {
  if (value <= center - 0.5 - (width - 1) / 2) return 0;
  if (value > center - 0.5 + (width - 1) / 2) return 255;
  return ((value - (center - 0.5)) / (width - 1) + 0.5) * 255;
}
/** The measurement image: 2000 × 1600 at 0.1 mm, a 100-pixel marker across its middle. */
const MEASURE = { columns: 2000, rows: 1600, markerFrom: 950, markerTo: 1050, y: 800 };

let dx: Made;
let us: Made;
let ct: Made;
let planned: Made;

beforeAll(async () => {
  await stack.startAll();
  browser = await launchChromium();
  dx = await order('DX', 'DX', 'Thorax, three views', 'THORAX');
  us = await order('US', 'US', 'Abdominal ultrasound', 'ABDOMEN');
  ct = await order('CT', 'CT', 'Head CT', 'HEAD');
  planned = await order('LATER', 'DX', 'Follow-up radiograph', 'THORAX');
  const who = (m: Made, n: number, studyDate: string) => ({
    studyInstanceUid: m.studyInstanceUid,
    seriesInstanceUid: `${m.studyInstanceUid}.1`,
    sopInstanceUid: `${m.studyInstanceUid}.1.${n}`,
    patientId: PATIENT,
    studyDate,
  });
  const files = [
    await writeSyntheticImage(dir, 'dx-wl', {
      ...WL,
      bitsAllocated: 16,
      bitsStored: 12,
      photometric: 'MONOCHROME2',
      pixel: (x, y) => QUADRANTS[quadrantOf(x, y)]!,
      windows: [
        { center: 2048, width: 4096, explanation: 'FULL' },
        { center: 1000, width: 200, explanation: 'LOW' },
        { center: 2200, width: 200, explanation: 'HIGH' },
      ],
      sopClassUid: SOP.dx,
      modality: 'DX',
      identity: who(dx, 1, '20261101'),
    }),
    await writeSyntheticImage(dir, 'dx-measure', {
      rows: MEASURE.rows,
      columns: MEASURE.columns,
      bitsAllocated: 16,
      bitsStored: 12,
      photometric: 'MONOCHROME2',
      pixel: (x, y) =>
        x >= MEASURE.markerFrom && x < MEASURE.markerTo && Math.abs(y - MEASURE.y) < 6 ? 4000 : 600,
      window: { center: 2048, width: 4096 },
      imagerPixelSpacing: [0.1, 0.1],
      sopClassUid: SOP.dx,
      modality: 'DX',
      identity: who(dx, 2, '20261101'),
    }),
    await writeSyntheticImage(dir, 'dx-3', {
      rows: 120,
      columns: 100,
      bitsAllocated: 16,
      bitsStored: 12,
      photometric: 'MONOCHROME1',
      pixel: (x) => x * 40,
      sopClassUid: SOP.dx,
      modality: 'DX',
      identity: who(dx, 3, '20261101'),
    }),
    await writeSyntheticImage(dir, 'us-cine', {
      rows: 120,
      columns: 160,
      frames: 12,
      bitsAllocated: 8,
      photometric: 'RGB',
      pixel: (x, _y, f) => [(x + f * 10) & 0xff, 40, 40],
      sopClassUid: SOP.usMultiframe,
      modality: 'US',
      identity: who(us, 1, '20261115'),
    }),
  ];
  for (let n = 0; n < CT_SLICES; n++) {
    files.push(
      await writeSyntheticImage(dir, `ct-${n}`, {
        rows: 64,
        columns: 64,
        bitsAllocated: 16,
        bitsStored: 16,
        signed: true,
        photometric: 'MONOCHROME2',
        pixel: (x, y) => (Math.hypot(x - 32, y - 32) < 10 + (n % 20) ? 1064 : 0),
        rescale: { slope: 1, intercept: -1024 },
        pixelSpacing: [0.5, 0.5],
        sopClassUid: SOP.ct,
        modality: 'CT',
        identity: who(ct, n + 1, '20261120'),
      }),
    );
  }
  expect((await storescu({ port: stack.dicomPort, files })).ok).toBe(true);
  await waitUntil(
    'every image filed',
    async () => {
      const counts = await Promise.all(
        [dx, us, ct].map(async (m) => {
          const o = (await (await stack.api('GET', `/v1/orders/${m.orderId}`)).json()) as {
            studies: { instanceCount: number }[];
          };
          return o.studies[0]?.instanceCount ?? 0;
        }),
      );
      return counts.join() === `3,1,${CT_SLICES}`;
    },
    120_000,
  );
  expect((await stack.api('POST', `/v1/orders/${dx.orderId}/complete`, { note: 'read' })).status).toBe(200);

  // Another origin of this machine that frames the panel, as a PIMS page would.
  frameServer = createServer((req, res) => {
    const target = new URL(req.url ?? '/', FRAME_ORIGIN).searchParams.get('src') ?? '';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><html lang="en"><title>PIMS record</title><h1>Patient record</h1>` +
        `<iframe title="Imaging" src="${target.replace(/"/g, '&quot;')}" style="width:420px;height:700px"></iframe></html>`,
    );
  });
  await new Promise<void>((r) => frameServer.listen(framePort, '127.0.0.1', r));
}, 240_000);

afterEach(async () => {
  // A failed test leaves its page open; a page in the background could draw late for the next one.
  for (const p of openPages.splice(0)) await p.close().catch(() => undefined);
});

afterAll(async () => {
  await browser.close();
  frameServer.close();
  await stack.dispose();
  rmSync(dir, { recursive: true, force: true });
});

async function openPanel(width: number, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const errors = collectPageErrors(page);
  const res = await page.goto(url);
  expect(res?.status()).toBe(200);
  return { page, errors };
}

describe('the chart panel', () => {
  it('lists the studies newest first with their counts, statuses and thumbnails, at 360 and 1440 px', async () => {
    const url = await embedLink({ pimsPatientId: PATIENT, user: { id: 'U1', name: 'Dr Vet' } });
    const { page, errors } = await openPanel(1440, url);
    const res = await page.request.get(url);
    expect(res.headers()['referrer-policy']).toBe('no-referrer');
    expect(res.headers()['content-security-policy']).toContain(`frame-ancestors ${FRAME_ORIGIN}`);
    expect(res.headers()['set-cookie']).toBeUndefined();
    const cards = page.locator('article.study');
    await expect.poll(() => cards.count()).toBe(4);
    const texts = await cards.allInnerTexts();
    // Newest first: the planned order (scheduled for now), the CT, the ultrasound, the radiographs.
    expect(texts[0]).toMatch(/Follow-up radiograph[\s\S]*Scheduled[\s\S]*0 images/);
    expect(texts[1]).toMatch(/Head CT[\s\S]*In progress[\s\S]*CT[\s\S]*HEAD[\s\S]*200 images/);
    expect(texts[2]).toMatch(/Abdominal ultrasound[\s\S]*In progress[\s\S]*US[\s\S]*1 image\b/);
    expect(texts[3]).toMatch(/Thorax, three views[\s\S]*Completed[\s\S]*DX[\s\S]*3 images/);
    // Days on the site's clock (Europe/Berlin), from the studies' own dates.
    const days = await page.locator('section.day h2').allInnerTexts();
    expect(days.slice(1)).toEqual(['Fri, 20 Nov 2026', 'Sun, 15 Nov 2026', 'Sun, 1 Nov 2026']);
    // The pet's name is text, never markup.
    expect(await page.locator('.patient').innerText()).toBe('Bella <b> · Canine');
    // Thumbnails: the newest study's row comes with the page, the others lazily; all loaded once in
    // view; the CT stands as one tile of 200.
    const imgs = page.locator('.tiles img');
    expect(await imgs.count()).toBe(1 + 1 + 3);
    expect(await imgs.first().getAttribute('loading')).toBe('eager');
    expect(await imgs.nth(1).getAttribute('loading')).toBe('lazy');
    expect(await imgs.last().getAttribute('loading')).toBe('lazy');
    // To the bottom of the page, where the last row is: the list may be redrawn meanwhile (the
    // panel refreshes it when a study stops arriving), so no element is held across the scroll.
    await page.evaluate('window.scrollTo(0, document.body.scrollHeight)');
    await expect
      .poll(() =>
        imgs.evaluateAll((els) =>
          els.every((e) => (e as unknown as { naturalWidth: number }).naturalWidth > 0),
        ),
      )
      .toBe(true);
    expect(await page.locator('.tile-count').allInnerTexts()).toEqual(['200']);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await saveScreenshot(page, 'panel-1440');
    await page.setViewportSize({ width: 360, height: 800 });
    const overflow: number = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await saveScreenshot(page, 'panel-360');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('works inside an iframe of another local origin with third-party cookies blocked', async () => {
    const url = await embedLink({ pimsPatientId: PATIENT });
    const strict = await chromium.launch({
      executablePath: chromiumExecutable(),
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--test-third-party-cookie-phaseout',
      ],
    });
    try {
      const page = await strict.newPage({ viewport: { width: 900, height: 900 } });
      const errors = collectPageErrors(page);
      framedUrl = `${FRAME_ORIGIN}/record?src=${encodeURIComponent(url)}`;
      await page.goto(framedUrl);
      const frame = page.frameLocator('iframe');
      await expect.poll(() => frame.locator('article.study').count(), { timeout: 10_000 }).toBe(4);
      await expect
        .poll(() =>
          frame
            .locator('.tiles img')
            .first()
            .evaluate((e) => (e as unknown as { naturalWidth: number }).naturalWidth),
        )
        .toBeGreaterThan(0);
      // Into the viewer and back, all inside the frame.
      await frame.locator('.tiles a').first().click();
      await expect.poll(() => frame.locator('.pane .pos').innerText()).toMatch(/Image \d+ of/);
      await saveScreenshot(page, 'panel-in-iframe');
      expect(errors).toEqual([]);
      // The same page on an origin that is not configured: the browser refuses to frame the panel.
      const other = await strict.newPage();
      await other.goto(`http://127.0.0.1:${framePort}/record?src=${encodeURIComponent(url)}`);
      await other.waitForTimeout(1_500);
      expect(await other.frameLocator('iframe').locator('article.study').count()).toBe(0);
      await page.close();
      await other.close();
    } finally {
      await strict.close();
    }
  });

  it('shows a study that arrives while it is open within 2 s', async () => {
    const url = await embedLink({ pimsPatientId: PATIENT });
    const { page } = await openPanel(1024, url);
    const cards = page.locator('article.study');
    await expect.poll(() => cards.count()).toBe(4);
    // Let the stream open before the images come.
    await page.waitForTimeout(700);
    const file = await writeSyntheticImage(dir, 'late', {
      rows: 64,
      columns: 64,
      bitsAllocated: 16,
      bitsStored: 12,
      photometric: 'MONOCHROME2',
      pixel: (x) => x * 50,
      sopClassUid: SOP.dx,
      modality: 'DX',
      identity: {
        studyInstanceUid: planned.studyInstanceUid,
        sopInstanceUid: `${planned.studyInstanceUid}.9.1`,
        patientId: PATIENT,
      },
    });
    // Arrival is when the plugin has the image (the agent's rendering and the link come before);
    // the panel must show it within 2 s of that.
    let arrivedAt = 0;
    const arrival = (async () => {
      while (!arrivedAt) {
        const o = (await (await stack.api('GET', `/v1/orders/${planned.orderId}`)).json()) as {
          studies: { instanceCount: number }[];
        };
        if ((o.studies[0]?.instanceCount ?? 0) >= 1) arrivedAt = Date.now();
        else await new Promise((r) => setTimeout(r, 25));
      }
    })();
    expect((await storescu({ port: stack.dicomPort, files: [file] })).ok).toBe(true);
    await expect
      .poll(() => cards.first().innerText(), { timeout: 15_000, interval: 50 })
      .toMatch(/Follow-up radiograph[\s\S]*1 image\b/);
    const seenAt = Date.now();
    await arrival;
    expect(seenAt - arrivedAt).toBeLessThanOrEqual(2_000);
    expect(await cards.first().innerText()).toMatch(/Images still arriving|In progress/);
    expect(await page.locator('#live').innerText()).not.toBe('');
    // Its image opens in the viewer.
    await cards.first().locator('.tiles a').first().click();
    await expect.poll(() => page.locator('.pane canvas').getAttribute('data-view')).not.toBeNull();
    await page.close();
  });
});

describe('refused links', () => {
  it('answer tampered, other-patient, other-site and expired links with 403 and nothing of the patient', async () => {
    const expiring = await embedLink({ pimsPatientId: PATIENT, ttlSeconds: 30 });
    const made = Date.now();
    const good = await embedLink({ pimsPatientId: PATIENT });
    const u = new URL(good);
    const token = u.searchParams.get('token')!;
    const [payload, signature] = token.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const reSigned = (c: Record<string, unknown>) =>
      `${Buffer.from(JSON.stringify(c)).toString('base64url')}.${signature}`;

    // Site B: another practice on the same plugin, with its own key, and the same patient id.
    const db = createClient({ url: `file:${stack.pluginDbFile}` });
    await db.execute({ sql: "insert into sites (id, name) values ('site-b', 'B')", args: [] });
    await db.execute({
      sql: "insert into api_keys (id, site_id, key_hash, label) values ('key_b', 'site-b', ?, 'test')",
      args: [hashSecret(SITE_B_KEY)],
    });
    db.close();
    const siteB = await embedLink({ pimsPatientId: PATIENT }, SITE_B_KEY);
    const siteBToken = new URL(siteB).searchParams.get('token')!;
    const siteBPayload = JSON.parse(Buffer.from(siteBToken.split('.')[0]!, 'base64url').toString()) as Record<
      string,
      unknown
    >;

    const panelOf = (t: string, patient = PATIENT) =>
      `${stack.pluginUrl}/embed/patients/${encodeURIComponent(patient)}/imaging?token=${encodeURIComponent(t)}`;
    const bad = [
      panelOf(token, 'P-OTHER'),
      panelOf(reSigned({ ...claims, p: 'P-OTHER' }), 'P-OTHER'),
      panelOf(reSigned({ ...claims, e: (claims.e as number) + 3600 })),
      panelOf(`${payload}.${signature.slice(0, -2)}xx`),
      // Site B's token claiming site A.
      panelOf(
        `${Buffer.from(JSON.stringify({ ...siteBPayload, s: 'default' })).toString('base64url')}.${siteBToken.split('.')[1]}`,
      ),
      panelOf('x'.repeat(5000)),
      `${u.origin}${u.pathname}`,
    ];
    const bodies = new Set<string>();
    for (const url of bad) {
      const res = await fetch(url);
      expect(res.status, url).toBe(403);
      const body = await res.text();
      expect(body).not.toMatch(/P-CHART|Bella|Keller|Head CT|Thorax/);
      bodies.add(body);
    }
    expect(bodies.size).toBe(1);

    // Site B's own link for the same patient id shows its own (empty) panel: nothing of site A.
    const bPanel = await fetch(siteB);
    expect(bPanel.status).toBe(200);
    const bBody = await bPanel.text();
    expect(bBody).toContain('No imaging for this patient yet');
    expect(bBody).not.toMatch(/Bella|Head CT|\/media\//);

    // Site A's media: its URLs serve, and turned into site B's (or with B's key rotated in) do not.
    const aBody = await (await fetch(good)).text();
    const mediaPath = new URL(/src="([^"]*\/media\/[^"]+)"/.exec(aBody)![1]!).pathname;
    expect((await fetch(`${stack.pluginUrl}${mediaPath}`)).status).toBe(200);
    const asB = mediaPath.replace(/^\/media\/default\//, '/media/site-b/');
    expect((await fetch(`${stack.pluginUrl}${asB}`)).status).toBe(403);
    const sha = /([0-9a-f]{64}\.jpg)$/.exec(mediaPath)![1]!;
    expect((await fetch(`${stack.pluginUrl}/media/${sha}`)).status).toBe(403);

    // The 30-second link, once expired.
    await new Promise((r) => setTimeout(r, Math.max(0, made + 31_000 - Date.now())));
    const expired = await fetch(expiring);
    expect(expired.status).toBe(403);
    expect(await expired.text()).not.toMatch(/P-CHART|Bella/);
  }, 60_000);
});

describe('the viewer', () => {
  async function openViewer(): Promise<{ page: Page; errors: string[] }> {
    const url = await embedLink({ pimsPatientId: PATIENT });
    const { page, errors } = await openPanel(1440, url);
    await page
      .locator('article.study', { hasText: 'Thorax, three views' })
      .locator('.tiles a')
      .first()
      .click();
    await expect
      .poll(() => page.locator('.pane canvas').first().getAttribute('data-view'), { timeout: 20_000 })
      .not.toBeNull();
    return { page, errors };
  }

  /** Canvas pixels (CSS px, device ratio 1) of image point (x, y), the centre of that image pixel. */
  async function greyAt(page: Page, points: { x: number; y: number }[]): Promise<number[]> {
    return page
      .locator('.pane canvas')
      .first()
      .evaluate((canvas, pts) => {
        const c = canvas as unknown as {
          dataset: { view: string };
          getContext(kind: '2d'): {
            getImageData(x: number, y: number, w: number, h: number): { data: number[] };
          };
        };
        const v = JSON.parse(c.dataset.view) as { scale: number; x: number; y: number; ratio: number };
        const ctx = c.getContext('2d');
        return pts.map((p) => {
          const cx = Math.floor((v.x + (p.x + 0.5) * v.scale) * v.ratio);
          const cy = Math.floor((v.y + (p.y + 0.5) * v.scale) * v.ratio);
          return ctx.getImageData(cx, cy, 1, 1).data[0]!;
        });
      }, points);
  }

  it('windows the stored values: regions turn black or white exactly where their values say', async () => {
    const { page, errors } = await openViewer();
    // The window the agent drew the preview with, as the image opens.
    await expect.poll(() => page.locator('.pane .wl').innerText()).toMatch(/^Window C -?\d+ W \d+$/);
    const opened = await page.locator('.pane .wl').innerText();
    const [c0, w0] = /C (-?\d+) W (\d+)/.exec(opened)!.slice(1).map(Number) as [number, number];
    // Every fourth image pixel of the image, away from the quadrant borders.
    const points: { x: number; y: number }[] = [];
    for (let y = 2; y < WL.rows; y += 4)
      for (let x = 2; x < WL.columns; x += 4)
        if (Math.abs(x - WL.columns / 2) > 1 && Math.abs(y - WL.rows / 2) > 1) points.push({ x, y });
    const check = async (center: number, width: number) => {
      const greys = await greyAt(page, points);
      greys.forEach((g, i) => {
        const want = expectedGrey(QUADRANTS[quadrantOf(points[i]!.x, points[i]!.y)]!, center, width);
        expect(
          Math.abs(g - want),
          `(${points[i]!.x}, ${points[i]!.y}) at C ${center} W ${width}`,
        ).toBeLessThanOrEqual(1);
      });
      return greys;
    };
    await check(c0, w0);
    await page.selectOption('.pane [data-act=preset]', { label: 'FULL (C 2048 W 4096)' });
    await page.waitForTimeout(100);
    await check(2048, 4096);
    await page.selectOption('.pane [data-act=preset]', { label: 'LOW (C 1000 W 200)' });
    await expect.poll(() => page.locator('.pane .wl').innerText()).toBe('Window C 1000 W 200');
    await page.waitForTimeout(100);
    const low = await check(1000, 200);
    await page.selectOption('.pane [data-act=preset]', { label: 'HIGH (C 2200 W 200)' });
    await page.waitForTimeout(100);
    const high = await check(2200, 200);
    // The 1500 quadrant (top right) is white under LOW and black under HIGH.
    const topRight = points.findIndex((p) => quadrantOf(p.x, p.y) === 1);
    expect([low[topRight], high[topRight]]).toEqual([255, 0]);
    // Dragging changes the window; Reset brings the image's own back.
    const box = (await page.locator('.pane canvas').first().boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 80, box.y + box.height / 2 + 40, { steps: 5 });
    await page.mouse.up();
    expect(await page.locator('.pane .wl').innerText()).not.toBe('Window C 2200 W 200');
    await page.click('.pane [data-act=reset]');
    await page.waitForTimeout(100);
    expect(await page.locator('.pane .wl').innerText()).toBe(opened);
    await check(c0, w0);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await saveScreenshot(page, 'viewer');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('measures a 100-pixel marker at Imager Pixel Spacing 0.1 mm as 10.0 mm', async () => {
    const { page } = await openViewer();
    const canvas = page.locator('.pane canvas').first();
    await canvas.focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.locator('.pane .pos').innerText()).toMatch(/^Image 2 of 3/);
    await expect.poll(() => canvas.getAttribute('data-view')).toMatch(/"scale":0\.[0-9]/);
    for (let i = 0; i < 6; i++) await page.keyboard.press('+');
    await page.waitForTimeout(200);
    await page.check('.pane input[value=measure]');
    // The rendition is the preview's size: 1024 wide for the 2000-column image.
    const { scale, x, y } = JSON.parse((await canvas.getAttribute('data-view'))!) as Record<string, number>;
    const r = 1024 / MEASURE.columns;
    const box = (await canvas.boundingBox())!;
    const at = (ix: number) => ({ x: box.x + x! + ix * r * scale!, y: box.y + y! + MEASURE.y * r * scale! });
    const a = at(MEASURE.markerFrom);
    const b = at(MEASURE.markerTo);
    await page.mouse.move(a.x, a.y);
    await page.mouse.down();
    await page.mouse.move(b.x, b.y, { steps: 8 });
    await page.mouse.up();
    const text = await page.locator('.pane .measure').innerText();
    const mm = Number(/([\d.]+) mm/.exec(text)![1]);
    expect(Math.abs(mm - 10)).toBeLessThanOrEqual(0.2);
    expect(text).toContain('at detector');
    await saveScreenshot(page, 'viewer-measure');
    await page.close();
  });

  it('is usable by keyboard alone: images, series, frames, zoom, presets and reset', async () => {
    const url = await embedLink({ pimsPatientId: PATIENT });
    const { page, errors } = await openPanel(1280, url);
    // Tab from the top of the panel to the CT's tile and open it with Enter.
    const ctTile = page.locator('article.study', { hasText: 'Head CT' }).locator('.tiles a');
    for (
      let i = 0;
      i < 40 &&
      !(await ctTile.evaluate(
        (e) =>
          e === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement,
      ));
      i++
    ) {
      await page.keyboard.press('Tab');
    }
    await page.keyboard.press('Enter');
    const pos = page.locator('.pane .pos');
    await expect.poll(() => pos.innerText()).toBe(`Image ${CT_SLICES / 2 + 1} of ${CT_SLICES}`);
    // The canvas has the focus: arrows step slices, presets window in Hounsfield units.
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => pos.innerText()).toBe(`Image ${CT_SLICES / 2 + 2} of ${CT_SLICES}`);
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => pos.innerText()).toBe(`Image ${CT_SLICES / 2} of ${CT_SLICES}`);
    const presets = await page.locator('.pane [data-act=preset] option').allInnerTexts();
    expect(presets).toEqual(
      expect.arrayContaining(['Lung (C -600 W 1500)', 'Soft tissue (C 40 W 400)', 'Bone (C 400 W 1800)']),
    );
    await page.keyboard.press(String(presets.indexOf('Soft tissue (C 40 W 400)') + 1));
    await expect.poll(() => page.locator('.pane .wl').innerText()).toBe('Window C 40 W 400');
    const before = await page.locator('.pane canvas').getAttribute('data-view');
    await page.keyboard.press('+');
    await expect.poll(() => page.locator('.pane canvas').getAttribute('data-view')).not.toBe(before);
    await page.keyboard.press('r');
    await expect.poll(() => page.locator('.pane .wl').innerText()).not.toBe('Window C 40 W 400');
    // Buttons work from the keyboard too.
    await page.locator('.pane [data-act=next]').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => pos.innerText()).toBe(`Image ${CT_SLICES / 2 + 1} of ${CT_SLICES}`);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('steps through the frames of the ultrasound loop and compares two studies side by side', async () => {
    const url = await embedLink({ pimsPatientId: PATIENT });
    const { page, errors } = await openPanel(1440, url);
    await page.locator('article.study', { hasText: 'ultrasound' }).locator('.tiles a').first().click();
    const framePos = page.locator('.pane .frame-pos');
    await expect.poll(() => framePos.innerText()).toBe('Frame 7 of 12');
    await page.locator('.pane canvas').focus();
    await page.keyboard.press('.');
    await expect.poll(() => framePos.innerText()).toBe('Frame 8 of 12');
    await page.keyboard.press(',');
    await page.keyboard.press(',');
    await expect.poll(() => framePos.innerText()).toBe('Frame 6 of 12');
    // Compare with the CT: two panes, each with its own window.
    const option = await page.locator('#compare option', { hasText: 'Head CT' }).getAttribute('value');
    expect(option).not.toBeNull();
    await page.selectOption('#compare', option ?? '');
    await page.click('form.compare button');
    await expect.poll(() => page.locator('.pane').count()).toBe(2);
    await expect.poll(() => page.locator('.pane').nth(1).locator('.wl').innerText()).toMatch(/^Window C/);
    await page.locator('.pane').nth(1).locator('canvas').focus();
    await page.keyboard.press('w');
    expect(await page.locator('.pane').nth(0).locator('.wl').innerText()).toBe('');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await saveScreenshot(page, 'viewer-compare');
    expect(errors).toEqual([]);
    await page.close();
  });
});
