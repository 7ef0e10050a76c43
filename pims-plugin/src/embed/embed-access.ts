import type { Context } from 'hono';
import type { AppEnv } from '../http/app-env.js';
import { forbiddenPage } from '../pages/forbidden-page.js';
import type { PageAssets } from '../pages/page-assets.js';
import type { FrameOrigins } from '../sites/frame-origins.js';
import type { MediaLinks } from '../studies/media-links.js';
import type { MediaLinker } from '../studies/media-url.js';
import type { EmbedLinks } from './embed-links.js';
import type { EmbedClaims } from './embed-token.js';
import { LogCode } from '../log-codes.js';

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
