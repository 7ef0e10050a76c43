import pino from 'pino';
import roll from 'pino-roll';
import { lightboxPinoOptions, loggerFromPino, type LogLevel, type Logger } from '@lightbox/runtime';
import { consoleStream, createLogger, type LogFormat } from '@lightbox/runtime/console-logger';

export type { Logger, LogLevel, LogFormat };
/** Logs to stdout: JSON lines, or readable lines when `format` says so (or stdout is a terminal). */
export { createLogger };

export interface LogFile {
  /** The active file; rotated ones are numbered beside it (`agent.1.log`, `agent.2.log`, …). */
  path: string;
  /** A file is rotated when it reaches this size. */
  maxBytes: number;
  /** Rotated files kept besides the active one; older ones are removed. */
  keep: number;
}

/**
 * The running agent's logger: stdout as `createLogger`, and, when a file is given, the same JSON
 * lines to a file that rotates by size — what a field engineer collects from a PC where nobody
 * watches a console (pino-roll, pino's own rotating file stream).
 */
export async function createAgentLogger(opts: {
  level: LogLevel;
  base: Record<string, unknown>;
  format: LogFormat;
  file: LogFile | undefined;
}): Promise<Logger> {
  if (!opts.file) return createLogger(opts.level, opts.base, opts.format);
  const file = await roll({
    file: opts.file.path,
    size: `${Math.max(1, Math.round(opts.file.maxBytes / 1024))}k`,
    limit: { count: opts.file.keep, removeOtherLogFiles: true },
    mkdir: true,
  });
  const streams = pino.multistream([
    { level: opts.level, stream: consoleStream(opts.format) },
    { level: opts.level, stream: file },
  ]);
  return loggerFromPino(pino(lightboxPinoOptions(opts.level), streams).child(opts.base));
}
