import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { LightboxError } from '@lightbox/runtime';
import { panelRedirect } from '../event-order.js';
import type { ConnectorContext } from '../connector-kind.js';
import { syncOrder, withdrawOrder } from '../order-sync.js';
import { checkPartnerToken, issuePartnerToken } from './ezyvet-partner-token.js';
import { ezyvetDiagnosticRequest, orderFromEzyvet } from './ezyvet-request.js';
import type { EzyvetSecrets, EzyvetSettings } from './ezyvet-settings.js';
import { speciesAndBreeds } from './ezyvet-species.js';

const tokenRequest = z.object({
  client_id: z.string().min(1),
  client_secret: z.string().min(1),
  grant_type: z.literal('client_credentials'),
});

/**
 * The partner endpoints ezyVet's Standard PACS Interface calls: an access token for its client
 * credentials, the modality list, the species and breeds, the diagnostic requests as they are made,
 * updated and disabled, and the result-portal link that opens the patient's imaging panel.
 */
export async function ezyvetPartnerEndpoint(
  req: Request,
  path: string,
  ctx: ConnectorContext,
): Promise<Response> {
  const settings = ctx.settings as EzyvetSettings;
  const secrets = ctx.secrets as EzyvetSecrets;
  const route = `${req.method} ${path.replace(/\/+$/, '')}`;
  if (route === 'POST /accesstoken') {
    const body = tokenRequest.safeParse(await readJson(req));
    if (!body.success) throw invalid(body.error);
    if (
      !same(body.data.client_id, settings.partnerClientId) ||
      !same(body.data.client_secret, secrets.partnerClientSecret)
    ) {
      await ctx.traffic.record([
        { direction: 'in', label: 'access token', outcome: 'rejected', detail: 'wrong client credentials' },
      ]);
      throw new LightboxError('unauthorized', 'the client credentials are not those of this integration');
    }
    const { token, expiresIn } = issuePartnerToken(
      ctx.connector.id,
      secrets.partnerClientSecret,
      settings.partnerTokenTtlSeconds,
    );
    return Response.json({ access_token: token, token_type: 'Bearer', expires_in: expiresIn });
  }
  if (route === 'GET /result') return resultPortal(req, ctx, settings);
  authenticate(req, ctx, secrets);
  if (route === 'GET /modalities') return Response.json({ modalities: settings.modalities });
  if (route === 'GET /species') return Response.json(speciesAndBreeds());
  if (route === 'POST /diagnosticrequest') return diagnosticRequest(req, ctx, settings);
  throw new LightboxError('not_found', `no ezyVet partner endpoint ${route}`);
}

/** Answered 200 only once the request is parsed and its order stored (the interface's rule). */
async function diagnosticRequest(
  req: Request,
  ctx: ConnectorContext,
  settings: EzyvetSettings,
): Promise<Response> {
  const raw = await readJson(req);
  const parsed = ezyvetDiagnosticRequest.safeParse(raw);
  if (!parsed.success) {
    const given = raw && typeof raw === 'object' ? (raw as { request_id?: unknown }).request_id : undefined;
    const label = typeof given === 'string' ? `diagnostic request ${given}` : 'diagnostic request';
    await ctx.traffic.record([
      {
        direction: 'in',
        label,
        outcome: 'rejected',
        detail: issuesText(parsed.error),
        excerpt: JSON.stringify(raw).slice(0, 2_000),
      },
    ]);
    throw invalid(parsed.error);
  }
  const r = parsed.data;
  if (!settings.modalities.some((m) => m.code === r.modality)) {
    throw new LightboxError('validation_failed', `modality ${r.modality} is not in this integration's list`, {
      errors: [
        {
          field: 'modality',
          message: `expected one of ${settings.modalities.map((m) => m.code).join(', ')}`,
        },
      ],
    });
  }
  const label = `diagnostic request ${r.request_id} ${r.action}`;
  try {
    if (r.action === 'disable') {
      const { outcome } = await withdrawOrder(
        ctx,
        { system: 'ezyvet', siteId: settings.pimsSiteId },
        r.request_id,
        'disabled in ezyVet',
      );
      await ctx.traffic.record([
        { direction: 'in', label, outcome: 'ok', detail: outcome, excerpt: JSON.stringify(r) },
      ]);
      return Response.json({ request_id: r.request_id, status: outcome });
    }
    const { order, outcome } = await syncOrder(ctx, orderFromEzyvet(r, settings.pimsSiteId));
    await ctx.traffic.record([
      { direction: 'in', label, outcome: 'ok', detail: outcome, excerpt: JSON.stringify(r) },
    ]);
    return Response.json({
      request_id: r.request_id,
      status: outcome,
      accession_number: order.accessionNumber,
    });
  } catch (err) {
    if (err instanceof LightboxError) {
      await ctx.traffic.record([
        { direction: 'in', label, outcome: 'rejected', detail: err.message, excerpt: JSON.stringify(r) },
      ]);
    }
    throw err;
  }
}

/** ezyVet opens this in a new tab for a result: a fresh, signed link to the patient's imaging panel. */
async function resultPortal(
  req: Request,
  ctx: ConnectorContext,
  settings: EzyvetSettings,
): Promise<Response> {
  const url = new URL(req.url);
  const requestId = url.searchParams.get('diagnostic_request_id') ?? '';
  const clientId = url.searchParams.get('client_id') ?? '';
  if (!requestId || !clientId) {
    throw new LightboxError('validation_failed', 'diagnostic_request_id and client_id are required', {
      errors: [
        ...(requestId ? [] : [{ field: 'diagnostic_request_id', message: 'required' }]),
        ...(clientId ? [] : [{ field: 'client_id', message: 'required' }]),
      ],
    });
  }
  if (!same(clientId, settings.partnerClientId)) {
    throw new LightboxError('unauthorized', 'client_id is not that of this integration');
  }
  return panelRedirect(
    ctx,
    { system: 'ezyvet', siteId: settings.pimsSiteId },
    requestId,
    `no diagnostic request ${requestId}`,
  );
}

function authenticate(req: Request, ctx: ConnectorContext, secrets: EzyvetSecrets): void {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.get('authorization') ?? '');
  const verdict = m ? checkPartnerToken(ctx.connector.id, secrets.partnerClientSecret, m[1]!) : 'missing';
  if (verdict === 'ok') return;
  const why = {
    missing: 'a Bearer access token is required (POST /accesstoken)',
    invalid: 'the access token is not one this integration issued',
    expired: 'the access token has expired; fetch a new one (POST /accesstoken)',
  }[verdict];
  throw new LightboxError('unauthorized', why);
}

async function readJson(req: Request): Promise<unknown> {
  const type = req.headers.get('content-type') ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new LightboxError(
      'unsupported_media_type',
      'expected a JSON body (Content-Type: application/json)',
    );
  }
  try {
    return await req.json();
  } catch {
    throw new LightboxError('validation_failed', 'the body is not valid JSON', {
      errors: [{ field: '', message: 'not JSON' }],
    });
  }
}

function invalid(error: z.ZodError): LightboxError {
  return new LightboxError('validation_failed', `the request is not complete: ${issuesText(error)}`, {
    errors: error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
  });
}

function issuesText(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
