import type { PageAssets } from '../pages/page-assets.js';
import { can } from '../staff/roles.js';
import type { StaffContext } from '../staff/staff-context.js';
import type { WebhookRow } from '../webhooks/webhook-store.js';
import type { webhookDeliveries } from '../db/schema.js';
import { AppShell, CsrfField } from './app-shell.js';
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
          <table>
            <thead>
              <tr>
                <th scope="col">URL</th>
                <th scope="col">Events</th>
                <th scope="col">State</th>
                <th scope="col">Last error</th>
                <th scope="col">
                  <span class="visually-hidden">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {props.subscriptions.map((w) => (
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
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="failing-h">
        <h2 id="failing-h">Recent failed attempts ({props.failing.length})</h2>
        {props.failing.length === 0 ? (
          <p class="muted">None.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">When (UTC)</th>
                <th scope="col">Event</th>
                <th scope="col">To</th>
                <th scope="col">Answer</th>
                <th scope="col">Outcome</th>
              </tr>
            </thead>
            <tbody>
              {props.failing.map((d) => (
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
              ))}
            </tbody>
          </table>
        )}
      </section>
    </AppShell>
  );
}
