import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { WebSocketServer } from 'ws';
import { MAX_FRAME_BYTES } from '@lightbox/protocol';
import type { PluginConfig } from './config.js';
import { openDatabase } from './db/database.js';
import { createApp } from './http/app.js';
import { LinkHub } from './link/link-hub.js';
import type { Logger } from './log.js';
import { bootstrapSite } from './sites/bootstrap-site.js';

export interface RunningPlugin {
  url: string;
  generatedApiKey: string | null;
  close(): Promise<void>;
}

export async function startPlugin(config: PluginConfig, log: Logger): Promise<RunningPlugin> {
  const database = await openDatabase(config.databaseUrl, config.databaseToken);
  const { generatedApiKey } = await bootstrapSite(database, config, log);
  const hub = new LinkHub();
  const app = createApp({ database, hub, log, heartbeatMs: config.heartbeatMs, timeZone: config.timeZone });
  // Frames above the limit close the link with 1009 before they are buffered whole.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  const server = serve({
    fetch: app.fetch,
    hostname: config.httpHost,
    port: config.httpPort,
    websocket: { server: wss },
  }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.httpHost.includes(':') ? `[${config.httpHost}]` : config.httpHost}:${port}`;
  return {
    url,
    generatedApiKey,
    close: async () => {
      hub.dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      database.close();
    },
  };
}
