import { createOwnerOnly, keepOwnerOnly, runMain, settingsOrExit } from '@lightbox/runtime';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { AGENT_VERSION } from './agent-version.js';
import { runAgentCommand } from './cli/agent-command.js';
import { SettingsReload } from './settings-reload.js';
import { agentGauges } from './metrics/agent-gauges.js';
import { startAgentMetrics } from './metrics/metrics-server.js';
import { ConfigError, loadAgentConfig, type AgentConfig } from './config.js';
import { openAgentDatabase } from './db/agent-database.js';
import { startDicomListener } from './dicom/dicom-listener.js';
import { LinkClient } from './link/link-client.js';
import { EchoOnRequest } from './echo/echo-on-request.js';
import { echoTargetsOf } from './echo/echo-targets.js';
import { StatusReporter } from './status/status-report.js';
import { WorklistQueryLog } from './worklist/worklist-query-log.js';
import { createAgentLogger } from './log.js';
import { mppsDimseHandler } from './mpps/mpps-dimse-handler.js';
import { MppsService } from './mpps/mpps-service.js';
import { StatusFile } from './status/status-file.js';
import { InstanceDelivery } from './delivery/instance-delivery.js';
import { CommitmentService } from './commitment/commitment-service.js';
import { commitmentDimseHandler } from './commitment/commitment-dimse-handler.js';
import { SpoolRetention } from './storage/spool-retention.js';
import { watchSpoolDisk } from './storage/spool-disk-watch.js';
import { PacsForwarder } from './forwarding/pacs-forwarder.js';
import { RenderPool } from './rendering/render-pool.js';
import { dimseFallbacks } from './dicom/dimse-adapter.js';
import { Spool } from './storage/spool.js';
import { IngestActivity } from './storage/ingest-activity.js';
import { reconcileSpool } from './storage/spool-reconcile.js';
import { storageService } from './storage/storage-service.js';
import { WorklistCopy } from './worklist/worklist-copy.js';
import { worklistFindHandler } from './worklist/worklist-find-handler.js';
import { startWorklistItems } from './worklist/start-locally.js';
import { LogCode } from './log-codes.js';

async function main(): Promise<void> {
  // Before anything is created: the data folder, database and spool are owner-only.
  createOwnerOnly();
  const exitCode = await runAgentCommand(process.argv);
  if (exitCode !== undefined) process.exit(exitCode);
  const config = settingsOrExit('agent', () => loadAgentConfig(), ConfigError);
  const log = await createAgentLogger({
    level: config.logLevel,
    base: { proc: 'agent' },
    format: config.logFormat,
    file: config.logFile,
  });
  keepOwnerOnly([config.dataDir, config.spoolDir]);
  const database = await openAgentDatabase(path.join(config.dataDir, 'agent.db'));
  const status = new StatusFile(config.dataDir);
  const worklist = new WorklistCopy();
  await worklist.load(database.db);
  const spool = new Spool(config.spoolDir);
  await spool.prepare(log.child({ part: 'storage' }));
  await reconcileSpool({ spool, database, log: log.child({ part: 'storage' }) });
  const renderPool = new RenderPool({
    size: config.rendering.threads,
    // libvips threads per worker: the cores the workers leave free, at least one.
    vipsThreads: Math.max(1, availableParallelism() - config.rendering.threads),
    jobTimeoutMs: config.rendering.timeoutMs,
    log: log.child({ part: 'rendering' }),
  });
  // Declared before the listener: an MPPS accepted at once wakes the link as soon as there is one.
  let link: LinkClient | null = null;
  const mpps = new MppsService({
    database,
    wake: () => link?.notifyOutbox(),
    log: log.child({ part: 'mpps' }),
    startWorklistItems: (tx, steps) => startWorklistItems(tx, worklist, steps),
  });
  const ingest = new IngestActivity(config.rendering.quietMs, config.rendering.maxDelayMs);
  const delivery = new InstanceDelivery({
    database,
    spoolRoot: config.spoolDir,
    pool: renderPool,
    concurrency: config.rendering.threads,
    log: log.child({ part: 'delivery' }),
    notifyOutbox: () => link?.notifyOutbox(),
    ingest,
  });
  const newForwarder = (forwarding: AgentConfig['forwarding']): PacsForwarder | null =>
    forwarding
      ? new PacsForwarder({
          database,
          spoolRoot: config.spoolDir,
          config: forwarding,
          log: log.child({ part: 'forwarding' }),
        })
      : null;
  let forwarder = newForwarder(config.forwarding);
  const retention = new SpoolRetention({
    database,
    spoolRoot: config.spoolDir,
    retentionMs: config.spoolRetentionMs,
    forwarding: config.forwarding !== undefined,
    log: log.child({ part: 'storage' }),
  });
  const diskGuard = await watchSpoolDisk({
    spoolDir: config.spoolDir,
    minFreeBytes: config.minFreeDiskBytes,
    database,
    retention,
    notifyOutbox: () => link?.notifyOutbox(),
    log: log.child({ part: 'storage' }),
  });
  const commitment = new CommitmentService({
    database,
    aeTitle: config.aeTitle,
    addressOf: (ae) => {
      const profile = config.worklist.profiles.find((p) => p.aeTitle === ae);
      return profile?.host && profile.port ? { host: profile.host, port: profile.port } : undefined;
    },
    afterForward: () => config.commitAfterForward && config.forwarding !== undefined,
    log: log.child({ part: 'commitment' }),
  });
  const worklistQueries = new WorklistQueryLog();
  const dicom = await startDicomListener({
    host: config.dicomHost,
    port: config.dicomPort,
    aeTitle: config.aeTitle,
    allowedCallingAeTitles: config.allowedCallingAeTitles,
    limits: config.dicomLimits,
    log: log.child({ part: 'dicom' }),
    handlers: {
      find: worklistFindHandler(worklist, config.worklist, log.child({ part: 'worklist' }), worklistQueries),
      store: storageService({
        spool,
        database,
        log: log.child({ part: 'storage' }),
        onStored: () => {
          delivery.kick();
          forwarder?.kick();
        },
        diskGuard,
        activity: ingest,
      }),
      mpps: mppsDimseHandler(mpps),
      commitment: commitmentDimseHandler(commitment, log.child({ part: 'commitment' })),
    },
  });
  const metricsServer = config.metrics
    ? await startAgentMetrics({
        ...config.metrics,
        gauges: agentGauges({
          database,
          renderQueueDepth: () => renderPool.queueDepth,
          diskFreeBytes: () => diskGuard.freeBytes,
          forwarding: config.forwarding !== undefined,
        }),
        log: log.child({ part: 'metrics' }),
      })
    : null;
  delivery.start();
  retention.start();
  commitment.start();
  const reload = new SettingsReload(
    config,
    {
      replaceForwarder: async (forwarding) => {
        const previous = forwarder;
        forwarder = null;
        await previous?.stop();
        forwarder = newForwarder(forwarding);
        forwarder?.start();
      },
    },
    log.child({ part: 'settings' }),
  );
  reload.start();
  forwarder?.start();
  for (const fallback of dimseFallbacks()) {
    log.warn(`dcmjs-dimse has changed: ${fallback}`, { code: LogCode.dimseFallback });
  }
  log.info('agent started', {
    code: LogCode.agentStarted,
    version: AGENT_VERSION,
    aeTitle: config.aeTitle,
    dicom: `${config.dicomHost}:${dicom.port}`,
    dataDir: config.dataDir,
    spoolDir: config.spoolDir,
  });
  const echoTargets = () => echoTargetsOf(config, dicom.port);
  const statusReporter = new StatusReporter({
    database,
    disk: diskGuard,
    queries: worklistQueries,
    echoTargets,
    forwarding: () => config.forwarding !== undefined,
  });
  void statusReporter.refresh();
  const echo = new EchoOnRequest({
    database,
    aeTitle: config.aeTitle,
    targets: echoTargets,
    wake: () => link?.notifyOutbox(),
    log: log.child({ part: 'echo' }),
  });
  if (config.link) {
    link = new LinkClient({
      statusReport: () => statusReporter.forHeartbeat(),
      echo: (request) => void echo.run(request),
      ...config.link,
      agentVersion: AGENT_VERSION,
      reconnectMaxMs: config.reconnectMaxMs,
      database,
      worklist,
      status,
      log: log.child({ part: 'link' }),
    });
    link.start();
  } else {
    status.write({
      link: 'not-configured',
      since: new Date().toISOString(),
      detail: 'no plugin URL, agent id and token configured; serving DICOM only',
      pluginUrl: null,
      nextAttemptAt: null,
    });
    log.warn('no plugin link configured; serving DICOM only');
  }
  const stop = (signal: string): void => {
    log.info('stopping', { signal });
    void (async () => {
      reload.stop();
      await dicom.close();
      await metricsServer?.close();
      spool.close();
      await delivery.stop();
      await retention.stop();
      await diskGuard.stop();
      await commitment.stop();
      await forwarder?.stop();
      await renderPool.close();
      await link?.stop();
      database.close();
      process.exit(0);
    })();
  };
  process.once('SIGINT', () => {
    stop('SIGINT');
  });
  process.once('SIGTERM', () => {
    stop('SIGTERM');
  });
}

runMain('agent', main);
