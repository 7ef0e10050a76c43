import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentConfig } from '../config.js';

/** What both service managers are told: one definition, written as a unit or a Windows service. */
export interface ServiceDefinition {
  /** systemd unit name / Windows service id. */
  name: string;
  displayName: string;
  description: string;
  /** The account the service runs as; created at install on Linux. */
  user: string;
  nodePath: string;
  /** The agent runs as `npm run agent` does: run-bundled.mjs with the entry point. */
  runner: string;
  entry: string;
  workingDirectory: string;
  configFile: string | undefined;
  dataDir: string;
  /** Where run-bundled.mjs keeps the bundle it builds at start: the service's user writes there. */
  bundleCacheDir: string;
  dicomPort: number;
  /** Hard memory ceiling; Node's heap is kept below it. */
  memoryMaxMb: number;
  openFilesLimit: number;
  restartDelaySeconds: number;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function serviceDefinition(config: AgentConfig, configFile: string | undefined): ServiceDefinition {
  return {
    name: 'lightbox-agent',
    displayName: 'Lightbox Agent',
    description: "Lightbox agent: the practice's DICOM worklist, MPPS and image storage for its modalities",
    user: 'lightbox',
    nodePath: process.execPath,
    runner: path.join(repoRoot, 'scripts', 'run-bundled.mjs'),
    entry: path.join(repoRoot, 'agent', 'src', 'main.ts'),
    workingDirectory: repoRoot,
    configFile: configFile ? path.resolve(configFile) : undefined,
    dataDir: config.dataDir,
    bundleCacheDir: path.join(repoRoot, 'agent', 'node_modules', '.cache', 'lightbox-bundles'),
    dicomPort: config.dicomPort,
    memoryMaxMb: 1024,
    openFilesLimit: 8192,
    restartDelaySeconds: 5,
  };
}
