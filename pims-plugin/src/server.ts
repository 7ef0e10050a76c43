import path from 'node:path';
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { WebSocketServer } from 'ws';
import { MAX_FRAME_BYTES } from '@lightbox/protocol';
import { keepOwnerOnly } from '@lightbox/runtime';
import type { PluginConfig } from './config.js';
import { openDatabase, type Database } from './db/database.js';
import { FrameOrigins } from './sites/frame-origins.js';
import type { Hono } from 'hono';
import { createApp } from './app.js';
import type { AppEnv } from './http/app-env.js';
import { LinkHub } from './link/link-hub.js';
import { OutboxWatcher } from './link/outbox-watcher.js';
import type { Logger } from './log.js';
import { bootstrapSite } from './sites/bootstrap-site.js';
import type { StudyIntake } from './link/apply-agent-message.js';
import { MediaStore } from './studies/media-store.js';
import { StudyStabilityWorker } from './studies/study-stability-worker.js';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher.js';
import { sealStoredWebhookSecrets } from './webhooks/webhook-store.js';
import { ConnectorSupervisor } from './connectors/connector-supervisor.js';
import { connectorKinds } from './connectors/connector-kinds.js';
import { pluginConnectorServices } from './connectors/plugin-connector-services.js';
import { bootstrapHl7Connector } from './connectors/hl7/bootstrap-hl7-connector.js';
import { OrderCommands } from './orders/order-commands.js';
import { DEFAULT_SITE_ID } from './sites/bootstrap-site.js';
import { EmbedLinks } from './embed/embed-links.js';
import { MediaLinks } from './studies/media-links.js';
import { OutboundGuard } from './security/outbound-guard.js';
import { SecretBox } from './security/secret-box.js';
import { PageAssets } from './pages/page-assets.js';
import { pluginGauges } from './metrics/plugin-gauges.js';
import { pluginMetrics } from './metrics/plugin-metrics.js';

export interface RunningPlugin {
  url: string;
  generatedApiKey: string | null;
  /** The routes as served; the API description's coverage test compares them with the document. */
  routes: readonly { method: string; path: string }[];
  /** The application itself, for in-process requests (`app.request(...)`) in tests. */
  app: Hono<AppEnv>;
  /** Its one database handle: a second connection in the same process would wait on this one's locks. */
  database: Database;
  close(): Promise<void>;
}

export async function startPlugin(config: PluginConfig, log: Logger): Promise<RunningPlugin> {
  keepOwnerOnly([config.dataDir, path.join(config.dataDir, 'media')]);
  const secrets = SecretBox.open(config.secretKey, config.dataDir);
  const outbound = new OutboundGuard(config.outbound);
  const database = await openDatabase(config.databaseUrl, config.databaseToken);
  const pageAssets = await PageAssets.build();
  const { generatedApiKey } = await bootstrapSite(database, config, log);
  if (config.metrics) pluginMetrics.enable(pluginGauges(database));
  const hub = new LinkHub();
  const embedLinks = new EmbedLinks(database, secrets, config.publicBaseUrl);
  const mediaLinks = new MediaLinks(embedLinks, config.media, config.publicBaseUrl);
  const outboxWatcher = new OutboxWatcher(database, hub, log.child({ part: 'link' }));
  outboxWatcher.start();
  const intake: StudyIntake = {
    media: new MediaStore(path.join(config.dataDir, 'media')),
    settings: config.studies,
  };
  const stability = new StudyStabilityWorker(
    database,
    config.studies,
    log.child({ part: 'studies' }),
    (ids) => {
      for (const id of ids) hub.notify(id);
    },
    Date.now,
    (tx, siteId) => mediaLinks.linker(siteId, { tx, absolute: false }),
  );
  stability.start();
  const resealed = await sealStoredWebhookSecrets(database, secrets);
  if (resealed > 0) log.info('sealed webhook secrets stored in the clear', { count: resealed });
  const webhooks = new WebhookDispatcher({
    database,
    outbound,
    secrets,
    log: log.child({ part: 'webhooks' }),
    settings: config.webhooks,
    instanceId: config.instanceId,
  });
  await webhooks.start();
  const notifyAgents = (ids: string[]) => {
    for (const id of ids) hub.notify(id);
  };
  const connectorServices = pluginConnectorServices({
    publicBaseUrl: config.publicBaseUrl,
    media: intake.media,
    timeZone: config.timeZone,
    embedLinks,
    outbound,
    secrets,
  });
  await bootstrapHl7Connector(database, DEFAULT_SITE_ID, config.hl7);
  const connectors = new ConnectorSupervisor({
    database,
    log: log.child({ part: 'connectors' }),
    instanceId: config.instanceId,
    commands: new OrderCommands({ database, timeZone: config.timeZone, notifyAgents }),
    services: connectorServices,
    kinds: connectorKinds,
    notifyAgents,
  });
  await connectors.start();
  const app = createApp({
    database,
    hub,
    log,
    heartbeatMs: config.heartbeatMs,
    timeZone: config.timeZone,
    intake,
    webhooks,
    connectors: {
      kinds: connectorKinds,
      services: connectorServices,
      changed: () => connectors.connectorsChanged(),
      isRunning: (id) => connectors.isRunning(id),
    },
    publicBaseUrl: config.publicBaseUrl,
    secrets,
    outbound,
    embedLinks,
    mediaLinks,
    frameOrigins: new FrameOrigins(database, config.pimsOrigins),
    pageAssets,
    secureCookies: config.tls !== undefined || config.publicBaseUrl.startsWith('https:'),
  });
  // Frames above the limit close the link with 1009 before they are buffered whole.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  const server = serve({
    fetch: app.fetch,
    hostname: config.httpHost,
    port: config.httpPort,
    websocket: { server: wss },
    ...(config.tls ? { createServer: createHttpsServer, serverOptions: config.tls } : {}),
  }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const url = `${config.tls ? 'https' : 'http'}://${config.httpHost.includes(':') ? `[${config.httpHost}]` : config.httpHost}:${port}`;
  return {
    url,
    generatedApiKey,
    routes: app.routes,
    app,
    database,
    close: async () => {
      stability.stop();
      outboxWatcher.stop();
      hub.dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      // Deliveries in flight finish and are recorded first, so a clean stop repeats none of them.
      await webhooks.stop();
      await connectors.stop();
      await outbound.close();
      database.close();
    },
  };
}
