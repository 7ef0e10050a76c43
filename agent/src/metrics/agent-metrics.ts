import { ProcessMetrics } from '@lightbox/runtime/metrics';

/**
 * The agent's Prometheus metrics (prom-client). One instance per process, as the DICOM handlers
 * that count are created deep inside dcmjs-dimse's association objects; off (every call a no-op,
 * nothing registered) unless the agent serves them on LIGHTBOX_METRICS_PORT.
 */
export class AgentMetrics extends ProcessMetrics {
  private readonly associations = this.counter(
    'lightbox_agent_associations_total',
    'DICOM associations requested, by result (accepted, refused).',
    ['result'],
  );
  private readonly associationsOpen = this.gauge(
    'lightbox_agent_associations_open',
    'DICOM associations open now.',
  );
  private readonly stores = this.counter(
    'lightbox_agent_cstore_total',
    'C-STORE requests answered, by result (stored, duplicate, conflict, refused, failed).',
    ['result'],
  );
  private readonly storeBytes = this.counter(
    'lightbox_agent_cstore_bytes_total',
    'Bytes of data sets stored (stored and conflict results).',
  );
  private readonly storeSeconds = this.histogram(
    'lightbox_agent_cstore_seconds',
    'From the first data fragment of a C-STORE to its answer.',
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  );
  private readonly worklistQueries = this.counter(
    'lightbox_agent_worklist_queries_total',
    'Modality Worklist C-FIND queries answered, by result.',
    ['result'],
  );
  private readonly worklistAnswers = this.counter(
    'lightbox_agent_worklist_answers_total',
    'Worklist items sent in C-FIND pending responses.',
  );
  private readonly mpps = this.counter(
    'lightbox_agent_mpps_total',
    'MPPS N-CREATE and N-SET recorded, by operation and step status (IN PROGRESS, COMPLETED, DISCONTINUED), or refused.',
    ['operation', 'status'],
  );
  private readonly commitments = this.counter(
    'lightbox_agent_storage_commitment_instances_total',
    'Instances reported to modalities by Storage Commitment, by result (committed, failed).',
    ['result'],
  );

  constructor() {
    super('lightbox_agent_');
  }

  associationRequested(result: 'accepted' | 'refused'): void {
    if (!this.isEnabled) return;
    this.associations.inc({ result });
    if (result === 'accepted') this.associationsOpen.inc();
  }

  associationClosed(): void {
    if (this.isEnabled) this.associationsOpen.dec();
  }

  storeAnswered(result: string, bytes: number, seconds: number): void {
    if (!this.isEnabled) return;
    this.stores.inc({ result });
    if (result === 'stored' || result === 'conflict') this.storeBytes.inc(bytes);
    this.storeSeconds.observe(seconds);
  }

  worklistAnswered(result: string, sent: number): void {
    if (!this.isEnabled) return;
    this.worklistQueries.inc({ result });
    this.worklistAnswers.inc(sent);
  }

  mppsRecorded(operation: 'N-CREATE' | 'N-SET', status: string): void {
    if (this.isEnabled) this.mpps.inc({ operation, status });
  }

  commitmentReported(committed: number, failed: number): void {
    if (!this.isEnabled) return;
    this.commitments.inc({ result: 'committed' }, committed);
    this.commitments.inc({ result: 'failed' }, failed);
  }
}

export const agentMetrics = new AgentMetrics();
