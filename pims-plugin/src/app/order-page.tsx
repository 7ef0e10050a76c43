import type { PageAssets } from '../pages/page-assets.js';
import { can } from '../staff/roles.js';
import type { StaffContext } from '../staff/staff-context.js';
import { AppShell, CsrfField } from './app-shell.js';
import { DataTable } from './data-table.js';
import { shortTime } from './format.js';
import type { OrderDetail } from './order-detail.js';

/** `/app/orders/{id}`: the order, its timeline, its events and their deliveries, and what to do. */
export function OrderPage(props: { assets: PageAssets; staff: StaffContext; detail: OrderDetail }) {
  const { order, timeline, events, deliveries } = props.detail;
  const base = `/app/orders/${encodeURIComponent(order.id)}`;
  const open = order.status === 'scheduled' || order.status === 'in_progress';
  return (
    <AppShell
      assets={props.assets}
      staff={props.staff}
      title={`Order ${order.accessionNumber}`}
      current="/app/orders"
    >
      <p>
        <a href="/app/orders">← Imaging board</a>
      </p>
      <h1>
        {order.petName} · {order.procedure}{' '}
        <span class={`badge ${order.status}`}>{order.status.replace('_', ' ')}</span>
      </h1>
      <dl class="facts">
        <dt>Accession</dt>
        <dd>{order.accessionNumber}</dd>
        <dt>Patient</dt>
        <dd>
          {order.petName} ({order.species}) · {order.patientId}
        </dd>
        <dt>Owner</dt>
        <dd>{order.owner}</dd>
        <dt>Modality, station</dt>
        <dd>
          {order.modality} · {order.station ?? 'any station'}
        </dd>
        <dt>Scheduled</dt>
        <dd>{shortTime(order.scheduledAt)} UTC</dd>
        <dt>PIMS order</dt>
        <dd>{order.pimsOrderId}</dd>
      </dl>

      <section aria-labelledby="actions-h">
        <h2 id="actions-h">Actions</h2>
        {order.status === 'scheduled' && can(props.staff.role, 'orders.edit') ? (
          <form method="post" action={`${base}/correct`} class="inline-form">
            <CsrfField staff={props.staff} />
            <p>
              <label for="station">Station AE title</label>
              <input id="station" name="station" value={order.station ?? ''} maxlength={16} />
            </p>
            <p>
              <label for="at">Scheduled (UTC, YYYY-MM-DDTHH:MM)</label>
              <input id="at" name="at" value={order.scheduledAt?.slice(0, 16) ?? ''} maxlength={32} />
            </p>
            <button class="secondary" type="submit">
              Correct
            </button>
          </form>
        ) : null}
        {open && can(props.staff.role, 'orders.complete') ? (
          <form method="post" action={`${base}/complete`} class="inline-form">
            <CsrfField staff={props.staff} />
            <p>
              <label for="complete-reason">Reason for completing by hand</label>
              <input id="complete-reason" name="reason" required maxlength={256} />
            </p>
            <button type="submit">Complete by hand</button>
          </form>
        ) : null}
        {order.status === 'scheduled' && can(props.staff.role, 'orders.edit') ? (
          <form method="post" action={`${base}/cancel`} class="inline-form">
            <CsrfField staff={props.staff} />
            <p>
              <label for="cancel-reason">Reason for cancelling</label>
              <input id="cancel-reason" name="reason" required maxlength={256} />
            </p>
            <button class="danger" type="submit">
              Cancel order
            </button>
          </form>
        ) : null}
        {!open ? (
          <p class="muted">The order is {order.status.replace('_', ' ')}: nothing more to do here.</p>
        ) : null}
      </section>

      <section aria-labelledby="timeline-h">
        <h2 id="timeline-h">Timeline</h2>
        <DataTable
          columns={['When (UTC)', 'Change', 'Status', 'Reason']}
          rows={timeline}
          row={(t) => (
            <tr>
              <td>{shortTime(t.at)}</td>
              <td>{t.change}</td>
              <td>{t.status}</td>
              <td>{t.reason ?? ''}</td>
            </tr>
          )}
        />
      </section>

      <section aria-labelledby="events-h">
        <h2 id="events-h">Events and webhook deliveries</h2>
        {events.length === 0 ? (
          <p class="muted">No events yet.</p>
        ) : (
          <DataTable
            columns={['When (UTC)', 'Event', 'Deliveries']}
            rows={events}
            row={(e) => {
              const mine = deliveries.filter((d) => d.eventId === e.eventId);
              return (
                <tr>
                  <td>{shortTime(e.occurredAt)}</td>
                  <td>{e.type}</td>
                  <td>
                    {mine.length === 0 ? (
                      <span class="muted">none</span>
                    ) : (
                      <ul class="plain">
                        {mine.map((d) => (
                          <li>
                            {d.outcome} · {d.statusCode ?? 'no answer'} · attempt {d.attempt} · {d.url}
                            {d.error ? <span class="danger-text"> · {d.error}</span> : null}
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                </tr>
              );
            }}
          />
        )}
      </section>
    </AppShell>
  );
}
