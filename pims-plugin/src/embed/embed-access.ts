import type { Context } from 'hono';
import { recordAudit } from '../audit/audit-log.js';
import type { Database } from '../db/database.js';
import type { AppEnv } from '../http/app-env.js';
import { forbiddenPage } from '../pages/forbidden-page.js';
import type { PageAssets } from '../pages/page-assets.js';
import type { FrameOrigins } from '../sites/frame-origins.js';
import type { MediaLinks } from '../studies/media-links.js';
import type { MediaLinker } from '../studies/media-url.js';
import type { EmbedLinks } from './embed-links.js';
import type { EmbedClaims } from './embed-token.js';
import { LogCode } from '../log-codes.js';

/** What the panel and the viewer pages need. */
export interface EmbedPageDeps {
  database: Database;
  embedLinks: EmbedLinks;
  mediaLinks: MediaLinks;
  pageAssets: PageAssets;
  /** Origins allowed to frame the pages (`frame-ancestors`). */
  frameOrigins: FrameOrigins;
  timeZone: string;
}

export interface EmbedAccess {
  claims: EmbedClaims;
  pimsPatientId: string;
  token: string;
  /** Media URLs of the link's site that live as long as the link (rounded up to 15 minutes). */
  link: MediaLinker;
}

/**
 * Checks the link of a panel, viewer or update request: its token for the patient in the path.
 * Anything wrong gets the same plain 403 page, whatever the reason.
 */
export async function embedAccess(
  c: Context<AppEnv>,
  deps: {
    embedLinks: EmbedLinks;
    mediaLinks: MediaLinks;
    pageAssets: PageAssets;
    frameOrigins: FrameOrigins;
  },
): Promise<EmbedAccess | Response> {
  const pimsPatientId = c.req.param('pimsPatientId') ?? '';
  const token = c.req.query('token') ?? '';
  const claims = await deps.embedLinks.verify(token, pimsPatientId);
  if (!claims) {
    c.get('log').info('embed link refused', { code: LogCode.embedLinkRefused });
    return forbiddenPage(deps.pageAssets, await deps.frameOrigins.any());
  }
  const expires = Math.ceil(claims.e / 900) * 900;
  const link = await deps.mediaLinks.linker(claims.s, { expires });
  return { claims, pimsPatientId, token, link };
}

/** A path of the panel's pages with the link's token. */
export function embedHref(pimsPatientId: string, rest: string, token: string): string {
  return `/embed/patients/${encodeURIComponent(pimsPatientId)}/imaging${rest}?token=${encodeURIComponent(token)}`;
}

/** Records that the PIMS user of a link opened a page of the patient's imaging (`action`). */
export async function auditEmbedView(
  database: Database,
  access: Pick<EmbedAccess, 'claims' | 'pimsPatientId'>,
  action: 'embed.opened' | 'embed.study_viewed',
  detail?: Record<string, unknown>,
): Promise<void> {
  const { claims, pimsPatientId } = access;
  await database.write((tx) =>
    recordAudit(tx, {
      siteId: claims.s,
      actor: { type: 'pims_user', id: claims.u?.id ?? null, name: claims.u?.name ?? null },
      action,
      subject: { type: 'patient', id: pimsPatientId },
      ...(detail ? { detail } : {}),
    }),
  );
}
