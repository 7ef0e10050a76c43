import type { ServiceDefinition } from './service-definition.js';

/** systemd quotes a word with spaces in double quotes, with `\` and `"` escaped. */
const word = (value: string): string =>
  /^[\w./:=@+-]+$/.test(value) ? value : `"${value.replace(/[\\"]/g, '\\$&')}"`;

/**
 * The unit `install-service` writes on Linux: restarts on failure for ever (a modality PC has no
 * one to restart it), runs as its own user with write access to the data folder only, a memory
 * ceiling and an open-files limit, JSON logs to the journal, SIGHUP for `systemctl reload`.
 */
export function systemdUnit(def: ServiceDefinition): string {
  const exec = [def.nodePath, def.runner, def.entry, ...(def.configFile ? ['--config', def.configFile] : [])];
  // Node's heap stays well below the unit's ceiling: buffers, sharp and the workers live outside it.
  const heapMb = Math.floor(def.memoryMaxMb * 0.6);
  const lines = [
    '[Unit]',
    `Description=${def.description}`,
    'After=network-online.target',
    'Wants=network-online.target',
    'StartLimitIntervalSec=0',
    '',
    '[Service]',
    'Type=simple',
    `User=${def.user}`,
    `Group=${def.user}`,
    `WorkingDirectory=${word(def.workingDirectory)}`,
    `Environment=${word(`LIGHTBOX_DATA_DIR=${def.dataDir}`)}`,
    'Environment=LIGHTBOX_LOG_FORMAT=json',
    `Environment=NODE_OPTIONS=--max-old-space-size=${heapMb}`,
    `ExecStart=${exec.map(word).join(' ')}`,
    'ExecReload=/bin/kill -HUP $MAINPID',
    'Restart=on-failure',
    `RestartSec=${def.restartDelaySeconds}`,
    'TimeoutStopSec=30',
    `MemoryMax=${def.memoryMaxMb}M`,
    `LimitNOFILE=${def.openFilesLimit}`,
    ...(def.dicomPort > 0 && def.dicomPort < 1024 ? ['AmbientCapabilities=CAP_NET_BIND_SERVICE'] : []),
    'NoNewPrivileges=true',
    'PrivateTmp=true',
    'ProtectSystem=full',
    `ReadWritePaths=${word(def.dataDir)} ${word(def.bundleCacheDir)}`,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ];
  return lines.join('\n');
}
