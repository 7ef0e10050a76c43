import { createOwnerOnly, runMain, settingsOrExit } from '@lightbox/runtime';
import { ConfigError, loadPluginConfig } from './config.js';
import { createLogger } from './log.js';
import { startPlugin } from './server.js';
import { createAdminCommand } from './staff/create-admin-command.js';
import { LogCode } from './log-codes.js';

async function main(): Promise<void> {
  // Before anything is created: the data folder, databases, secrets and media are owner-only.
  createOwnerOnly();
  const config = settingsOrExit('plugin', () => loadPluginConfig(), ConfigError);
  if (process.argv[2] === 'create-admin') {
    process.exit(await createAdminCommand(config, process.argv.slice(3), process.stdout));
  }
  const log = createLogger(config.logLevel, { proc: 'plugin' }, config.logFormat);
  const plugin = await startPlugin(config, log);
  log.info('plugin listening', {
    code: LogCode.pluginListening,
    url: plugin.url,
    dataDir: config.dataDir,
    database: redact(config.databaseUrl),
  });
  if (plugin.generatedApiKey) {
    process.stdout.write(
      `\nPIMS API key for the default site (shown once, keep it): ${plugin.generatedApiKey}\n\n`,
    );
  }
  const stop = (signal: string): void => {
    log.info('stopping', { signal });
    plugin.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

runMain('plugin', main);
