import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../log.js';
import { agentMetrics } from './agent-metrics.js';

/** `GET /metrics` in the Prometheus text format, on a port of its own; nothing else is served. */
export async function serveMetrics(opts: {
  registry: Registry;
  host: string;
  port: number;
  log: Logger;
}): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics is served here\n');
      return;
    }
    opts.registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': opts.registry.contentType }).end(text);
      },
      (err: unknown) => {
        opts.log.warn('metrics could not be collected', { err: String(err) });
        res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics could not be collected\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Turns the agent's metrics on and serves them. */
export async function startAgentMetrics(opts: {
  host: string;
  port: number;
  gauges: Parameters<typeof agentMetrics.enable>[0];
  log: Logger;
}): Promise<{ port: number; close(): Promise<void> }> {
  agentMetrics.enable(opts.gauges);
  const served = await serveMetrics({ registry: agentMetrics.registry, ...opts });
  opts.log.info('metrics served', { url: `http://${opts.host}:${served.port}/metrics` });
  return served;
}
