import type { Hono, MiddlewareHandler } from 'hono';
import { ProcessMetrics } from '@lightbox/runtime/metrics';
import type { AppEnv } from '../http/app-env.js';
import { problemResponse } from '../http/problem.js';

/**
 * The plugin's Prometheus metrics (prom-client), served at `/metrics`. One instance per process;
 * with LIGHTBOX_METRICS=false nothing is registered and every call is a no-op.
 */
export class PluginMetrics extends ProcessMetrics {
  private readonly requests = this.counter(
    'lightbox_plugin_http_requests_total',
    'HTTP requests answered, by method and status code.',
    ['method', 'status'],
  );
  private readonly requestSeconds = this.histogram(
    'lightbox_plugin_http_request_seconds',
    'Time to answer an HTTP request.',
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  );
  private readonly linkMessages = this.counter(
    'lightbox_plugin_link_messages_applied_total',
    'Messages from agents applied, by kind (mpps.changed, instance.stored, …).',
    ['kind'],
  );
  private readonly webhookAttempts = this.counter(
    'lightbox_plugin_webhook_attempts_total',
    'Webhook delivery attempts, by outcome (delivered, retrying, gave_up).',
    ['outcome'],
  );

  constructor() {
    super('lightbox_plugin_');
  }

  /** Counts every request and its time; `/metrics` itself included. */
  middleware(): MiddlewareHandler<AppEnv> {
    return async (c, next) => {
      if (!this.isEnabled) return next();
      const started = performance.now();
      await next();
      this.requests.inc({ method: c.req.method, status: String(c.res.status) });
      this.requestSeconds.observe((performance.now() - started) / 1000);
    };
  }

  /** `GET /metrics`, without a key (as `/health`): counts and queue depths, no practice data. */
  mount(app: Hono<AppEnv>): void {
    app.get('/metrics', async (c) => {
      if (!this.isEnabled)
        return problemResponse(404, 'Not found', 'metrics are off (LIGHTBOX_METRICS=false)');
      return c.body(await this.registry.metrics(), 200, { 'content-type': this.registry.contentType });
    });
  }

  linkMessageApplied(kind: string): void {
    if (this.isEnabled) this.linkMessages.inc({ kind });
  }

  webhookAttempt(outcome: string): void {
    if (this.isEnabled) this.webhookAttempts.inc({ outcome });
  }
}

export const pluginMetrics = new PluginMetrics();
