import type { StaffContext } from '../staff/staff-context.js';
import { can } from '../staff/roles.js';
import { AppShell, CsrfField } from './app-shell.js';
import { DataTable } from './data-table.js';
import type { PageAssets } from '../pages/page-assets.js';
import { dayOf, sameText, shortTime } from './format.js';
import type { OrderFacts } from './order-facts.js';
import type { ModalityPatient, QueueItem, ReconcileQueue } from './reconcile-queue.js';

export interface ReconcileView {
  queue: ReconcileQueue;
  /** The study just linked, offered for undo. */
  linked: { studyId: string; accession: string } | null;
}

/** `/app/reconcile`: each item beside its suggested orders, differences marked, linked in one action. */
export function ReconcilePage(props: { assets: PageAssets; staff: StaffContext; view: ReconcileView }) {
  const { queue, linked } = props.view;
  const mayLink = can(props.staff.role, 'reconcile.link');
  return (
    <AppShell assets={props.assets} staff={props.staff} title="Reconcile" current="/app/reconcile">
      <h1>Reconcile</h1>
      <p class="muted">
        Images and procedure steps that no order claims. Compare what the modality recorded with each
        suggested order, then link. Times are UTC.
      </p>
      {linked ? (
        <div class="notice" role="status">
          <span>
            Study linked to order <strong>{linked.accession}</strong>.
          </span>
          <form method="post" action={`/app/reconcile/studies/${encodeURIComponent(linked.studyId)}/unlink`}>
            <CsrfField staff={props.staff} />
            <button class="secondary" type="submit">
              Undo
            </button>
          </form>
        </div>
      ) : null}

      <section aria-labelledby="studies-h">
        <h2 id="studies-h">Unmatched studies ({queue.studies.length})</h2>
        {queue.studies.length === 0 ? <p class="muted">Nothing to file.</p> : null}
        {queue.studies.map((item) => (
          <QueueCard item={item} staff={props.staff} mayLink={mayLink} />
        ))}
      </section>

      <section aria-labelledby="steps-h">
        <h2 id="steps-h">Unscheduled procedure steps ({queue.steps.length})</h2>
        {queue.steps.length === 0 ? <p class="muted">None.</p> : null}
        {queue.steps.map((item) => (
          <QueueCard item={item} staff={props.staff} mayLink={mayLink} />
        ))}
      </section>

      <section aria-labelledby="reopened-h">
        <h2 id="reopened-h">Re-opened orders ({queue.reopened.length})</h2>
        <p class="muted">
          The modality said “incorrect worklist entry selected”: these orders are back on the worklist, and
          the images taken under them wait above to be filed.
        </p>
        {queue.reopened.length === 0 ? null : (
          <DataTable
            columns={['Accession', 'Patient', 'Procedure', 'Re-opened']}
            rows={queue.reopened}
            row={(r) => (
              <tr>
                <td>
                  <a href={`/app/orders/${encodeURIComponent(r.order.id)}`}>{r.order.accessionNumber}</a>
                </td>
                <td>
                  {r.order.petName} ({r.order.patientId}) · {r.order.owner}
                </td>
                <td>{r.order.procedure}</td>
                <td>{shortTime(r.at)}</td>
              </tr>
            )}
          />
        )}
      </section>

      <section aria-labelledby="trail-h">
        <h2 id="trail-h">Recent links and undos</h2>
        {queue.recent.length === 0 ? (
          <p class="muted">None yet.</p>
        ) : (
          <ul class="trail">
            {queue.recent.map((a) => (
              <li>
                {shortTime(a.at)} · <strong>{a.actorName ?? a.actorType}</strong> · {a.action} · {a.subjectId}
              </li>
            ))}
          </ul>
        )}
      </section>
    </AppShell>
  );
}

function QueueCard(props: { item: QueueItem; staff: StaffContext; mayLink: boolean }) {
  const { item } = props;
  const base = `/app/reconcile/${item.kind === 'study' ? 'studies' : 'steps'}/${encodeURIComponent(item.id)}`;
  const headingId = `${item.kind}-${item.id}`.replace(/[^A-Za-z0-9_-]/g, '_');
  return (
    <article class="card queue-item" aria-labelledby={headingId}>
      <h3 id={headingId}>{item.title}</h3>
      <p class="muted">
        Received {shortTime(item.receivedAt)}
        {item.station ? <> · station {item.station}</> : null}
        {item.kind === 'study' ? (
          <>
            {' '}
            · {item.imageCount} {item.imageCount === 1 ? 'image' : 'images'}
          </>
        ) : null}
      </p>
      {item.thumbnails.length > 0 ? (
        <div class="thumbs">
          {item.thumbnails.map((t) => (
            <img src={t.url} alt={t.alt} width={96} height={96} loading="lazy" />
          ))}
        </div>
      ) : null}
      {item.suggestions.length === 0 ? (
        <p>
          No order looks like this patient.
          <span class="muted"> The modality recorded: </span>
          {item.modality.patientName ?? 'no name'} · {item.modality.patientId ?? 'no patient ID'}
        </p>
      ) : (
        item.suggestions.map(({ order, suggestion }) => (
          <div class="suggestion">
            <Comparison modality={item.modality} order={order} />
            <p class="muted">Suggested for: {suggestion.reasons.join(', ')}</p>
            {props.mayLink ? (
              <form method="post" action={`${base}/link`} class="inline-form">
                <CsrfField staff={props.staff} />
                <input type="hidden" name="orderId" value={order.id} />
                {item.kind === 'study' ? (
                  <label class="check">
                    <input type="checkbox" name="complete" value="yes" checked /> The examination is finished:
                    complete the order
                  </label>
                ) : null}
                <button type="submit">Link to {order.accessionNumber}</button>
              </form>
            ) : null}
          </div>
        ))
      )}
      {props.mayLink ? (
        <form method="post" action={`${base}/link`} class="inline-form other-order">
          <CsrfField staff={props.staff} />
          <label for={`acc-${headingId}`}>Another order, by accession number</label>
          <input id={`acc-${headingId}`} name="accession" maxlength={64} required />
          {item.kind === 'study' ? <input type="hidden" name="complete" value="yes" /> : null}
          <button class="secondary" type="submit">
            Link
          </button>
        </form>
      ) : null}
    </article>
  );
}

/** The modality's patient data against the order's, each difference marked in words and colour. */
function Comparison(props: { modality: ModalityPatient; order: OrderFacts }) {
  const { modality: m, order: o } = props;
  const rows: [string, string | null, string | null, boolean][] = [
    ['Patient ID', m.patientId, o.patientId, (m.patientId ?? '') === o.patientId],
    ['Patient name', m.patientName, o.dicomPatientName, sameText(m.patientName, o.dicomPatientName)],
    ['Modality', m.modality, o.modality, (m.modality ?? '') === o.modality],
    ['Date', dayOf(m.date), dayOf(o.scheduledAt), dayOf(m.date) === dayOf(o.scheduledAt)],
  ];
  return (
    <DataTable
      class="compare"
      caption={
        <>
          Order {o.accessionNumber}: {o.petName} ({o.species}), owner {o.owner}, {o.procedure} ·{' '}
          <span class={`badge ${o.status}`}>{o.status.replace('_', ' ')}</span>
        </>
      }
      columns={['Field', 'Modality recorded', 'Order says']}
      rows={rows}
      row={([label, a, b, same]) => (
        <tr class={same ? undefined : 'differs'}>
          <th scope="row">
            {label}
            {same ? null : <span class="diff-flag"> (differs)</span>}
          </th>
          <td>{a ?? '—'}</td>
          <td>{b ?? '—'}</td>
        </tr>
      )}
    />
  );
}
