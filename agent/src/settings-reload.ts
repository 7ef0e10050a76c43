import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadAgentConfig, type AgentConfig, type ForwardingConfig } from './config.js';
import type { Logger } from './log.js';
import { LogCode } from './log-codes.js';

/** Where `npm run agent -- reload` leaves its request; Windows services get no SIGHUP. */
export const reloadRequestFile = (dataDir: string): string => path.join(dataDir, 'reload.request');

export interface ReloadTargets {
  /** Replaces the PACS forwarder (stopping the old one after its batch in flight); undefined: none. */
  replaceForwarder(forwarding: ForwardingConfig | undefined): Promise<void>;
}

/**
 * Settings a field engineer changes without a reinstall — modality profiles, the worklist policy,
 * the allow-list of calling AE titles, the PACS forward target — re-read from the config file and
 * the environment on SIGHUP or a reload request. They are changed in place in the objects the
 * DICOM handlers read at each association and query, so associations in progress carry on; new
 * ones get the new settings. A config that does not load keeps the running settings, and says why.
 */
export class SettingsReload {
  private running: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly current: AgentConfig,
    private readonly targets: ReloadTargets,
    private readonly log: Logger,
    private readonly load: () => AgentConfig = () => loadAgentConfig(),
  ) {}

  /** SIGHUP where there are signals, and the request file everywhere. */
  start(): void {
    if (process.platform !== 'win32') process.on('SIGHUP', () => void this.reload('SIGHUP'));
    const file = reloadRequestFile(this.current.dataDir);
    this.timer = setInterval(() => {
      if (!existsSync(file)) return;
      rmSync(file, { force: true });
      void this.reload('reload request');
    }, 1_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  reload(trigger: string): Promise<void> {
    this.running = this.running.then(() => this.apply(trigger));
    return this.running;
  }

  private async apply(trigger: string): Promise<void> {
    let next: AgentConfig;
    try {
      next = this.load();
    } catch (err) {
      const lines = err instanceof ConfigError ? err.lines : [String(err)];
      for (const line of lines)
        this.log.error(`settings not reloaded: ${line}`, {
          code: LogCode.settingsNotReloaded,
          trigger,
          problem: line,
        });
      return;
    }
    const cur = this.current;
    const changed: string[] = [];
    if (JSON.stringify(cur.worklist) !== JSON.stringify(next.worklist)) {
      Object.assign(cur.worklist, next.worklist);
      changed.push('worklist and modality profiles');
    }
    if (JSON.stringify(cur.allowedCallingAeTitles) !== JSON.stringify(next.allowedCallingAeTitles)) {
      // The very array the association policy reads.
      cur.allowedCallingAeTitles.splice(0, cur.allowedCallingAeTitles.length, ...next.allowedCallingAeTitles);
      changed.push('allowed calling AE titles');
    }
    if (cur.commitAfterForward !== next.commitAfterForward) {
      cur.commitAfterForward = next.commitAfterForward;
      changed.push('commit after forward');
    }
    if (JSON.stringify(cur.forwarding) !== JSON.stringify(next.forwarding)) {
      cur.forwarding = next.forwarding;
      await this.targets.replaceForwarder(next.forwarding);
      changed.push('PACS forward target');
    }
    const needRestart = (
      [
        'dicomHost',
        'dicomPort',
        'dicomLimits',
        'aeTitle',
        'dataDir',
        'spoolDir',
        'link',
        'metrics',
        'rendering',
      ] as const
    ).filter((k) => JSON.stringify(cur[k]) !== JSON.stringify(next[k]));
    for (const key of needRestart)
      this.log.warn('setting changed but applies only after a restart of the agent', {
        setting: key,
        trigger,
      });
    this.log.info('settings reloaded', { code: LogCode.settingsReloaded, trigger, changed });
  }
}
