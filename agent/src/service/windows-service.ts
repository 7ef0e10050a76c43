import path from 'node:path';
import type { ServiceDefinition } from './service-definition.js';

/**
 * The options node-windows' `Service` is created with (it writes the WinSW definition from them and
 * registers it with the Windows service manager): the same program, folder, memory ceiling and
 * restart-on-failure as the systemd unit, running as LocalService. Windows has no per-service
 * open-files limit to set.
 */
export interface NodeWindowsServiceOptions {
  name: string;
  description: string;
  script: string;
  scriptOptions: string;
  nodeOptions: string[];
  workingDirectory: string;
  execPath: string;
  env: { name: string; value: string }[];
  /** Seconds before the first restart, growing by `grow` each time; never giving up. */
  wait: number;
  grow: number;
  maxRestarts: number;
  abortOnError: boolean;
  stopparentfirst: boolean;
  logpath: string;
}

export interface WindowsService {
  options: NodeWindowsServiceOptions;
  logOnAs: { domain: string; account: string; password: string };
  /** Granted to the service account at install (icacls), as the systemd unit's ReadWritePaths. */
  writableFolders: string[];
}

const quote = (v: string): string => (/\s/.test(v) ? `"${v}"` : v);

export function windowsService(def: ServiceDefinition): WindowsService {
  return {
    options: {
      name: def.displayName,
      description: def.description,
      script: def.runner,
      scriptOptions: [def.entry, ...(def.configFile ? ['--config', def.configFile] : [])]
        .map(quote)
        .join(' '),
      nodeOptions: [`--max-old-space-size=${Math.floor(def.memoryMaxMb * 0.6)}`],
      workingDirectory: def.workingDirectory,
      execPath: def.nodePath,
      env: [
        { name: 'LIGHTBOX_DATA_DIR', value: def.dataDir },
        { name: 'LIGHTBOX_LOG_FORMAT', value: 'json' },
      ],
      wait: def.restartDelaySeconds,
      grow: 0.25,
      // node-windows gives up after this many quick restarts in a row; a field PC must not.
      maxRestarts: 1_000_000,
      abortOnError: false,
      stopparentfirst: true,
      logpath: path.win32.join(def.dataDir, 'logs', 'service'),
    },
    logOnAs: { domain: 'NT AUTHORITY', account: 'LocalService', password: '' },
    writableFolders: [def.dataDir, def.bundleCacheDir],
  };
}
