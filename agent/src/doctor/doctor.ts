import { ConfigError, configFileFromArgs, loadAgentConfig } from '../config.js';
import { fail, formatLine, ok, type CheckLine } from './doctor-check.js';
import { checkDicomPort, checkFreeSpace, checkPeers, checkWritable } from './local-checks.js';
import { checkPlugin } from './plugin-checks.js';

/**
 * `npm run agent -- doctor`: what a field engineer runs at install time and when a practice calls.
 * Each check prints one line as soon as it is known, with what to do when it failed; the exit code
 * is 1 when anything failed, 0 when all is well.
 */
export async function runDoctor(print: (line: string) => void): Promise<number> {
  let failed = 0;
  const report = (line: CheckLine): void => {
    if (line.status === 'FAIL') failed++;
    print(formatLine(line));
  };
  let config;
  try {
    config = loadAgentConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const line of err.lines) report(fail('config', line, 'correct that setting'));
    return 1;
  }
  const file = configFileFromArgs(process.argv);
  report(
    ok(
      'config',
      `${file ? `${file} and ` : ''}the environment: AE ${config.aeTitle}, DICOM port ${config.dicomPort}, data ${config.dataDir}`,
    ),
  );
  report(await checkWritable('data folder', config.dataDir, 'LIGHTBOX_DATA_DIR'));
  report(await checkWritable('spool folder', config.spoolDir, 'LIGHTBOX_SPOOL_DIR'));
  report(await checkFreeSpace(config));
  report(await checkDicomPort(config));
  for (const line of await checkPlugin(config)) report(line);
  for (const line of await checkPeers(config)) report(line);
  print(failed === 0 ? 'all checks passed' : `${failed} check(s) failed`);
  return failed === 0 ? 0 : 1;
}
