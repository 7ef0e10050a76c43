import type { Hono } from 'hono';
import type { HtmlEscapedString } from 'hono/utils/html';
import { streamSSE } from 'hono/streaming';
import { and, desc, eq } from 'drizzle-orm';
import type { CreateOrderBody } from '../orders/order-dto.js';
import type { Database } from '../db/database.js';
import { orders } from '../db/schema.js';
import type { AppEnv } from '../http/app-env.js';
import { htmlResponse } from '../pages/html-response.js';
import { pageHeaders } from '../pages/page-headers.js';
import { PageShell } from '../pages/page-shell.js';
import { auditEmbedView, embedAccess, embedHref, type EmbedPageDeps } from './embed-access.js';
import { panelEntries, panelFingerprint } from './panel-data.js';
import { PanelList } from './panel-view.js';

/** How often an open panel's stream looks for changes: new studies show within about this. */
const UPDATE_POLL_MS = 500;
/** A comment this often keeps proxies from closing a quiet stream. */
const KEEPALIVE_MS = 20_000;

/**
 * The chart panel a PIMS shows in a patient's record, its list fragment and its live-update stream.
 * The link's token is the only credential (no cookie, so it works in a cross-origin iframe with
 * third-party cookies blocked): a link that does not check out gets the same plain 403 page.
 */
export function mountEmbedPages(app: Hono<AppEnv>, deps: EmbedPageDeps): void {
  app.get('/embed/patients/:pimsPatientId/imaging', async (c) => {
    const access = await embedAccess(c, deps);
    if (access instanceof Response) return access;
    const { claims, pimsPatientId, token } = access;
    await auditEmbedView(deps.database, access, 'embed.opened');
    const entries = await panelEntries(deps.database.db, claims.s, pimsPatientId, access.link, deps.timeZone);
    const patient = await patientOf(deps.database, claims.s, pimsPatientId);
    return htmlResponse(
      <PageShell
        assets={deps.pageAssets}
        title="Imaging · Lightbox"
        styles={['panel.css']}
        scripts={['page.js', 'panel.js']}
        bodyClass="page-panel"
      >
        <main
          class="panel"
          data-updates={embedHref(pimsPatientId, '/updates', token)}
          data-list={embedHref(pimsPatientId, '/list', token)}
        >
          <header class="panel-head">
            <h1>Imaging</h1>
            {patient ? <p class="patient">{patient}</p> : null}
            <p id="live" class="live muted" role="status" aria-live="polite"></p>
          </header>
          <div id="studies">
            <PanelList
              entries={entries}
              timeZone={deps.timeZone}
              viewerHref={(id) => embedHref(pimsPatientId, `/studies/${encodeURIComponent(id)}`, token)}
            />
          </div>
        </main>
      </PageShell>,
      { frameAncestors: await deps.frameOrigins.of(claims.s) },
    );
  });

  // The list alone, fetched by the panel when its stream says something changed.
  app.get('/embed/patients/:pimsPatientId/imaging/list', async (c) => {
    const access = await embedAccess(c, deps);
    if (access instanceof Response) return access;
    const { claims, pimsPatientId, token } = access;
    const entries = await panelEntries(deps.database.db, claims.s, pimsPatientId, access.link, deps.timeZone);
    const fragment = (
      <PanelList
        entries={entries}
        timeZone={deps.timeZone}
        viewerHref={(id) => embedHref(pimsPatientId, `/studies/${encodeURIComponent(id)}`, token)}
      />
    ) as HtmlEscapedString | Promise<HtmlEscapedString>;
    return new Response((await fragment).toString(), {
      headers: pageHeaders(await deps.frameOrigins.of(claims.s)),
    });
  });

  // Server-sent events: `changed` when the patient's studies or orders change; `expired` when the
  // link does (the stream ends: the panel asks for the record to be opened again).
  app.get('/embed/patients/:pimsPatientId/imaging/updates', async (c) => {
    const access = await embedAccess(c, deps);
    if (access instanceof Response) return access;
    const { claims, pimsPatientId } = access;
    c.header('Cache-Control', 'no-store');
    c.header('X-Accel-Buffering', 'no');
    return streamSSE(c, async (stream) => {
      let last = await panelFingerprint(deps.database.db, claims.s, pimsPatientId);
      let quietFor = 0;
      await stream.writeSSE({ event: 'ready', data: '' });
      while (!stream.aborted && !stream.closed) {
        await stream.sleep(UPDATE_POLL_MS);
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set by a client's disconnect during the sleep
        if (stream.aborted) break;
        if (claims.e * 1000 <= Date.now()) {
          await stream.writeSSE({ event: 'expired', data: '' });
          break;
        }
        const now = await panelFingerprint(deps.database.db, claims.s, pimsPatientId);
        if (now !== last) {
          last = now;
          quietFor = 0;
          await stream.writeSSE({ event: 'changed', data: '' });
        } else if ((quietFor += UPDATE_POLL_MS) >= KEEPALIVE_MS) {
          quietFor = 0;
          await stream.write(': keep-alive\n\n');
        }
      }
    });
  });
}

/** The pet's name and species as the PIMS gave them on its latest order, for the panel's heading. */
async function patientOf(database: Database, siteId: string, pimsPatientId: string): Promise<string | null> {
  const [order] = await database.db
    .select({ requestJson: orders.requestJson })
    .from(orders)
    .where(and(eq(orders.siteId, siteId), eq(orders.pimsPatientId, pimsPatientId)))
    .orderBy(desc(orders.updatedAt))
    .limit(1);
  if (!order) return null;
  const { patient } = JSON.parse(order.requestJson) as CreateOrderBody;
  return `${patient.name} · ${patient.species}`;
}
