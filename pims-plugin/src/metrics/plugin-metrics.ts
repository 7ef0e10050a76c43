import type { Hono, MiddlewareHandler } from 'hono';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import type { AppEnv } from '../http/app-env.js';
import { problemResponse } from '../http/problem.js';

/**
 * The plugin's Prometheus metrics (prom-client), served at `/metrics`. One instance per process;
 * with LIGHTBOX_METRICS=false nothing is registered and every call is a no-op.
 */
export class PluginMetrics {
  readonly registry = new Registry();
  private enabled = false;
  private readonly requests = new Counter({
    name: 'lightbox_plugin_http_requests_total',
    help: 'HTTP requests answered, by method and status code.',
    labelNames: ['method', 'status'],
    registers: [],
  });
  private readonly requestSeconds = new Histogram({
    name: 'lightbox_plugin_http_request_seconds',
    help: 'Time to answer an HTTP request.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [],
  });
  private readonly linkMessages = new Counter({
    name: 'lightbox_plugin_link_messages_applied_total',
    help: 'Messages from agents applied, by kind (mpps.changed, instance.stored, …).',
    labelNames: ['kind'],
    registers: [],
  });
  private readonly webhookAttempts = new Counter({
    name: 'lightbox_plugin_webhook_attempts_total',
    help: 'Webhook delivery attempts, by outcome (delivered, retrying, gave_up).',
    labelNames: ['outcome'],
    registers: [],
  });

  get isEnabled(): boolean {
    return this.enabled;
  }

  enable(gauges: { name: string; help: string; read: () => Promise<number> }[]): void {
    if (this.enabled) return;
    this.enabled = true;
    const metrics: Metric[] = [this.requests, this.requestSeconds, this.linkMessages, this.webhookAttempts];
    for (const m of metrics) this.registry.registerMetric(m);
    for (const g of gauges) {
      this.registry.registerMetric(
        new Gauge({
          name: g.name,
          help: g.help,
          registers: [],
          async collect() {
            this.set(await g.read());
          },
        }),
      );
    }
    collectDefaultMetrics({ register: this.registry, prefix: 'lightbox_plugin_' });
  }

  /** Counts every request and its time; `/metrics` itself included. */
  middleware(): MiddlewareHandler<AppEnv> {
    return async (c, next) => {
      if (!this.enabled) return next();
      const started = performance.now();
      await next();
      this.requests.inc({ method: c.req.method, status: String(c.res.status) });
      this.requestSeconds.observe((performance.now() - started) / 1000);
    };
  }

  /** `GET /metrics`, without a key (as `/health`): counts and queue depths, no practice data. */
  mount(app: Hono<AppEnv>): void {
    app.get('/metrics', async (c) => {
      if (!this.enabled) return problemResponse(404, 'Not found', 'metrics are off (LIGHTBOX_METRICS=false)');
      return c.body(await this.registry.metrics(), 200, { 'content-type': this.registry.contentType });
    });
  }

  linkMessageApplied(kind: string): void {
    if (this.enabled) this.linkMessages.inc({ kind });
  }

  webhookAttempt(outcome: string): void {
    if (this.enabled) this.webhookAttempts.inc({ outcome });
  }
}

export const pluginMetrics = new PluginMetrics();
