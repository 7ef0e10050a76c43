import type { PageAssets } from '../pages/page-assets.js';
import { can } from '../staff/roles.js';
import type { StaffContext } from '../staff/staff-context.js';
import { AppShell, CsrfField } from './app-shell.js';
import { DataTable } from './data-table.js';
import { shortTime } from './format.js';
import type { AgentRow } from './agents-data.js';
import { AgentFieldView } from './agent-field-view.js';

export interface RegisteredAgent {
  agentId: string;
  token: string;
  pluginUrl: string;
}

const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
/** A spool of a few images is shown in MiB, not as 0.0 GiB. */
const size = (bytes: number) => (bytes < 1024 ** 3 ? `${(bytes / 1024 ** 2).toFixed(1)} MiB` : gib(bytes));

/** `/app/agents`: each agent's link, queues and disk; registering a new one. */
export function AgentsPage(props: {
  assets: PageAssets;
  staff: StaffContext;
  agents: AgentRow[];
  registered: RegisteredAgent | null;
}) {
  return (
    <AppShell assets={props.assets} staff={props.staff} title="Agents" current="/app/agents">
      <h1>Agents</h1>
      {props.registered ? <Registered agent={props.registered} /> : null}
      {props.agents.length === 0 ? <p class="muted">No agents registered.</p> : null}
      <div>
        <DataTable
          class="cards"
          columns={['Agent', 'Link', 'Last seen (UTC)', 'Version', 'Queues', 'Spool disk']}
          rows={props.agents}
          row={(a) => (
            <tr>
              <td>
                <strong>{a.name}</strong>
                <div class="muted">{a.id}</div>
                <div class="muted">
                  {a.stations.length === 0
                    ? 'stations: any'
                    : a.stations.map((s) => `${s.aeTitle} (${s.modality})`).join(', ')}
                </div>
              </td>
              <td data-label="Link">
                <span class={`badge ${a.connected ? 'completed' : 'discontinued'}`}>
                  {a.connected ? 'connected' : 'not connected'}
                </span>
              </td>
              <td data-label="Last seen (UTC)">{shortTime(a.lastSeenAt) || 'never'}</td>
              <td data-label="Version">{a.version ?? '—'}</td>
              <td data-label="Queues">
                <Queues agent={a} />
              </td>
              <td data-label="Spool disk">
                <Disk agent={a} />
              </td>
            </tr>
          )}
        />
      </div>
      {props.agents.map((a) => (
        <AgentFieldView agent={a} staff={props.staff} />
      ))}

      {can(props.staff.role, 'agents.register') ? (
        <section aria-labelledby="register-h">
          <h2 id="register-h">Register an agent</h2>
          <form method="post" action="/app/agents" class="inline-form">
            <CsrfField staff={props.staff} />
            <p>
              <label for="agent-name">Name (the PC it runs on)</label>
              <input id="agent-name" name="name" required maxlength={128} />
            </p>
            <p>
              <label for="agent-stations">Stations, as AE:MODALITY, comma-separated</label>
              <input id="agent-stations" name="stations" maxlength={1024} placeholder="DR1:DX, US1:US" />
            </p>
            <button type="submit">Register</button>
          </form>
        </section>
      ) : null}
    </AppShell>
  );
}

function Queues(props: { agent: AgentRow }) {
  const a = props.agent;
  const q = a.status?.queues;
  return (
    <ul class="plain">
      <li>to agent: {a.toAgent}</li>
      <li>outbox (to plugin): {q ? q.outbox : a.fromAgent}</li>
      {q ? (
        <>
          <li>delivery: {q.delivery}</li>
          <li>forwarding: {q.forwarding ?? 'no PACS configured'}</li>
        </>
      ) : null}
      {a.status ? <li class="muted">reported {shortTime(a.status.at)}</li> : null}
    </ul>
  );
}

function Disk(props: { agent: AgentRow }) {
  const a = props.agent;
  const spool = a.status?.spool;
  return (
    <>
      {spool ? (
        <div>
          spool {size(spool.bytes)} in {spool.files} files
        </div>
      ) : null}
      {a.disk ? (
        <>
          <span class={a.disk.state === 'low' ? 'danger-text' : undefined}>
            {gib(a.disk.freeBytes)} free
            {a.disk.state === 'low' ? ' — below the minimum, images refused' : ''}
          </span>
          <div class="muted">
            minimum {gib(a.disk.minFreeBytes)} · reported {shortTime(a.disk.at)}
            {a.daysUntilFull !== null
              ? ` · full in about ${Math.max(0, Math.floor(a.daysUntilFull))} days at the recent rate`
              : ' · no trend yet'}
          </div>
        </>
      ) : (
        <span class="muted">no report yet</span>
      )}
    </>
  );
}

function Registered(props: { agent: RegisteredAgent }) {
  const { agent } = props;
  const config = JSON.stringify(
    {
      pluginUrl: agent.pluginUrl,
      agentId: agent.agentId,
      agentToken: agent.token,
      aeTitle: 'LIGHTBOX',
      dicomPort: 11112,
    },
    null,
    2,
  );
  return (
    <section class="notice registered" role="status" aria-labelledby="registered-h">
      <div>
        <h2 id="registered-h">Agent {agent.agentId} registered</h2>
        <p>
          <strong>The token is shown only now.</strong> Put this in the agent's <code>agent.json</code> on the
          modality PC:
        </p>
        <pre class="token">{config}</pre>
        <p>Then install it as a service:</p>
        <pre class="token">sudo npm run agent -- install-service --config /etc/lightbox/agent.json</pre>
      </div>
    </section>
  );
}
