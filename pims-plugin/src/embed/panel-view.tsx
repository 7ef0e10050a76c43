import type { PanelEntry } from './panel-data.js';
import { formatterPerZone, siteWallTime } from './site-time.js';

const statusWords: Record<string, string> = {
  scheduled: 'Scheduled',
  in_progress: 'In progress',
  completed: 'Completed',
  discontinued: 'Discontinued',
  cancelled: 'Cancelled',
};

const dayFormat = formatterPerZone('en-GB', {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
});
function dayLabel(atMs: number, timeZone: string): string {
  return dayFormat(timeZone).format(new Date(atMs));
}

export interface PanelListProps {
  entries: PanelEntry[];
  timeZone: string;
  /** The viewer's URL for a study, token included. */
  viewerHref: (studyId: string) => string;
}

/**
 * The patient's studies grouped by day on the site's wall clock, newest first. Every string from a
 * PIMS or a modality is JSX text, so it is escaped, never markup.
 */
export function PanelList({ entries, timeZone, viewerHref }: PanelListProps) {
  if (entries.length === 0) {
    return <p class="muted empty">No imaging for this patient yet.</p>;
  }
  const firstWithImages = entries.find((e) => e.tiles.length > 0 && e.studyId);
  const days: { day: string; label: string; entries: PanelEntry[] }[] = [];
  for (const e of entries) {
    const { day } = siteWallTime(e.atMs, timeZone);
    const last = days.at(-1);
    if (last?.day === day) last.entries.push(e);
    else days.push({ day, label: dayLabel(e.atMs, timeZone), entries: [e] });
  }
  return (
    <>
      {days.map((d) => (
        <section class="day" aria-labelledby={`day-${d.day}`}>
          <h2 id={`day-${d.day}`}>
            <time datetime={d.day}>{d.label}</time>
          </h2>
          {d.entries.map((e) => (
            <StudyCard entry={e} timeZone={timeZone} viewerHref={viewerHref} first={e === firstWithImages} />
          ))}
        </section>
      ))}
    </>
  );
}

function StudyCard({
  entry: e,
  timeZone,
  viewerHref,
  first,
}: {
  entry: PanelEntry;
  timeZone: string;
  viewerHref: (studyId: string) => string;
  /** The newest study with images: what the vet looks at first. */
  first: boolean;
}) {
  const { time } = siteWallTime(e.atMs, timeZone);
  const href = e.studyId ? viewerHref(e.studyId) : null;
  return (
    <article class="study card" data-study-id={e.studyId ?? undefined}>
      <div class="study-head">
        <h3>{href ? <a href={href}>{e.procedure}</a> : e.procedure}</h3>
        <span class="study-badges">
          {e.orderStatus ? (
            <span class={`badge ${e.orderStatus}`}>{statusWords[e.orderStatus] ?? e.orderStatus}</span>
          ) : null}
          {e.stillArriving ? <span class="badge arriving">Images still arriving</span> : null}
        </span>
      </div>
      <p class="study-facts">
        {e.timeKnown ? <span>{time}</span> : null}
        {e.modality ? <span>{e.modality}</span> : null}
        {e.bodyPart ? <span>{e.bodyPart}</span> : null}
        <span class="count">{e.imageCount === 1 ? '1 image' : `${e.imageCount} images`}</span>
      </p>
      {e.tiles.length > 0 && href ? (
        <ul class="tiles">
          {e.tiles.map((t) => (
            <li>
              <a href={`${href}#i=${t.index}`} title={t.label}>
                <img
                  src={t.thumbnailUrl}
                  alt={`${e.procedure}: ${t.label}`}
                  // The newest study's row is fetched with the page (the browser's preload scanner
                  // finds it before the styles arrive); every other row waits until it is scrolled near.
                  loading={first ? 'eager' : 'lazy'}
                  fetchpriority={first ? 'high' : 'auto'}
                  decoding="async"
                  width="112"
                  height="112"
                />
                {t.count > 1 ? (
                  <span class="tile-count" aria-hidden="true">
                    {t.count}
                  </span>
                ) : null}
              </a>
            </li>
          ))}
        </ul>
      ) : e.studyId === null ? (
        <p class="muted">No images yet.</p>
      ) : null}
    </article>
  );
}
