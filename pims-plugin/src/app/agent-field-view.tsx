import type { EchoTarget } from '@lightbox/protocol';
import { can } from '../staff/roles.js';
import type { StaffContext } from '../staff/staff-context.js';
import { CsrfField } from './app-shell.js';
import { DataTable } from './data-table.js';
import type { AgentRow } from './agents-data.js';

/** `2026-12-03 15:40:12`: a console being set up is watched to the second. */
const secondsTime = (iso: string): string => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(0, 19).replace('T', ' ');
};

const targetLabel = (t: Pick<EchoTarget, 'aeTitle' | 'host' | 'port'> & { role?: string }): string => {
  const what =
    t.role === 'pacs' ? 'PACS' : t.role === 'self' ? 'this agent' : t.role === 'station' ? 'console' : '';
  return `${what ? `${what}: ` : ''}${t.aeTitle} at ${t.host}:${t.port}`;
};

/**
 * What a field engineer setting a console up needs of one agent: the last worklist query of each
 * calling AE title (its keys, how many items it got) and a C-ECHO to a peer the agent knows.
 * Every AE title, key and value is a modality's text, rendered as text.
 */
export function AgentFieldView(props: { agent: AgentRow; staff: StaffContext }) {
  const { agent, staff } = props;
  const id = `agent-${agent.id}`;
  const queries = agent.status?.worklistQueries ?? [];
  return (
    <section aria-labelledby={`${id}-h`} class="agent-field">
      <h2 id={`${id}-h`}>{agent.name}: worklist queries and C-ECHO</h2>
      <h3>Last worklist query by calling AE title</h3>
      {agent.status === null ? (
        <p class="muted">
          This agent has not reported its worklist queries (it reports them from this version on).
        </p>
      ) : queries.length === 0 ? (
        <p class="muted">No worklist query since the agent started.</p>
      ) : (
        <div>
          <DataTable
            class="queries cards"
            columns={['Calling AE', 'When (UTC)', 'Keys with a value', 'Items', 'Outcome']}
            rows={queries}
            row={(q) => (
              <tr data-calling-ae={q.callingAe}>
                <th scope="row">
                  <code>{q.callingAe}</code>
                </th>
                <td data-label="When (UTC)">{secondsTime(q.at)}</td>
                <td data-label="Keys with a value">
                  {q.keys.length === 0 ? (
                    <span class="muted">none (every item)</span>
                  ) : (
                    <ul class="plain">
                      {q.keys.map((k) => (
                        <li>
                          <code>{k.key}</code> = <code>{k.value}</code>
                        </li>
                      ))}
                    </ul>
                  )}
                  <div class="muted">{q.requestedKeys} keys asked for</div>
                </td>
                <td data-label="Items">
                  {q.matched} matched
                  {q.sent !== q.matched ? `, ${q.sent} sent` : ''}
                </td>
                <td data-label="Outcome">
                  <span class={q.outcome === 'success' ? undefined : 'warn-text'}>{q.outcome}</span>
                  {q.comment ? <div class="muted">{q.comment}</div> : null}
                </td>
              </tr>
            )}
          />
        </div>
      )}
      <h3>C-ECHO</h3>
      <EchoResult agent={agent} />
      {can(staff.role, 'agents.echo') ? <EchoForm agent={agent} staff={staff} /> : null}
    </section>
  );
}

function EchoResult(props: { agent: AgentRow }) {
  const e = props.agent.echo;
  if (!e) return <p class="muted">No C-ECHO asked from this page yet.</p>;
  const target = e.targetJson
    ? (JSON.parse(e.targetJson) as Pick<EchoTarget, 'aeTitle' | 'host' | 'port'>)
    : null;
  const to = target ? `${target.aeTitle} at ${target.host}:${target.port}` : e.targetId;
  const who = `asked by ${e.actorName ?? e.actorType} at ${secondsTime(e.requestedAt)} UTC`;
  return (
    <p class="echo-result" id={`echo-${props.agent.id}`} data-echo-id={e.id}>
      {e.answeredAt === null ? (
        <span class="warn-text">C-ECHO to {to}: no answer from the agent yet</span>
      ) : e.ok ? (
        <span class="ok-text">
          C-ECHO to {to}: succeeded, round trip {e.ms ?? '?'} ms
        </span>
      ) : (
        <span class="danger-text">
          C-ECHO to {to}: failed — {e.error ?? 'no reason given'}
        </span>
      )}
      <span class="muted"> ({who})</span>
    </p>
  );
}

function EchoForm(props: { agent: AgentRow; staff: StaffContext }) {
  const { agent } = props;
  const targets = agent.status?.echoTargets ?? [];
  if (!agent.connected) return <p class="muted">The agent is not connected: it cannot echo now.</p>;
  if (targets.length === 0)
    return (
      <p class="muted">This agent has not reported the peers it can echo (it does from this version on).</p>
    );
  const selectId = `echo-target-${agent.id}`;
  return (
    <form method="post" action={`/app/agents/${encodeURIComponent(agent.id)}/echo`} class="inline-form">
      <CsrfField staff={props.staff} />
      <label for={selectId}>Peer</label>
      <select id={selectId} name="target">
        {targets.map((t) => (
          <option value={t.id}>{targetLabel(t)}</option>
        ))}
      </select>
      <button type="submit">Send C-ECHO</button>
    </form>
  );
}
