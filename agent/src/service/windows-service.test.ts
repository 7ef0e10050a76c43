import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ServiceDefinition } from './service-definition.js';
import { systemdUnit } from './systemd-unit.js';
import { windowsService } from './windows-service.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = (name: string): string => readFileSync(path.join(here, 'fixtures', name), 'utf8');

/** A Windows modality PC's install: what a field engineer's `install-service` would register. */
const onWindows: ServiceDefinition = {
  name: 'lightbox-agent',
  displayName: 'Lightbox Agent',
  description: "Lightbox agent: the practice's DICOM worklist, MPPS and image storage for its modalities",
  user: 'lightbox',
  nodePath: 'C:\\Program Files\\nodejs\\node.exe',
  runner: 'C:\\Lightbox\\scripts\\run-bundled.mjs',
  entry: 'C:\\Lightbox\\agent\\src\\main.ts',
  workingDirectory: 'C:\\Lightbox',
  configFile: 'C:\\ProgramData\\Lightbox\\agent.json',
  dataDir: 'C:\\ProgramData\\Lightbox\\data',
  bundleCacheDir: 'C:\\Lightbox\\agent\\node_modules\\.cache\\lightbox-bundles',
  dicomPort: 104,
  memoryMaxMb: 1024,
  openFilesLimit: 8192,
  restartDelaySeconds: 5,
};

describe('the service definitions', () => {
  // Windows cannot be tested on these machines: the options node-windows is given are checked
  // against a reviewed fixture instead, so any change to them is a deliberate one.
  it('gives node-windows the same program, folder, memory ceiling and restart policy as the unit', () => {
    const actual = windowsService(onWindows);
    expect(JSON.parse(JSON.stringify(actual))).toEqual(JSON.parse(fixture('windows-service.json')));
  });

  it('writes the systemd unit of the fixture for a Linux install on port 104', () => {
    const linux: ServiceDefinition = {
      ...onWindows,
      nodePath: '/usr/bin/node',
      runner: '/opt/lightbox/scripts/run-bundled.mjs',
      entry: '/opt/lightbox/agent/src/main.ts',
      workingDirectory: '/opt/lightbox',
      configFile: '/etc/lightbox/agent.json',
      dataDir: '/var/lib/lightbox',
      bundleCacheDir: '/opt/lightbox/agent/node_modules/.cache/lightbox-bundles',
    };
    expect(systemdUnit(linux)).toBe(fixture('lightbox-agent.service'));
  });
});
