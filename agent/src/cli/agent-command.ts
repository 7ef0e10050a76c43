import { runDoctor } from '../doctor/doctor.js';
import { requestReload } from './request-reload.js';
import { serviceCommand } from '../service/install-service.js';

/**
 * The agent's commands besides running: `doctor`, `reload`, `install-service`, `uninstall-service`. Resolves with the exit code, or undefined when
 * the arguments name no command and the agent should run.
 */
export async function runAgentCommand(argv: readonly string[]): Promise<number | undefined> {
  const command = argv[2];
  if (command === undefined || command.startsWith('-')) return undefined;
  const print = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  switch (command) {
    case 'doctor':
      return runDoctor(print);
    case 'reload':
      return requestReload(print);
    case 'install-service':
      return serviceCommand('install', argv, print);
    case 'uninstall-service':
      return serviceCommand('uninstall', argv, print);
    default:
      process.stderr.write(
        `lightbox agent: unknown command ${JSON.stringify(command)}; expected doctor, reload, install-service or uninstall-service\n`,
      );
      return 2;
  }
}
