import type { PageAssets } from '../pages/page-assets.js';
import type { StaffContext } from '../staff/staff-context.js';
import { AppShell } from './app-shell.js';
import { DataTable } from './data-table.js';
import type { Board, BoardFilter } from './board-query.js';
import type { OrderFacts } from './order-facts.js';

/** `/app/orders`: today's imaging by modality and station, live, and a search. */
export function BoardPage(props: {
  assets: PageAssets;
  staff: StaffContext;
  board: Board;
  filter: BoardFilter;
  timeOf: (iso: string | null) => string;
  timeZone: string;
}) {
  const { board, filter } = props;
  return (
    <AppShell
      assets={props.assets}
      staff={props.staff}
      title="Imaging board"
      current="/app/orders"
      scripts={['app-board.js']}
    >
      <h1>Imaging board · {board.today}</h1>
      <form method="get" action="/app/orders" class="filters" role="search">
        <p>
          <label for="q">Patient, owner or accession</label>
          <input id="q" name="q" type="search" value={filter.q} maxlength={64} />
        </p>
        <p>
          <label for="modality">Modality</label>
          <select id="modality" name="modality">
            <option value="">All</option>
            {board.modalities.map((m) => (
              <option value={m} selected={m === filter.modality}>
                {m}
              </option>
            ))}
          </select>
        </p>
        <button type="submit">Show</button>
        {filter.q || filter.modality ? (
          <a class="button secondary" href="/app/orders">
            Clear
          </a>
        ) : null}
      </form>
      <p id="live" class="live muted" aria-live="polite" data-stream="/app/orders/stream">
        Times are {props.timeZone}.
      </p>

      {board.found ? (
        <section aria-labelledby="found-h">
          <h2 id="found-h">
            {board.found.length} {board.found.length === 1 ? 'order matches' : 'orders match'} “{filter.q}”
          </h2>
          <OrderTable orders={board.found} timeOf={props.timeOf} withDay />
        </section>
      ) : (
        <>
          {board.groups.length === 0 ? <p class="muted">No imaging scheduled today.</p> : null}
          {board.groups.map((g) => (
            <section aria-label={`${g.modality} ${g.station ?? 'any station'}`}>
              <h2>
                {g.modality} · {g.station ? `station ${g.station}` : 'any station'}{' '}
                <span class="muted">({g.orders.length})</span>
              </h2>
              <OrderTable orders={g.orders} timeOf={props.timeOf} />
            </section>
          ))}
          <section aria-labelledby="upcoming-h">
            <h2 id="upcoming-h">Upcoming, next 7 days ({board.upcoming.length})</h2>
            {board.upcoming.length === 0 ? (
              <p class="muted">Nothing scheduled.</p>
            ) : (
              <OrderTable orders={board.upcoming} timeOf={props.timeOf} withDay />
            )}
          </section>
        </>
      )}
    </AppShell>
  );
}

function OrderTable(props: {
  orders: OrderFacts[];
  timeOf: (iso: string | null) => string;
  withDay?: boolean;
}) {
  return (
    <DataTable
      class="board"
      columns={[props.withDay ? 'When' : 'Time', 'Patient', 'Owner', 'Procedure', 'Accession', 'Status']}
      rows={props.orders}
      row={(o) => (
        <tr data-order-id={o.id}>
          <td>
            {props.withDay && o.scheduledAt ? `${o.scheduledAt.slice(0, 10)} ` : ''}
            {props.timeOf(o.scheduledAt)}
          </td>
          <td>
            <a href={`/app/orders/${encodeURIComponent(o.id)}`}>{o.petName}</a>{' '}
            <span class="muted">
              {o.species} · {o.patientId}
            </span>
          </td>
          <td>{o.owner}</td>
          <td>
            {o.procedure} <span class="muted">{o.modality}</span>
          </td>
          <td>{o.accessionNumber}</td>
          <td>
            <span class={`badge ${o.status}`} data-status>
              {o.status.replace('_', ' ')}
            </span>
          </td>
        </tr>
      )}
    />
  );
}
