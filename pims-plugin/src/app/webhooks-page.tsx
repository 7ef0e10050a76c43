import type { PageAssets } from '../pages/page-assets.js';
import { can } from '../staff/roles.js';
import type { StaffContext } from '../staff/staff-context.js';
import type { WebhookRow } from '../webhooks/webhook-store.js';
import type { webhookDeliveries } from '../db/schema.js';
import { AppShell, CsrfField } from './app-shell.js';
import { DataTable } from './data-table.js';
import { shortTime } from './format.js';

type DeliveryRow = typeof webhookDeliveries.$inferSelect & { url: string };

/** `/app/webhooks`: the PIMS's subscriptions, the deliveries that failed, and resume. */
export function WebhooksPage(props: {
  assets: PageAssets;
  staff: StaffContext;
  subscriptions: WebhookRow[];
  failing: DeliveryRow[];
}) {
  const mayResume = can(props.staff.role, 'webhooks.resume');
  return (
    <AppShell assets={props.assets} staff={props.staff} title="Deliveries" current="/app/webhooks">
      <h1>Deliveries to the PIMS</h1>
      <section aria-labelledby="subs-h">
        <h2 id="subs-h">Subscriptions ({props.subscriptions.length})</h2>
        {props.subscriptions.length === 0 ? (
          <p class="muted">No webhook subscriptions: the PIMS reads the events feed, or nothing.</p>
        ) : (
          <DataTable
            columns={['URL', 'Events', 'State', 'Last error', <span class="visually-hidden">Action</span>]}
            rows={props.subscriptions}
            row={(w) => (
              <tr>
                <td>
                  {w.url}
                  <div class="muted">{w.id}</div>
                </td>
                <td>{w.typesJson ? (JSON.parse(w.typesJson) as string[]).join(', ') : 'all'}</td>
                <td>
                  <span class={`badge ${w.status === 'active' ? 'completed' : 'discontinued'}`}>
                    {w.status}
                  </span>
                  {w.attempts > 0 ? <div class="warn-text">retrying, attempt {w.attempts + 1}</div> : null}
                  {w.failedAt ? <div class="muted">since {shortTime(w.failedAt)}</div> : null}
                </td>
                <td>{w.lastError ?? ''}</td>
                <td>
                  {w.status === 'failed' && mayResume ? (
                    <form method="post" action={`/app/webhooks/${encodeURIComponent(w.id)}/resume`}>
                      <CsrfField staff={props.staff} />
                      <button type="submit">Resume</button>
                    </form>
                  ) : null}
                </td>
              </tr>
            )}
          />
        )}
      </section>
      <section aria-labelledby="failing-h">
        <h2 id="failing-h">Recent failed attempts ({props.failing.length})</h2>
        {props.failing.length === 0 ? (
          <p class="muted">None.</p>
        ) : (
          <DataTable
            columns={['When (UTC)', 'Event', 'To', 'Answer', 'Outcome']}
            rows={props.failing}
            row={(d) => (
              <tr>
                <td>{shortTime(d.at)}</td>
                <td>
                  {d.eventType} <span class="muted">#{d.eventSeq}</span>
                </td>
                <td>{d.url}</td>
                <td>{d.statusCode ?? d.error ?? 'no answer'}</td>
                <td>
                  {d.outcome} (attempt {d.attempt})
                </td>
              </tr>
            )}
          />
        )}
      </section>
    </AppShell>
  );
}
