import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';

/**
 * The agent's Prometheus metrics (prom-client). One instance per process, as the DICOM handlers
 * that count are created deep inside dcmjs-dimse's association objects; off (every call a no-op,
 * nothing registered) unless the agent serves them on LIGHTBOX_METRICS_PORT.
 */
export class AgentMetrics {
  readonly registry = new Registry();
  private enabled = false;
  private readonly associations = new Counter({
    name: 'lightbox_agent_associations_total',
    help: 'DICOM associations requested, by result (accepted, refused).',
    labelNames: ['result'],
    registers: [],
  });
  private readonly associationsOpen = new Gauge({
    name: 'lightbox_agent_associations_open',
    help: 'DICOM associations open now.',
    registers: [],
  });
  private readonly stores = new Counter({
    name: 'lightbox_agent_cstore_total',
    help: 'C-STORE requests answered, by result (stored, duplicate, conflict, refused, failed).',
    labelNames: ['result'],
    registers: [],
  });
  private readonly storeBytes = new Counter({
    name: 'lightbox_agent_cstore_bytes_total',
    help: 'Bytes of data sets stored (stored and conflict results).',
    registers: [],
  });
  private readonly storeSeconds = new Histogram({
    name: 'lightbox_agent_cstore_seconds',
    help: 'From the first data fragment of a C-STORE to its answer.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [],
  });
  private readonly worklistQueries = new Counter({
    name: 'lightbox_agent_worklist_queries_total',
    help: 'Modality Worklist C-FIND queries answered, by result.',
    labelNames: ['result'],
    registers: [],
  });
  private readonly worklistAnswers = new Counter({
    name: 'lightbox_agent_worklist_answers_total',
    help: 'Worklist items sent in C-FIND pending responses.',
    registers: [],
  });
  private readonly mpps = new Counter({
    name: 'lightbox_agent_mpps_total',
    help: 'MPPS N-CREATE and N-SET recorded, by operation and step status (IN PROGRESS, COMPLETED, DISCONTINUED), or refused.',
    labelNames: ['operation', 'status'],
    registers: [],
  });
  private readonly commitments = new Counter({
    name: 'lightbox_agent_storage_commitment_instances_total',
    help: 'Instances reported to modalities by Storage Commitment, by result (committed, failed).',
    labelNames: ['result'],
    registers: [],
  });

  /** Registers everything, `gauges` (read at each scrape) included, and starts counting. */
  enable(gauges: { name: string; help: string; read: () => Promise<number> | number }[]): void {
    if (this.enabled) return;
    this.enabled = true;
    const metrics: Metric[] = [
      this.associations,
      this.associationsOpen,
      this.stores,
      this.storeBytes,
      this.storeSeconds,
      this.worklistQueries,
      this.worklistAnswers,
      this.mpps,
      this.commitments,
    ];
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
    collectDefaultMetrics({ register: this.registry, prefix: 'lightbox_agent_' });
  }

  associationRequested(result: 'accepted' | 'refused'): void {
    if (!this.enabled) return;
    this.associations.inc({ result });
    if (result === 'accepted') this.associationsOpen.inc();
  }

  associationClosed(): void {
    if (this.enabled) this.associationsOpen.dec();
  }

  storeAnswered(result: string, bytes: number, seconds: number): void {
    if (!this.enabled) return;
    this.stores.inc({ result });
    if (result === 'stored' || result === 'conflict') this.storeBytes.inc(bytes);
    this.storeSeconds.observe(seconds);
  }

  worklistAnswered(result: string, sent: number): void {
    if (!this.enabled) return;
    this.worklistQueries.inc({ result });
    this.worklistAnswers.inc(sent);
  }

  mppsRecorded(operation: 'N-CREATE' | 'N-SET', status: string): void {
    if (this.enabled) this.mpps.inc({ operation, status });
  }

  commitmentReported(committed: number, failed: number): void {
    if (!this.enabled) return;
    this.commitments.inc({ result: 'committed' }, committed);
    this.commitments.inc({ result: 'failed' }, failed);
  }
}

export const agentMetrics = new AgentMetrics();
