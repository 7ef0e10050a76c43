import { createHmac, timingSafeEqual } from 'node:crypto';
import { LightboxError } from '@lightbox/runtime';
import { panelRedirect } from '../event-order.js';
import type { ConnectorContext } from '../connector-kind.js';
import { syncOrder, withdrawOrder } from '../order-sync.js';
import { VendorRefused, VendorUnreachable } from '../vendor-http.js';
import { ProvetApiClient } from './provet-api-client.js';
import { readWorklistEntry } from './provet-order-mapping.js';
import type { ProvetSecrets, ProvetSettings } from './provet-settings.js';

/**
 * Provet Cloud's diagnostic imaging worklist webhooks (create, update, delete), and the viewer link
 * written back to it. A webhook carries only an id: it is checked (the URL's token, the
 * organisation's provet_id) and then the entry is read from Provet itself, so a forged or replayed
 * call can at most make this plugin read again what Provet says — and an unchanged entry changes
 * nothing. 200 goes out only once the order is stored; anything else makes Provet send it again.
 */
export async function provetEndpoint(req: Request, path: string, ctx: ConnectorContext): Promise<Response> {
  const settings = ctx.settings as ProvetSettings;
  const secrets = ctx.secrets as ProvetSecrets;
  const route = `${req.method} ${path.replace(/\/+$/, '')}`;
  if (route === 'GET /viewer') return viewer(req, ctx, settings, secrets);
  if (route !== 'POST /webhook') throw new LightboxError('not_found', `no Provet endpoint ${route}`);

  const url = new URL(req.url);
  if (!same(url.searchParams.get('token') ?? '', secrets.webhookToken)) {
    await ctx.traffic.record([
      { direction: 'in', label: 'webhook', outcome: 'rejected', detail: 'wrong or missing token in the URL' },
    ]);
    throw new LightboxError('unauthorized', 'the webhook URL token is not that of this connector');
  }
  const fields = await readFields(req);
  const worklistId = fields.diagnosticimagingworklist_id ?? '';
  if (!/^\d{1,18}$/.test(worklistId)) {
    throw new LightboxError('validation_failed', 'expected diagnosticimagingworklist_id', {
      errors: [
        { field: 'diagnosticimagingworklist_id', message: 'expected the numeric id of the worklist entry' },
      ],
    });
  }
  if (fields.provet_id !== undefined && fields.provet_id !== settings.provetId) {
    await ctx.traffic.record([
      {
        direction: 'in',
        label: `worklist ${worklistId}`,
        outcome: 'rejected',
        detail: `provet_id ${fields.provet_id} is not this connector's organisation`,
      },
    ]);
    throw new LightboxError('unauthorized', 'provet_id is not the organisation of this connector');
  }
  const label = `worklist ${worklistId}`;
  const api = new ProvetApiClient(settings, secrets, ctx.services.outbound);
  try {
    const reading = await readWorklistEntry(api, settings, worklistId);
    if (reading.kind === 'withdrawn') {
      const { outcome } = await withdrawOrder(
        ctx,
        { system: 'provet', siteId: settings.pimsSiteId },
        worklistId,
        reading.why,
      );
      await ctx.traffic.record([
        { direction: 'in', label, outcome: 'ok', detail: `${outcome}: ${reading.why}` },
      ]);
      return Response.json({ diagnosticimagingworklist_id: worklistId, status: outcome });
    }
    const { order, outcome } = await syncOrder(ctx, reading.body);
    await ctx.traffic.record([
      { direction: 'in', label, outcome: 'ok', detail: outcome, excerpt: JSON.stringify(reading.body) },
    ]);
    return Response.json({
      diagnosticimagingworklist_id: worklistId,
      status: outcome,
      accession_number: order.accessionNumber,
    });
  } catch (err) {
    const problem =
      err instanceof VendorUnreachable || err instanceof VendorRefused
        ? new LightboxError('upstream_failed', `Provet Cloud could not be read: ${err.message}`)
        : err;
    if (problem instanceof LightboxError) {
      await ctx.traffic.record([
        {
          direction: 'in',
          label,
          outcome: problem.code === 'upstream_failed' ? 'failed' : 'rejected',
          detail: problem.message,
        },
      ]);
    }
    throw problem;
  }
}

/** The link written into Provet for a worklist entry: signed, so only Provet's copy of it opens the panel. */
export function viewerPath(connectorId: string, webhookToken: string, worklistId: string): string {
  return `/connectors/${connectorId}/viewer?worklist_id=${encodeURIComponent(worklistId)}&sig=${viewerSig(webhookToken, worklistId)}`;
}

async function viewer(
  req: Request,
  ctx: ConnectorContext,
  settings: ProvetSettings,
  secrets: ProvetSecrets,
): Promise<Response> {
  const url = new URL(req.url);
  const worklistId = url.searchParams.get('worklist_id') ?? '';
  if (!same(url.searchParams.get('sig') ?? '', viewerSig(secrets.webhookToken, worklistId))) {
    throw new LightboxError('unauthorized', 'the viewer link is not one this connector wrote');
  }
  return panelRedirect(
    ctx,
    { system: 'provet', siteId: settings.pimsSiteId },
    worklistId,
    `no order for worklist entry ${worklistId}`,
  );
}

function viewerSig(key: string, worklistId: string): string {
  return createHmac('sha256', key).update(`viewer.${worklistId}`).digest('base64url');
}

/** Provet posts form fields (`diagnosticimagingworklist_id=123`); JSON is taken too. */
async function readFields(req: Request): Promise<Record<string, string>> {
  const type = req.headers.get('content-type') ?? '';
  const raw = await req.text();
  const out: Record<string, string> = {};
  if (/^application\/json\b/i.test(type)) {
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch {
      throw new LightboxError('validation_failed', 'the body is not valid JSON', {
        errors: [{ field: '', message: 'not JSON' }],
      });
    }
    if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v))
        if (typeof x === 'string' || typeof x === 'number') out[k] = String(x);
    }
    return out;
  }
  for (const [k, x] of new URLSearchParams(raw)) out[k] = x;
  return out;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
