import pino from 'pino';
import pretty from 'pino-pretty';
import type { Logger, LogLevel } from './logger.js';
import { lightboxPinoOptions, loggerFromPino, prettyLogOptions } from './pino-logger.js';

/**
 * `auto`: readable lines at a terminal, JSON otherwise (a service, a pipe, a file, a container).
 */
export type LogFormat = 'auto' | 'json' | 'pretty';

/** Where a process's log lines go on stdout: JSON lines, or readable lines for a person. */
export function consoleStream(format: LogFormat) {
  const terminal = process.stdout.isTTY;
  if (format === 'pretty' || (format === 'auto' && terminal))
    return pretty({ ...prettyLogOptions, colorize: terminal });
  return pino.destination({ dest: 1, sync: true });
}

/** Logs to stdout through pino, as `format` says (readable at a terminal when `auto`). */
export function createLogger(
  level: LogLevel,
  base: Record<string, unknown> = {},
  format: LogFormat = 'auto',
): Logger {
  return loggerFromPino(pino(lightboxPinoOptions(level), consoleStream(format)).child(base));
}
