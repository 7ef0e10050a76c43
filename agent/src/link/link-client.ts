import { WebSocket } from 'ws';
import type { IncomingMessage } from 'node:http';
import { rootCertificates } from 'node:tls';
import {
  CloseCode,
  LinkEndpoint,
  MAX_FRAME_BYTES,
  PROTOCOL_VERSION,
  closeCodeName,
  inboxAfterHandshake,
  parseFrame,
  pluginFrame,
  realignCounters,
  type AgentStatusReport,
  type EchoRequestMessage,
  type PluginFrame,
  type PluginToAgentMessage,
} from '@lightbox/protocol';
import type { AgentDatabase } from '../db/agent-database.js';
import type { Logger } from '../log.js';
import type { LinkStatus, StatusFile } from '../status/status-file.js';
import { agentLinkStore } from './agent-link-store.js';
import type { WorklistCopy } from '../worklist/worklist-copy.js';
import { pluginOutboxDepth, readAgentLinkState } from '../outbox/outbox-to-plugin.js';
import { pluginLinkTables } from '../outbox/link-tables.js';
import { backoffDelay } from './backoff.js';
import { certificateProblem } from './certificate-problem.js';
import { LogCode } from '../log-codes.js';

const PLUGIN_FRAME_TYPES = ['welcome', 'msg', 'ack', 'heartbeat', 'error'] as const;
const BASE_BACKOFF_MS = 500;
/** Until the plugin tells us its period, a connection attempt may take this long. */
const HANDSHAKE_TIMEOUT_MS = 5_000;

export interface LinkClientOptions {
  pluginUrl: string;
  agentId: string;
  agentToken: string;
  /** Extra CAs for the plugin's certificate (PEM); the system's are always trusted. */
  caPem?: string;
  agentVersion: string;
  reconnectMaxMs: number;
  database: AgentDatabase;
  worklist: WorklistCopy;
  status: StatusFile;
  log: Logger;
  /** The state report a heartbeat carries when one is due (queues, disk, worklist queries). */
  statusReport?: () => AgentStatusReport | undefined;
  /** Runs a C-ECHO the plugin asked for. */
  echo?: (request: EchoRequestMessage) => void;
}

type Outcome =
  | { kind: 'closed' }
  | { kind: 'unauthorized'; detail: string }
  | { kind: 'incompatible'; detail: string }
  | { kind: 'tls-refused'; detail: string };

/**
 * Dials the plugin and keeps the link up forever: hello/welcome, then the durable link endpoint.
 * Reconnects with capped exponential backoff and jitter; a refused token or an incompatible protocol
 * backs off to the cap, because retrying quickly cannot fix either.
 */
export class LinkClient {
  private stopped = false;
  private endpoint: LinkEndpoint<PluginToAgentMessage> | null = null;
  private socket: WebSocket | null = null;
  private sleepTimer: NodeJS.Timeout | null = null;
  private wakeSleep: (() => void) | null = null;
  private outboxDepth = 0;
  private loop: Promise<void> = Promise.resolve();
  private linkedThisDial = false;
  private lastTlsProblem = '';

  constructor(private readonly opts: LinkClientOptions) {}

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.sleepTimer) clearTimeout(this.sleepTimer);
    this.wakeSleep?.();
    this.socket?.close(CloseCode.shuttingDown, 'agent stopping');
    await this.endpoint?.stop();
    this.socket?.terminate();
    await this.loop;
    this.setStatus('stopped', 'agent stopped');
  }

  /** Something was added to the outbox: send it now rather than at the next poll. */
  notifyOutbox(): void {
    this.endpoint?.notifyOutbox();
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.stopped) {
      this.setStatus('connecting', `dialling ${this.linkUrl()}`);
      let outcome: Outcome;
      this.linkedThisDial = false;
      try {
        outcome = await this.connectOnce(() => {
          this.linkedThisDial = true;
        });
      } catch (err) {
        this.opts.log.warn('link attempt failed', { err: String(err) });
        outcome = { kind: 'closed' };
      }
      if (this.isStopped()) return;
      // A link that came up and later dropped starts the backoff afresh.
      if (this.wasLinkedThisDial()) attempt = 0;
      let delay = backoffDelay(attempt++, BASE_BACKOFF_MS, this.opts.reconnectMaxMs);
      let state: LinkStatus = 'backing-off';
      let detail = 'link down; reconnecting';
      if (outcome.kind !== 'closed') {
        delay = backoffDelay(30, BASE_BACKOFF_MS, this.opts.reconnectMaxMs);
        state = outcome.kind;
        detail = outcome.detail;
      }
      const next = new Date(Date.now() + delay);
      this.setStatus(state, detail, next);
      this.opts.log.info('reconnecting later', { inMs: delay, state });
      await this.sleep(delay);
    }
  }

  private linkUrl(): string {
    const u = new URL(this.opts.pluginUrl);
    u.protocol = u.protocol === 'https:' || u.protocol === 'wss:' ? 'wss:' : 'ws:';
    u.pathname = `${u.pathname.replace(/\/$/, '')}/v1/agents/link`;
    return u.toString();
  }

  private connectOnce(onLinked: () => void): Promise<Outcome> {
    const { log } = this.opts;
    return new Promise<Outcome>((resolve) => {
      let outcome: Outcome = { kind: 'closed' };
      let welcomed = false;
      // The plugin starts sending right after its welcome, while we still read our journal to set
      // up the endpoint: hold those frames rather than refuse them.
      let heldUntilReady: Exclude<PluginFrame, { type: 'welcome' }>[] | null = null;
      const ws = new WebSocket(this.linkUrl(), {
        headers: { authorization: `Bearer ${this.opts.agentToken}` },
        handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
        maxPayload: MAX_FRAME_BYTES,
        ...(this.opts.caPem ? { ca: [...rootCertificates, this.opts.caPem] } : {}),
      });
      this.socket = ws;
      const welcomeTimer = setTimeout(() => {
        log.warn('no welcome from the plugin in time; dropping the connection');
        ws.terminate();
      }, HANDSHAKE_TIMEOUT_MS);

      ws.on('unexpected-response', (_req, res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        res.resume();
        if (status === 401) {
          const detail = `the plugin refused this agent's token (HTTP 401): check LIGHTBOX_AGENT_TOKEN for agent ${this.opts.agentId}`;
          log.error(detail, { code: LogCode.linkRefused, reason: 'token' });
          outcome = { kind: 'unauthorized', detail };
        } else {
          log.warn('the plugin refused the link', { status });
        }
        ws.terminate();
      });
      ws.on('open', () => {
        void this.sendHello(ws);
      });
      ws.on('message', (data, isBinary) => {
        this.endpoint?.heard();
        if (isBinary) {
          this.sendRaw(ws, {
            type: 'error',
            code: 'invalid-json',
            message: 'frames are JSON text, not binary',
          });
          return;
        }
        const text = Buffer.isBuffer(data)
          ? data.toString('utf8')
          : Buffer.concat(data as Buffer[]).toString('utf8');
        const parsed = parseFrame<PluginFrame>(pluginFrame, PLUGIN_FRAME_TYPES, text);
        if (!parsed.ok) {
          log.warn('invalid frame from the plugin', {
            code: parsed.error.code,
            message: parsed.error.message,
          });
          this.sendRaw(ws, parsed.error);
          return;
        }
        const frame = parsed.frame;
        if (frame.type === 'welcome') {
          if (welcomed) {
            this.sendRaw(ws, { type: 'error', code: 'unexpected-frame', message: 'second welcome' });
            return;
          }
          welcomed = true;
          heldUntilReady = [];
          clearTimeout(welcomeTimer);
          this.onWelcome(ws, frame).then(
            (result) => {
              const held = heldUntilReady ?? [];
              heldUntilReady = null;
              if (result.kind === 'incompatible') {
                outcome = result;
                return;
              }
              onLinked();
              for (const f of held) this.dispatch(ws, f);
            },
            (err: unknown) => {
              log.error('could not start the link', { err: String(err) });
              ws.terminate();
            },
          );
          return;
        }
        if (heldUntilReady) heldUntilReady.push(frame);
        else this.dispatch(ws, frame);
      });
      ws.on('error', (err) => {
        const tlsDetail = certificateProblem(err);
        if (tlsDetail) {
          outcome = { kind: 'tls-refused', detail: tlsDetail };
          // Once per distinct problem: a retry every few seconds must not bury the log.
          if (tlsDetail !== this.lastTlsProblem)
            log.error(tlsDetail, { code: LogCode.linkRefused, reason: 'certificate' });
          this.lastTlsProblem = tlsDetail;
          return;
        }
        log.warn('link socket error', { err: err.message });
      });
      ws.on('close', (code, reasonBuf) => {
        clearTimeout(welcomeTimer);
        const reason = reasonBuf.toString();
        if (code === CloseCode.incompatibleProtocol) {
          outcome = { kind: 'incompatible', detail: `the plugin closed the link: ${reason}` };
          log.error('link closed: incompatible protocol', {
            code: LogCode.linkRefused,
            reason: 'protocol',
            detail: reason,
          });
        } else {
          log.info('link closed', {
            code: LogCode.linkClosed,
            closeCode: code,
            name: closeCodeName(code),
            reason,
          });
        }
        const endpoint = this.endpoint;
        this.endpoint = null;
        this.socket = null;
        void (endpoint?.stop() ?? Promise.resolve()).then(() => {
          resolve(outcome);
        });
      });
    });
  }

  private dispatch(ws: WebSocket, frame: Exclude<PluginFrame, { type: 'welcome' }>): void {
    const endpoint = this.endpoint;
    if (!endpoint) {
      this.sendRaw(ws, { type: 'error', code: 'unexpected-frame', message: `${frame.type} before welcome` });
      return;
    }
    endpoint.onFrame(frame);
  }

  private async sendHello(ws: WebSocket): Promise<void> {
    const state = await readAgentLinkState(this.opts.database.db);
    this.sendRaw(ws, {
      type: 'hello',
      protocolVersion: PROTOCOL_VERSION,
      agentId: this.opts.agentId,
      agentVersion: this.opts.agentVersion,
      lastReceivedSeq: state.lastInSeq,
      outboxFloorSeq: state.ackedOutSeq,
      worklist: this.opts.worklist.digest(),
    });
  }

  private async onWelcome(
    ws: WebSocket,
    welcome: Extract<PluginFrame, { type: 'welcome' }>,
  ): Promise<{ kind: 'linked' } | { kind: 'incompatible'; detail: string }> {
    const { log, database } = this.opts;
    if (welcome.protocolVersion !== PROTOCOL_VERSION) {
      const detail = `incompatible protocol: agent speaks ${PROTOCOL_VERSION}, plugin speaks ${welcome.protocolVersion}`;
      log.error('link refused', { code: LogCode.linkRefused, reason: 'protocol', detail });
      ws.close(CloseCode.incompatibleProtocol, detail);
      return { kind: 'incompatible', detail };
    }
    let state = await readAgentLinkState(database.db);
    const { advanceTo } = inboxAfterHandshake(state.lastInSeq, welcome.outboxFloorSeq);
    if (advanceTo !== null || welcome.lastReceivedSeq > state.lastOutSeq) {
      log.warn('link numbers disagree with this journal (restored or replaced); realigning', {
        lastInSeq: state.lastInSeq,
        pluginOutboxFloor: welcome.outboxFloorSeq,
        lastOutSeq: state.lastOutSeq,
        pluginLastReceived: welcome.lastReceivedSeq,
      });
      state = await database.write((tx) =>
        realignCounters(pluginLinkTables, tx, {
          ...(advanceTo !== null ? { inboxTo: advanceTo } : {}),
          outboxTo: welcome.lastReceivedSeq,
        }),
      );
    }
    if (ws.readyState !== WebSocket.OPEN) return { kind: 'linked' };
    const endpoint = new LinkEndpoint<PluginToAgentMessage>({
      store: agentLinkStore(database, this.opts.worklist, this.opts.echo),
      socket: {
        send: (text) => {
          ws.send(text);
        },
        bufferedAmount: () => ws.bufferedAmount,
        close: (code, reason) => {
          ws.close(code, reason);
          setTimeout(() => {
            ws.terminate();
          }, 2_000).unref();
        },
        terminate: (reason) => {
          log.warn('dropping the link', { reason });
          ws.terminate();
        },
      },
      log,
      heartbeatMs: welcome.config.heartbeatMs,
      peerLastReceivedSeq: Math.max(welcome.lastReceivedSeq, state.ackedOutSeq),
      heartbeatExtras: () => {
        void pluginOutboxDepth(database.db).then((n) => (this.outboxDepth = n));
        const report = this.opts.statusReport?.();
        return { outboxDepth: this.outboxDepth, ...(report ? { status: report } : {}) };
      },
    });
    this.endpoint = endpoint;
    endpoint.start();
    this.lastTlsProblem = '';
    this.setStatus('linked', `linked to ${this.opts.pluginUrl}`);
    log.info('linked to the plugin', {
      code: LogCode.linked,
      heartbeatMs: welcome.config.heartbeatMs,
      agentLastReceived: state.lastInSeq,
      pluginLastReceived: welcome.lastReceivedSeq,
    });
    return { kind: 'linked' };
  }

  // Methods rather than field reads: the flags change in callbacks while the loop awaits.
  private isStopped(): boolean {
    return this.stopped;
  }

  private wasLinkedThisDial(): boolean {
    return this.linkedThisDial;
  }

  private sendRaw(ws: WebSocket, frame: object): void {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
  }

  private setStatus(link: LinkStatus, detail: string, nextAttempt?: Date): void {
    this.opts.status.write({
      link,
      since: new Date().toISOString(),
      detail,
      pluginUrl: this.opts.pluginUrl,
      nextAttemptAt: nextAttempt?.toISOString() ?? null,
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wakeSleep = resolve;
      this.sleepTimer = setTimeout(resolve, ms);
    });
  }
}
