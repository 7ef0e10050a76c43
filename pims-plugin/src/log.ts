import pino from 'pino';
import pretty from 'pino-pretty';
import {
  lightboxPinoOptions,
  loggerFromPino,
  prettyLogOptions,
  type LogLevel,
  type Logger,
} from '@lightbox/runtime';

export type { Logger, LogLevel };
/** `auto`: readable lines at a terminal, JSON otherwise (a service, a pipe, a container). */
export type LogFormat = 'auto' | 'json' | 'pretty';

/** This process logs to stdout through pino: JSON lines, or readable lines for a person. */
export function createLogger(
  level: LogLevel,
  base: Record<string, unknown> = {},
  format: LogFormat = 'auto',
): Logger {
  const terminal = process.stdout.isTTY;
  const stream =
    format === 'pretty' || (format === 'auto' && terminal)
      ? pretty({ ...prettyLogOptions, colorize: terminal })
      : pino.destination({ dest: 1, sync: true });
  return loggerFromPino(pino(lightboxPinoOptions(level), stream).child(base));
}
