import { spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { ConfigError, configFileFromArgs, loadAgentConfig } from '../config.js';
import { serviceDefinition, type ServiceDefinition } from './service-definition.js';
import { systemdUnit } from './systemd-unit.js';
import { windowsService, type WindowsService } from './windows-service.js';

const UNIT_DIR = '/etc/systemd/system';

/**
 * `npm run agent -- install-service [--config agent.json] [--print]` and `uninstall-service`:
 * registers the agent with the operating system's service manager — systemd on Linux, the Windows
 * service manager through node-windows — or, with `--print`, only shows what would be registered.
 */
export async function serviceCommand(
  action: 'install' | 'uninstall',
  argv: readonly string[],
  print: (line: string) => void,
): Promise<number> {
  let def: ServiceDefinition;
  try {
    def = serviceDefinition(loadAgentConfig(), configFileFromArgs([...argv]));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const line of err.lines) print(`not installed: ${line}`);
    return 2;
  }
  const windows = process.platform === 'win32';
  if (argv.includes('--print')) {
    print(windows ? JSON.stringify(windowsService(def), null, 2) : systemdUnit(def));
    return 0;
  }
  if (windows) return windowsServiceManager(action, windowsService(def), print);
  if (process.getuid?.() !== 0) {
    print('installing a service needs root: run it with sudo');
    return 1;
  }
  return action === 'install' ? installSystemd(def, print) : uninstallSystemd(def, print);
}

function run(print: (line: string) => void, command: string, args: string[], mayFail = false): boolean {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  const ok = r.status === 0;
  if (!ok && !mayFail)
    print(`failed: ${command} ${args.join(' ')}: ${(r.stderr || r.error?.message || '').trim()}`);
  return ok;
}

function installSystemd(def: ServiceDefinition, print: (line: string) => void): number {
  if (!run(print, 'id', ['-u', def.user], true)) {
    if (
      !run(print, 'useradd', [
        '--system',
        '--home-dir',
        def.dataDir,
        '--shell',
        '/usr/sbin/nologin',
        def.user,
      ])
    )
      return 1;
    print(`created the system user ${def.user}`);
  }
  const ids = spawnSync('id', ['-u', def.user], { encoding: 'utf8' }).stdout.trim();
  const gid = spawnSync('id', ['-g', def.user], { encoding: 'utf8' }).stdout.trim();
  for (const dir of [def.dataDir, def.bundleCacheDir]) {
    mkdirSync(dir, { recursive: true });
    if (!run(print, 'chown', ['-R', `${ids}:${gid}`, dir])) return 1;
  }
  chownSync(def.dataDir, Number(ids), Number(gid));
  const unitFile = `${UNIT_DIR}/${def.name}.service`;
  writeFileSync(unitFile, systemdUnit(def));
  print(`wrote ${unitFile}`);
  if (!run(print, 'systemctl', ['daemon-reload'])) return 1;
  if (!run(print, 'systemctl', ['enable', '--now', def.name])) return 1;
  print(`${def.name} enabled and started: systemctl status ${def.name}, journalctl -u ${def.name}`);
  return 0;
}

function uninstallSystemd(def: ServiceDefinition, print: (line: string) => void): number {
  run(print, 'systemctl', ['disable', '--now', def.name], true);
  rmSync(`${UNIT_DIR}/${def.name}.service`, { force: true });
  run(print, 'systemctl', ['daemon-reload']);
  print(`${def.name} stopped and removed; ${def.dataDir} and the user ${def.user} are kept`);
  return 0;
}

/** The part of node-windows used here; it exists only on Windows (an optional dependency). */
interface NodeWindowsService {
  logOnAs: { domain: string; account: string; password: string };
  on(event: 'install' | 'uninstall' | 'alreadyinstalled' | 'error', listener: (err?: unknown) => void): void;
  install(): void;
  uninstall(): void;
  start(): void;
}

async function windowsServiceManager(
  action: 'install' | 'uninstall',
  service: WindowsService,
  print: (line: string) => void,
): Promise<number> {
  // A name in a variable: the package is installed on Windows only, and nothing may resolve it elsewhere.
  const packageName = 'node-windows';
  const nodeWindows = (await import(packageName)) as {
    Service: new (options: object) => NodeWindowsService;
  };
  const svc = new nodeWindows.Service(service.options);
  svc.logOnAs = service.logOnAs;
  if (action === 'install') {
    for (const dir of service.writableFolders) {
      mkdirSync(dir, { recursive: true });
      run(print, 'icacls', [
        dir,
        '/grant',
        `${service.logOnAs.domain}\\${service.logOnAs.account}:(OI)(CI)M`,
      ]);
    }
  }
  return new Promise((resolve) => {
    svc.on('install', () => {
      svc.start();
      print(`${service.options.name} installed and started (services.msc)`);
      resolve(0);
    });
    svc.on('alreadyinstalled', () => {
      print(`${service.options.name} is already installed`);
      resolve(0);
    });
    svc.on('uninstall', () => {
      print(`${service.options.name} removed; its data folder is kept`);
      resolve(0);
    });
    svc.on('error', (err) => {
      print(`failed: ${String(err)}`);
      resolve(1);
    });
    if (action === 'install') svc.install();
    else svc.uninstall();
  });
}
