import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';

/** A gauge read at each scrape (a queue depth from the database, free disk space). */
export interface ScrapedGauge {
  name: string;
  help: string;
  read: () => Promise<number> | number;
}

/**
 * A process's Prometheus metrics (prom-client). Subclasses declare their metrics as fields; nothing
 * is registered until `enable`, so with metrics off the registry stays empty and every count the
 * subclass guards with `isEnabled` is a no-op.
 */
export class ProcessMetrics {
  readonly registry = new Registry();
  private enabled = false;
  private readonly declared: Metric[] = [];

  /** `prefix` names the process's default metrics (heap, event loop lag, …). */
  constructor(private readonly prefix: string) {}

  get isEnabled(): boolean {
    return this.enabled;
  }

  protected counter<T extends string = string>(name: string, help: string, labelNames: T[] = []): Counter<T> {
    return this.declare(new Counter({ name, help, labelNames, registers: [] }));
  }

  protected gauge(name: string, help: string): Gauge {
    return this.declare(new Gauge({ name, help, registers: [] }));
  }

  protected histogram(name: string, help: string, buckets: number[]): Histogram {
    return this.declare(new Histogram({ name, help, buckets, registers: [] }));
  }

  /** Registers what was declared, in that order, then `gauges`, and starts counting. */
  enable(gauges: readonly ScrapedGauge[]): void {
    if (this.enabled) return;
    this.enabled = true;
    for (const m of this.declared) this.registry.registerMetric(m);
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
    collectDefaultMetrics({ register: this.registry, prefix: this.prefix });
  }

  private declare<M extends Metric>(metric: M): M {
    this.declared.push(metric);
    return metric;
  }
}

/** The first row's `n` of a `count(*)` query; 0 when there is no row. */
export async function countOf(query: Promise<{ n: number }[]>): Promise<number> {
  return (await query)[0]?.n ?? 0;
}

/** How long ago the oldest waiting item was created, in seconds; 0 when none waits. */
export function ageSeconds(oldest: string | null | undefined, now = Date.now()): number {
  return oldest ? Math.max(0, (now - Date.parse(oldest)) / 1000) : 0;
}
