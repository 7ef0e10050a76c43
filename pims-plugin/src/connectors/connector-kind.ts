import type { z } from 'zod';
import type { Database } from '../db/database.js';
import type { connectors } from '../db/schema.js';
import type { EventEnvelope } from '../events/event-envelope.js';
import type { Logger } from '../log.js';
import type { OrderCommands } from '../orders/order-commands.js';
import type { ConnectorServices } from './connector-services.js';
import type { TrafficLog } from './connector-traffic.js';

export type ConnectorRow = typeof connectors.$inferSelect;

/** A message the connector owes its PIMS, built when the event is read and kept until acknowledged. */
export interface OutboundMessage {
  /** The order it is about: messages of one order are sent in the order they were built. */
  orderKey: string;
  /** `ORM^O01 SC CM`, `ORU^R01`, `attachment`: for the traffic view. */
  label: string;
  payload: unknown;
}

/**
 * What became of one attempt: `delivered` (acknowledged), `retry` (this message, later),
 * `unreachable` (the PIMS could not be reached: everything waits), or `rejected` (the PIMS refused
 * it for good: kept and shown, and the order's next message goes on).
 */
export type DeliveryOutcome =
  | { kind: 'delivered'; detail?: string }
  | { kind: 'retry'; error: string; notBefore?: number }
  | { kind: 'unreachable'; error: string }
  | { kind: 'rejected'; error: string };

/** What a running connector is given: the commands it may use and the services around them. */
export interface ConnectorContext {
  connector: ConnectorRow;
  settings: unknown;
  secrets: Record<string, string>;
  database: Database;
  commands: OrderCommands;
  services: ConnectorServices;
  traffic: TrafficLog;
  log: Logger;
  /** Wakes the links of agents whose worklists a command run inside the connector's own transaction changed. */
  notifyAgents: (agentIds: string[]) => void;
}

export interface RunningConnector {
  /** The site's events, one at a time in order: the messages the PIMS must hear of, if any. */
  translate(event: EventEnvelope): Promise<OutboundMessage[]>;
  deliver(payload: unknown): Promise<DeliveryOutcome>;
  stop(): Promise<void>;
}

/** One PIMS dialect: its settings, its secrets, and how it runs. */
export interface ConnectorKind<S extends z.ZodType = z.ZodType, K extends z.ZodType = z.ZodType> {
  kind: string;
  /** Shown in settings and in the API description. */
  settingsSchema: S;
  /** Write-only values (passwords, tokens); validated on create, sealed, never returned. */
  secretsSchema: K;
  /** Starts whatever listens (an MLLP port) and returns the outbound side. */
  start(ctx: ConnectorContext): Promise<RunningConnector>;
  /**
   * Requests the PIMS makes to this plugin (ezyVet's partner endpoints, Provet's webhooks), under
   * `/connectors/{connectorId}/...`. Served by whichever instance the request reaches: the handler
   * holds no state of the running connector, only the database.
   */
  http?: (req: Request, path: string, ctx: ConnectorContext) => Promise<Response>;
  /** A check an installer can run: is the PIMS reachable, do the credentials work. */
  test(
    ctx: Omit<ConnectorContext, 'traffic' | 'notifyAgents' | 'commands'>,
  ): Promise<{ ok: boolean; detail: string }>;
}
