import type { Hono } from 'hono';
import { auditEmbedView, embedAccess, embedHref, type EmbedPageDeps } from '../embed/embed-access.js';
import { panelEntries } from '../embed/panel-data.js';
import { siteWallTime } from '../embed/site-time.js';
import type { AppEnv } from '../http/app-env.js';
import { forbiddenPage } from '../pages/forbidden-page.js';
import { htmlResponse } from '../pages/html-response.js';
import { PageShell } from '../pages/page-shell.js';
import { viewerStudy, type ViewerStudy } from './viewer-data.js';

/**
 * The viewer behind a thumbnail of the panel: one study, or two side by side (`compare`), each in
 * a pane with its own window, zoom and measurement. The same link token as the panel's; a study
 * that is not of the link's patient is refused like a bad link.
 */
export function mountViewerPages(app: Hono<AppEnv>, deps: EmbedPageDeps): void {
  app.get('/embed/patients/:pimsPatientId/imaging/studies/:studyId', async (c) => {
    const access = await embedAccess(c, deps);
    if (access instanceof Response) return access;
    const { claims, pimsPatientId, token, link } = access;
    const ids = [c.req.param('studyId'), c.req.query('compare')].filter((id): id is string => !!id);
    const shown: ViewerStudy[] = [];
    for (const id of [...new Set(ids)].slice(0, 2)) {
      const study = await viewerStudy(deps.database.db, claims.s, pimsPatientId, id, link);
      if (!study) return forbiddenPage(deps.pageAssets, await deps.frameOrigins.any());
      shown.push(study);
    }
    await auditEmbedView(deps.database, access, 'embed.study_viewed', {
      studyIds: shown.map((s) => s.studyId),
    });
    const entries = (
      await panelEntries(deps.database.db, claims.s, pimsPatientId, link, deps.timeZone)
    ).filter((e) => e.studyId !== null);
    const when = new Map(
      entries.map((e) => {
        const t = siteWallTime(e.atMs, deps.timeZone);
        return [e.studyId!, e.timeKnown ? `${t.day} ${t.time}` : t.day];
      }),
    );
    const first = shown[0]!;
    const others = entries.filter((e) => e.studyId !== first.studyId);
    const selfPath = `/embed/patients/${encodeURIComponent(pimsPatientId)}/imaging/studies/${encodeURIComponent(first.studyId)}`;
    return htmlResponse(
      <PageShell
        assets={deps.pageAssets}
        title={`${first.title} · Viewer · Lightbox`}
        styles={['viewer.css']}
        scripts={['page.js', 'viewer.js']}
        bodyClass="page-viewer"
      >
        <div class="viewer-bar">
          <a class="button secondary" href={embedHref(pimsPatientId, '', token)}>
            Back to the list
          </a>
          {others.length > 0 ? (
            <form class="compare" method="get" action={selfPath}>
              <input type="hidden" name="token" value={token} />
              <label for="compare">Compare with</label>
              <select id="compare" name="compare">
                <option value="">(no comparison)</option>
                {others.map((e) => (
                  <option value={e.studyId!} selected={shown[1]?.studyId === e.studyId}>
                    {`${when.get(e.studyId!) ?? ''} · ${e.procedure}`}
                  </option>
                ))}
              </select>
              <button type="submit" class="secondary">
                Show
              </button>
            </form>
          ) : null}
          <details class="keys">
            <summary>Keyboard</summary>
            <dl>
              <dt>← →, mouse wheel</dt>
              <dd>previous / next image</dd>
              <dt>Page Up / Page Down</dt>
              <dd>previous / next series</dd>
              <dt>, .</dt>
              <dd>previous / next frame</dd>
              <dt>+ −, Ctrl + wheel</dt>
              <dd>zoom</dd>
              <dt>Shift + arrows</dt>
              <dd>pan</dd>
              <dt>W / S, A / D</dt>
              <dd>narrower / wider window, lower / higher level</dd>
              <dt>1 – 9</dt>
              <dd>window presets</dd>
              <dt>R</dt>
              <dd>reset</dd>
            </dl>
          </details>
        </div>
        <main class={`viewer panes-${shown.length}`}>
          <h1 class="visually-hidden">Image viewer</h1>
          {shown.map((s, n) => (
            <Pane study={s} index={n} when={when.get(s.studyId) ?? ''} />
          ))}
        </main>
      </PageShell>,
      { frameAncestors: await deps.frameOrigins.of(claims.s) },
    );
  });
}

/** Previous and next buttons around the live position of an image or a frame (the client fills it). */
function Stepper(props: { unit: string; group: string; pos: string; act: string; hidden?: boolean }) {
  return (
    <span class={props.group} hidden={props.hidden}>
      <button type="button" data-act={`prev${props.act}`} class="secondary">
        Previous {props.unit}
      </button>
      <span class={props.pos} aria-live="polite"></span>
      <button type="button" data-act={`next${props.act}`} class="secondary">
        Next {props.unit}
      </button>
    </span>
  );
}

function Pane({ study, index, when }: { study: ViewerStudy; index: number; when: string }) {
  const id = `pane-${index}`;
  return (
    <section class="pane" aria-labelledby={`${id}-title`} data-study={JSON.stringify(study)}>
      <h2 id={`${id}-title`}>
        {study.title} <span class="muted">{when}</span>
      </h2>
      <div class="toolbar" role="toolbar" aria-label={`Tools for ${study.title}`}>
        <Stepper unit="image" group="group" pos="pos" act="" />
        <Stepper unit="frame" group="group frames" pos="frame-pos" act="-frame" hidden />
        <fieldset class="group tools">
          <legend class="visually-hidden">Mouse and touch tool</legend>
          <label>
            <input type="radio" name={`${id}-tool`} value="window" checked /> Window/level
          </label>
          <label>
            <input type="radio" name={`${id}-tool`} value="pan" /> Pan
          </label>
          <label>
            <input type="radio" name={`${id}-tool`} value="measure" /> Measure
          </label>
        </fieldset>
        <span class="group">
          <label for={`${id}-preset`}>Window</label>
          <select id={`${id}-preset`} data-act="preset"></select>
        </span>
        <span class="group">
          <button type="button" data-act="zoom-in" class="secondary" aria-label="Zoom in">
            +
          </button>
          <button type="button" data-act="zoom-out" class="secondary" aria-label="Zoom out">
            −
          </button>
          <button type="button" data-act="reset" class="secondary">
            Reset
          </button>
        </span>
      </div>
      <div class="stage">
        <canvas tabindex={0} aria-label={`${study.title}: the image. Keys: see Keyboard.`}></canvas>
      </div>
      <p class="readout">
        <span class="wl"></span> <output class="measure" aria-live="polite"></output>
      </p>
    </section>
  );
}
