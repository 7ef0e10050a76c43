import { createLogger as createJsonLogger, type LogLevel, type Logger } from '@lightbox/protocol';

export type { Logger, LogLevel };

/** This process logs JSON lines to stdout. */
export function createLogger(level: LogLevel, base: Record<string, unknown> = {}): Logger {
  return createJsonLogger(level, (line) => process.stdout.write(line), base);
}
