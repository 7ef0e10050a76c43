import path from 'node:path';
import { AGENT_VERSION } from './agent-version.js';
import { ConfigError, loadAgentConfig, type AgentConfig } from './config.js';
import { openAgentDatabase } from './db/agent-database.js';
import { startDicomListener } from './dicom/dicom-listener.js';
import { LinkClient } from './link/link-client.js';
import { createLogger } from './log.js';
import { StatusFile } from './status/status-file.js';
import { WorklistCopy } from './worklist/worklist-copy.js';
import { worklistFindHandler } from './worklist/worklist-find-handler.js';

async function main(): Promise<void> {
  let config: AgentConfig;
  try {
    config = loadAgentConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const line of err.lines) process.stderr.write(`lightbox agent: ${line}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel, { proc: 'agent' });
  const database = await openAgentDatabase(path.join(config.dataDir, 'agent.db'));
  const status = new StatusFile(config.dataDir);
  const worklist = new WorklistCopy();
  await worklist.load(database.db);
  const dicom = await startDicomListener({
    host: config.dicomHost,
    port: config.dicomPort,
    aeTitle: config.aeTitle,
    allowedCallingAeTitles: config.allowedCallingAeTitles,
    log: log.child({ part: 'dicom' }),
    handlers: { find: worklistFindHandler(worklist, config.worklist, log.child({ part: 'worklist' })) },
  });
  log.info('agent started', {
    version: AGENT_VERSION,
    aeTitle: config.aeTitle,
    dicom: `${config.dicomHost}:${dicom.port}`,
    dataDir: config.dataDir,
  });
  let link: LinkClient | null = null;
  if (config.link) {
    link = new LinkClient({
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
      await link?.stop();
      await dicom.close();
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

main().catch((err: unknown) => {
  process.stderr.write(
    `lightbox agent: failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});
