// The chart panel: new studies and images appear while it is open, through server-sent events
// (same origin, the link's token in the URL: no cookie is needed inside a PIMS's iframe).
const panel = document.querySelector<HTMLElement>('main.panel');
const list = document.getElementById('studies');
const live = document.getElementById('live');

function say(text: string): void {
  if (live) live.textContent = text;
}

async function refresh(): Promise<void> {
  if (!panel?.dataset.list || !list) return;
  const res = await fetch(panel.dataset.list, { cache: 'no-store' });
  if (!res.ok) {
    say('The link has expired: open the images again from the record.');
    return;
  }
  const before = list.querySelectorAll('[data-study-id]').length;
  // Server-rendered and escaped: every modality string in it is text.
  list.innerHTML = await res.text();
  const after = list.querySelectorAll('[data-study-id]').length;
  say(after > before ? 'A new study has arrived.' : 'The list was updated.');
}

if (panel?.dataset.updates && 'EventSource' in window) {
  const source = new EventSource(panel.dataset.updates);
  source.addEventListener('changed', () => {
    void refresh();
  });
  source.addEventListener('expired', () => {
    source.close();
    say('The link has expired: open the images again from the record to see new images.');
  });
  source.addEventListener('error', () => {
    // A refused stream (revoked link) is not retried forever; EventSource retries on its own
    // after network errors.
    if (source.readyState === EventSource.CLOSED) say('Live updates stopped.');
  });
}
