import { runDoctor } from '../doctor/doctor.js';

/**
 * The agent's commands besides running: `doctor`. Resolves with the exit code, or undefined when
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
    default:
      process.stderr.write(`lightbox agent: unknown command ${JSON.stringify(command)}; expected doctor\n`);
      return 2;
  }
}
