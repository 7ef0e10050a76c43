// The imaging board, live: each order event moves its row's badge at once. Without scripts the
// board is still right as of its load; with them, statuses follow the modalities.
const live = document.getElementById('live');
const streamUrl = live?.dataset.stream;

interface OrderChange {
  orderId: string;
  status: string;
  accessionNumber: string;
}

if (live && streamUrl && 'EventSource' in window) {
  const source = new EventSource(streamUrl);
  let unknown = 0;
  source.addEventListener('open', () => {
    live.textContent = 'Live: statuses update as the modalities report.';
  });
  source.addEventListener('order', (e) => {
    const change = JSON.parse((e as MessageEvent<string>).data) as OrderChange;
    const row = document.querySelector<HTMLTableRowElement>(
      `tr[data-order-id="${CSS.escape(change.orderId)}"]`,
    );
    const badge = row?.querySelector<HTMLElement>('[data-status]');
    if (!badge) {
      unknown += 1;
      live.textContent = `${unknown} new or moved ${unknown === 1 ? 'order' : 'orders'}: reload to see ${unknown === 1 ? 'it' : 'them'}.`;
      return;
    }
    badge.className = `badge ${change.status}`;
    badge.textContent = change.status.replace('_', ' ');
    live.textContent = `Order ${change.accessionNumber} is now ${change.status.replace('_', ' ')}.`;
  });
  source.addEventListener('error', () => {
    // EventSource reconnects by itself; say so rather than show a stale "live".
    live.textContent = 'Reconnecting for live updates…';
  });
}
