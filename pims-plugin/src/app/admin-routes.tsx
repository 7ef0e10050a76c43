import type { Hono } from 'hono';
import { and, desc, eq, inArray, like, lt, ne } from 'drizzle-orm';
import { LightboxError } from '@lightbox/runtime';
import { recordAudit } from '../audit/audit-log.js';
import { agentLinkState, agents, auditLog, webhookDeliveries, webhooks } from '../db/schema.js';
import type { AppEnv } from '../http/app-env.js';
import { htmlResponse } from '../pages/html-response.js';
import { hashSecret, mintId, mintSecret } from '../sites/secret-hash.js';
import { requirePermission, type GuardAnswers } from '../staff/staff-guard.js';
import { listWebhooks, resumeWebhook } from '../webhooks/webhook-store.js';
import { createAgentBody } from '../agents/agents-routes.js';
import type { AppScreenDeps } from './app-screen-deps.js';
import { loadAgents } from './agents-data.js';
import { AgentsPage } from './agents-page.js';
import { requestEcho, waitForEcho } from '../agent-health/agent-echo.js';
import { AuditPage } from './audit-page.js';
import { field, screenAction } from './screen-action.js';
import { WebhooksPage } from './webhooks-page.js';

const AUDIT_PAGE = 100;
const ECHO_PAGE_WAIT_MS = 8_000;

/** Agents, webhook deliveries and the audit log: the practice manager's and engineer's screens. */
export function mountAdminScreens(app: Hono<AppEnv>, deps: AppScreenDeps, answers: GuardAnswers): void {
  app.get('/app/agents', requirePermission('agents.view', answers), async (c) =>
    htmlResponse(
      <AgentsPage
        assets={deps.pageAssets}
        staff={c.get('staff')}
        agents={await loadAgents(deps.database.db, deps.hub, c.get('siteId'))}
        registered={null}
      />,
    ),
  );

  app.post('/app/agents', requirePermission('agents.register', answers), (c) =>
    screenAction(c, deps.pageAssets, '/app/agents', async () => {
      const form = await c.req.parseBody();
      const stations = (field(form, 'stations') ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
        .map((s) => {
          const [aeTitle, modality] = s.split(':').map((p) => p.trim());
          return { aeTitle, modality: modality?.toUpperCase() };
        });
      const parsed = createAgentBody.safeParse({ name: field(form, 'name') ?? '', stations });
      if (!parsed.success) {
        throw new LightboxError(
          'validation_failed',
          parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
        );
      }
      const agentId = mintId('agt');
      const token = mintSecret('lbx_agt');
      await deps.database.write(async (tx) => {
        await tx.insert(agents).values({
          id: agentId,
          siteId: c.get('siteId'),
          name: parsed.data.name,
          tokenHash: hashSecret(token),
          stationsJson: JSON.stringify(parsed.data.stations),
        });
        await tx.insert(agentLinkState).values({ agentId });
        await recordAudit(tx, {
          siteId: c.get('siteId'),
          actor: c.get('actor'),
          action: 'agent.registered',
          subject: { type: 'agent', id: agentId },
          detail: { name: parsed.data.name },
        });
      });
      return htmlResponse(
        <AgentsPage
          assets={deps.pageAssets}
          staff={c.get('staff')}
          agents={await loadAgents(deps.database.db, deps.hub, c.get('siteId'))}
          registered={{ agentId, token, pluginUrl: deps.publicBaseUrl }}
        />,
        { status: 201 },
      );
    }),
  );

  app.post('/app/agents/:agentId/echo', requirePermission('agents.echo', answers), (c) =>
    screenAction(c, deps.pageAssets, '/app/agents', async () => {
      const form = await c.req.parseBody();
      const agentId = c.req.param('agentId');
      const echoId = await requestEcho(deps.database, deps.hub, {
        siteId: c.get('siteId'),
        agentId,
        targetId: (field(form, 'target') ?? '').slice(0, 80),
        actor: c.get('actor'),
      });
      // The page comes back with the answer when the agent gives it within a few seconds (an
      // unreachable peer takes the agent's 5 s timeout); later, a reload shows it.
      await waitForEcho(deps.database.db, echoId, ECHO_PAGE_WAIT_MS);
      return c.redirect(`/app/agents#echo-${encodeURIComponent(agentId)}`, 303);
    }),
  );

  app.get('/app/webhooks', requirePermission('webhooks.view', answers), async (c) => {
    const siteId = c.get('siteId');
    const subscriptions = await listWebhooks(deps.database.db, siteId);
    const ids = subscriptions.map((w) => w.id);
    const failing =
      ids.length === 0
        ? []
        : await deps.database.db
            .select({ d: webhookDeliveries, url: webhooks.url })
            .from(webhookDeliveries)
            .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
            .where(and(inArray(webhookDeliveries.webhookId, ids), ne(webhookDeliveries.outcome, 'delivered')))
            .orderBy(desc(webhookDeliveries.id))
            .limit(50);
    return htmlResponse(
      <WebhooksPage
        assets={deps.pageAssets}
        staff={c.get('staff')}
        subscriptions={subscriptions}
        failing={failing.map((r) => ({ ...r.d, url: r.url }))}
      />,
    );
  });

  app.post('/app/webhooks/:webhookId/resume', requirePermission('webhooks.resume', answers), (c) =>
    screenAction(c, deps.pageAssets, '/app/webhooks', async () => {
      const id = c.req.param('webhookId');
      await resumeWebhook(deps.database, c.get('siteId'), id, c.get('actor'));
      deps.webhooksChanged();
      return c.redirect('/app/webhooks', 303);
    }),
  );

  app.get('/app/audit', requirePermission('audit.view', answers), async (c) => {
    const action = (c.req.query('action') ?? '').trim().slice(0, 64);
    const before = Number.parseInt(c.req.query('before') ?? '', 10);
    const entries = await deps.database.db
      .select()
      .from(auditLog)
      .where(
        and(
          eq(auditLog.siteId, c.get('siteId')),
          action ? like(auditLog.action, `${action.replace(/[\\%_]/g, (m) => `\\${m}`)}%`) : undefined,
          Number.isFinite(before) ? lt(auditLog.id, before) : undefined,
        ),
      )
      .orderBy(desc(auditLog.id))
      .limit(AUDIT_PAGE);
    const next = entries.length === AUDIT_PAGE ? entries.at(-1)!.id : null;
    return htmlResponse(
      <AuditPage
        assets={deps.pageAssets}
        staff={c.get('staff')}
        entries={entries}
        action={action}
        next={next}
      />,
    );
  });
}
