import type { PageAssets } from '../pages/page-assets.js';
import type { auditLog } from '../db/schema.js';
import type { StaffContext } from '../staff/staff-context.js';
import { AppShell } from './app-shell.js';
import { DataTable } from './data-table.js';
import { shortTime } from './format.js';

/** `/app/audit`: who linked, completed, cancelled or opened what, and when; newest first. */
export function AuditPage(props: {
  assets: PageAssets;
  staff: StaffContext;
  entries: (typeof auditLog.$inferSelect)[];
  action: string;
  next: number | null;
}) {
  return (
    <AppShell assets={props.assets} staff={props.staff} title="Audit" current="/app/audit">
      <h1>Audit log</h1>
      <form method="get" action="/app/audit" class="filters">
        <p>
          <label for="action">Action starts with</label>
          <input id="action" name="action" value={props.action} maxlength={64} placeholder="study." />
        </p>
        <button type="submit">Show</button>
      </form>
      <DataTable
        columns={['When (UTC)', 'Who', 'Action', 'What', 'Detail']}
        rows={props.entries}
        row={(e) => (
          <tr>
            <td>{shortTime(e.at)}</td>
            <td>
              {e.actorName ?? '—'} <span class="muted">({e.actorType})</span>
            </td>
            <td>{e.action}</td>
            <td>
              {e.subjectType} {e.subjectId ?? ''}
            </td>
            <td>
              <code>{e.detailJson ?? ''}</code>
            </td>
          </tr>
        )}
      />
      {props.next !== null ? (
        <p>
          <a
            href={`/app/audit?before=${props.next}${props.action ? `&action=${encodeURIComponent(props.action)}` : ''}`}
          >
            Older entries
          </a>
        </p>
      ) : null}
    </AppShell>
  );
}
