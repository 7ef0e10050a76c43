import type { Hono, MiddlewareHandler } from 'hono';
import { upgradeWebSocket } from '@hono/node-server';
import type { WebSocket } from 'ws';
import { eq } from 'drizzle-orm';
import {
  CloseCode,
  LinkEndpoint,
  PROTOCOL_VERSION,
  agentFrame,
  closeCodeName,
  inboxAfterHandshake,
  parseFrame,
  peerCountersProblem,
  type AgentFrame,
  type AgentToPluginMessage,
  type ErrorFrame,
} from '@lightbox/protocol';
import type { Database } from '../db/database.js';
import { recordAgentStatus } from '../agent-health/agent-status-store.js';
import { agents } from '../db/schema.js';
import type { AppEnv } from '../http/app-env.js';
import type { Logger } from '../log.js';
import { bearerToken } from '../sites/api-key-auth.js';
import { agentByToken, promoteNextToken, tokenStillValid } from '../sites/agent-credentials.js';
import { unauthorized } from '../errors.js';
import type { LinkHub } from './link-hub.js';
import { outboxDepth } from '../outbox/outbox-to-agent.js';
import { resyncWorklistIfNeeded } from '../orders/worklist-resync.js';
import type { StudyIntake } from './apply-agent-message.js';
import { advanceInbox, pluginLinkStore, readLinkState } from './plugin-link-store.js';
import { LogCode } from '../log-codes.js';

const OUTBOX_BACKSTOP_POLL_MS = 5_000;

const AGENT_FRAME_TYPES = ['hello', 'msg', 'ack', 'heartbeat', 'error'] as const;

export interface LinkRouteDeps {
  database: Database;
  hub: LinkHub;
  log: Logger;
  heartbeatMs: number;
  intake: StudyIntake;
}

/**
 * Agent token → agent, checked before the upgrade so a wrong token gets a plain 401. A rotated
 * token not yet used is accepted too; on the link itself (`promote`) it then replaces the old one.
 */
function agentTokenAuth(database: Database, promote: boolean): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = bearerToken(c.req.header('authorization'));
    if (!token) throw unauthorized('an agent token is required');
    const found = await agentByToken(database, token);
    if (!found) throw unauthorized('the agent token is not valid');
    if (promote && found.viaNextToken && (await promoteNextToken(database, found.id, token))) {
      c.get('log').info('agent linked with its new token; the old token is revoked', { agentId: found.id });
    }
    c.set('agentId', found.id);
    c.set('agentToken', token);
    await next();
  };
}

let nextConnectionId = 1;

export function mountLinkRoute(app: Hono<AppEnv>, deps: LinkRouteDeps): void {
  app.get('/v1/agents/link-check', agentTokenAuth(deps.database, false), (c) =>
    c.json({ agentId: c.get('agentId'), protocolVersion: PROTOCOL_VERSION, time: new Date().toISOString() }),
  );
  app.get(
    '/v1/agents/link',
    agentTokenAuth(deps.database, true),
    upgradeWebSocket((c) => {
      // The auth middleware in front of this route set it; the helper's context is untyped.
      const agentId = c.get('agentId') as string;
      const token = c.get('agentToken') as string;
      const connectionId = nextConnectionId++;
      const log = deps.log.child({ agentId, connectionId });
      let session: AgentSession | null = null;
      return {
        onOpen: (_event: unknown, ws: { raw?: unknown }) => {
          const raw = ws.raw as WebSocket;
          raw.on('error', (err) => log.warn('link socket error', { err: err.message }));
          session = new AgentSession(deps, agentId, token, connectionId, raw, log);
        },
        onMessage: (event: { data: unknown }) => {
          session?.onRaw(event.data);
        },
        onClose: (event: { code: number; reason: string }) => {
          void session?.closed(event.code, event.reason);
        },
      };
    }),
  );
}

/** One agent connection: the handshake, then frames routed to the durable link endpoint. */
class AgentSession {
  private endpoint: LinkEndpoint<AgentToPluginMessage> | null = null;
  private handshaking = false;
  private readonly helloTimer: NodeJS.Timeout;

  constructor(
    private readonly deps: LinkRouteDeps,
    private readonly agentId: string,
    private readonly token: string,
    private readonly connectionId: number,
    private readonly ws: WebSocket,
    private readonly log: Logger,
  ) {
    this.helloTimer = setTimeout(
      () => {
        this.close(CloseCode.invalidHandshake, 'no hello received in time');
      },
      Math.max(5_000, deps.heartbeatMs * 2),
    );
  }

  onRaw(data: unknown): void {
    this.endpoint?.heard();
    if (typeof data !== 'string') {
      this.sendError({ type: 'error', code: 'invalid-json', message: 'frames are JSON text, not binary' });
      return;
    }
    const parsed = parseFrame<AgentFrame>(agentFrame, AGENT_FRAME_TYPES, data);
    if (!parsed.ok) {
      this.log.warn('invalid frame from agent', { code: parsed.error.code, message: parsed.error.message });
      this.sendError(parsed.error);
      return;
    }
    this.dispatch(parsed.frame);
  }

  private dispatch(frame: AgentFrame): void {
    if (frame.type === 'hello') {
      if (this.endpoint || this.handshaking) {
        this.sendError({ type: 'error', code: 'unexpected-frame', message: 'hello after the handshake' });
        return;
      }
      this.handshaking = true;
      this.handshake(frame).catch((err: unknown) => {
        this.log.error('handshake failed', { err: String(err) });
        this.close(1011, 'handshake failed');
      });
      return;
    }
    const endpoint = this.endpoint;
    if (!endpoint) {
      this.sendError({ type: 'error', code: 'unexpected-frame', message: `${frame.type} before hello` });
      return;
    }
    if (frame.type === 'heartbeat') void this.recordHeartbeat(frame);
    endpoint.onFrame(frame);
  }

  private async handshake(hello: Extract<AgentFrame, { type: 'hello' }>): Promise<void> {
    clearTimeout(this.helloTimer);
    if (hello.protocolVersion !== PROTOCOL_VERSION) {
      const reason = `incompatible protocol: plugin speaks ${PROTOCOL_VERSION}, agent speaks ${hello.protocolVersion}`;
      this.log.error('agent refused', {
        code: LogCode.agentRefused,
        reason,
        agentVersion: hello.agentVersion,
      });
      this.close(CloseCode.incompatibleProtocol, reason);
      return;
    }
    if (hello.agentId !== this.agentId) {
      this.log.error('agent refused', {
        code: LogCode.agentRefused,
        reason: 'hello names another agent',
        claimed: hello.agentId,
      });
      this.close(CloseCode.invalidHandshake, 'the token belongs to another agent id');
      return;
    }
    const { database } = this.deps;
    let state = await readLinkState(database, this.agentId);
    const problem = peerCountersProblem(hello.lastReceivedSeq, state.lastOutSeq, hello.outboxFloorSeq);
    if (problem) {
      // Refused before anything is changed: believing it would drop every message up to its number.
      this.log.error('agent refused', {
        code: LogCode.agentRefused,
        reason: problem,
        agentVersion: hello.agentVersion,
      });
      this.close(CloseCode.invalidHandshake, problem);
      return;
    }
    const { advanceTo } = inboxAfterHandshake(state.lastInSeq, hello.outboxFloorSeq);
    if (advanceTo !== null) {
      this.log.warn('agent had acknowledged messages this database never applied; advancing', {
        from: state.lastInSeq,
        to: advanceTo,
      });
      await advanceInbox(database, this.agentId, advanceTo);
    }
    // The agent lost messages it had acknowledged (a replaced journal): its worklist needs a full
    // resynchronisation even if more messages are still queued for it.
    const agentLostState = hello.lastReceivedSeq < state.ackedOutSeq;
    if (agentLostState || (await outboxDepth(database.db, this.agentId)) === 0) {
      const sync = await database.write((tx) =>
        resyncWorklistIfNeeded(tx, this.agentId, hello.worklist, agentLostState),
      );
      if (sync.resynced) this.log.info('worklist resynchronised', { items: sync.items, agentLostState });
    }
    state = await readLinkState(database, this.agentId);
    await database.write((tx) =>
      tx
        .update(agents)
        .set({ connected: true, agentVersion: hello.agentVersion, lastSeenAt: new Date().toISOString() })
        .where(eq(agents.id, this.agentId)),
    );
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(
      JSON.stringify({
        type: 'welcome',
        protocolVersion: PROTOCOL_VERSION,
        lastReceivedSeq: state.lastInSeq,
        outboxFloorSeq: state.ackedOutSeq,
        config: { heartbeatMs: this.deps.heartbeatMs },
      }),
    );
    const endpoint = new LinkEndpoint<AgentToPluginMessage>({
      store: pluginLinkStore(
        database,
        this.agentId,
        this.log,
        (ids) => {
          for (const id of ids) this.deps.hub.notify(id);
        },
        this.deps.intake,
      ),
      socket: {
        send: (text) => {
          this.ws.send(text);
        },
        bufferedAmount: () => this.ws.bufferedAmount,
        close: (code, reason) => {
          this.close(code, reason);
        },
        terminate: (reason) => {
          this.log.warn('dropping agent link', { reason });
          this.ws.terminate();
        },
      },
      log: this.log,
      heartbeatMs: this.deps.heartbeatMs,
      // Rows written here wake the link at once and rows written by another plugin process within
      // OUTBOX_WATCH_MS (OutboxWatcher); this re-read is only the backstop, kept rare because on a
      // libsql server every read is a request.
      outboxPollMs: OUTBOX_BACKSTOP_POLL_MS,
      peerLastReceivedSeq: Math.max(hello.lastReceivedSeq, state.ackedOutSeq),
    });
    this.endpoint = endpoint;
    this.deps.hub.attach(
      this.agentId,
      this.connectionId,
      endpoint,
      (code = CloseCode.superseded, reason = 'a newer connection of this agent took over') => {
        this.close(code, reason);
      },
    );
    endpoint.start();
    this.log.info('agent linked', {
      code: LogCode.agentLinked,
      agentVersion: hello.agentVersion,
      agentLastReceived: hello.lastReceivedSeq,
      pluginLastReceived: state.lastInSeq,
    });
  }

  private lastHeartbeatWrite = 0;

  private async recordHeartbeat(frame: Extract<AgentFrame, { type: 'heartbeat' }>): Promise<void> {
    const now = Date.now();
    // A status report is always stored (the agent sends one every few seconds at most); a bare
    // heartbeat only refreshes "last seen", which need not be written more often than this.
    if (!frame.status && now - this.lastHeartbeatWrite < 5_000) return;
    this.lastHeartbeatWrite = now;
    const depth = frame.outboxDepth;
    const status = frame.status;
    try {
      // A token revoked (or an agent removed) through another plugin instance closes this link too.
      if (!(await tokenStillValid(this.deps.database, this.agentId, this.token))) {
        this.log.warn('closing the link: its token was revoked or the agent removed');
        this.close(CloseCode.credentialsRevoked, 'the agent token was revoked or the agent removed');
        return;
      }
      await this.deps.database.write(async (tx) => {
        await tx
          .update(agents)
          .set({
            lastSeenAt: new Date(now).toISOString(),
            ...(depth !== undefined ? { agentOutboxDepth: depth } : {}),
          })
          .where(eq(agents.id, this.agentId));
        if (status) await recordAgentStatus(tx, this.agentId, status, now);
      });
    } catch (err) {
      this.log.warn('could not record heartbeat', { err: String(err) });
    }
  }

  async closed(code: number, reason: string): Promise<void> {
    clearTimeout(this.helloTimer);
    const endpoint = this.endpoint;
    this.endpoint = null;
    this.log.info('agent link closed', {
      code: LogCode.agentLinkClosed,
      closeCode: code,
      name: closeCodeName(code),
      reason,
    });
    if (!endpoint) return;
    await endpoint.stop();
    if (this.deps.hub.detach(this.agentId, this.connectionId)) {
      try {
        await this.deps.database.write((tx) =>
          tx
            .update(agents)
            .set({ connected: false, lastSeenAt: new Date().toISOString() })
            .where(eq(agents.id, this.agentId)),
        );
      } catch (err) {
        this.log.warn('could not record disconnect', { err: String(err) });
      }
    }
  }

  private sendError(error: ErrorFrame): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(error));
  }

  private close(code: number, reason: string): void {
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) {
      this.ws.close(code, reason);
      // A half-open peer never completes the closing handshake.
      setTimeout(() => this.ws.terminate(), 2_000).unref();
    }
  }
}
