import type { Hono } from 'hono';
import { recordAudit } from '../audit/audit-log.js';
import type { Database } from '../db/database.js';
import type { AppEnv } from '../http/app-env.js';
import { forbiddenPage } from '../pages/forbidden-page.js';
import { htmlResponse } from '../pages/html-response.js';
import type { PageAssets } from '../pages/page-assets.js';
import { PageShell } from '../pages/page-shell.js';
import { studiesOfPatient } from '../studies/study-queries.js';
import type { EmbedLinks } from './embed-links.js';

export interface EmbedPageDeps {
  database: Database;
  embedLinks: EmbedLinks;
  pageAssets: PageAssets;
}

/**
 * The chart panel a PIMS shows in a patient's record. The link's token is the only credential:
 * a link that does not check out gets the same plain 403 page, whatever the reason.
 */
export function mountEmbedPages(app: Hono<AppEnv>, deps: EmbedPageDeps): void {
  app.get('/embed/patients/:pimsPatientId/imaging', async (c) => {
    const pimsPatientId = c.req.param('pimsPatientId');
    const claims = await deps.embedLinks.verify(c.req.query('token') ?? '', pimsPatientId);
    if (!claims) {
      c.get('log').info('embed link refused', { code: 'embed_link_refused' });
      return forbiddenPage(deps.pageAssets);
    }
    await deps.database.write((tx) =>
      recordAudit(tx, {
        siteId: claims.s,
        actor: { type: 'pims_user', id: claims.u?.id ?? null, name: claims.u?.name ?? null },
        action: 'embed.opened',
        subject: { type: 'patient', id: pimsPatientId },
      }),
    );
    const { items } = await studiesOfPatient(deps.database.db, claims.s, pimsPatientId);
    return htmlResponse(
      <PageShell assets={deps.pageAssets} title="Imaging · Lightbox" scripts={['page.js']}>
        <main>
          <h1>Imaging</h1>
          {items.length === 0 ? (
            <p class="muted">No imaging studies for this patient yet.</p>
          ) : (
            <ul>
              {items.map((s) => (
                <li>
                  {s.description ?? 'Study'} · {s.modality ?? ''} · {s.instanceCount} images
                </li>
              ))}
            </ul>
          )}
        </main>
      </PageShell>,
    );
  });
}
