import type { Logger, LogLevel } from './logger.js';

/** The part of a pino logger Lightbox uses; structural, so the package's main entry loads no pino. */
export interface PinoLike {
  debug(fields: object, msg: string): void;
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
  child(bindings: Record<string, unknown>): PinoLike;
}

/** Lightbox's `Logger` over pino: callers keep `log.info(msg, fields)`. */
export function loggerFromPino(pino: PinoLike): Logger {
  return {
    debug: (msg, fields) => pino.debug(fields ?? {}, msg),
    info: (msg, fields) => pino.info(fields ?? {}, msg),
    warn: (msg, fields) => pino.warn(fields ?? {}, msg),
    error: (msg, fields) => pino.error(fields ?? {}, msg),
    child: (fields) => loggerFromPino(pino.child(fields)),
  };
}

/**
 * The line both processes write: `{"level":"info","t":"<ISO time>",…fields,"msg":"…"}` — the same
 * keys as before pino, which support scripts and the end-to-end tests read; no pid or host name.
 */
export function lightboxPinoOptions(level: LogLevel) {
  return {
    level,
    base: null,
    timestamp: () => `,"t":"${new Date().toISOString()}"`,
    formatters: { level: (label: string) => ({ level: label }) },
  };
}

/** pino-pretty's options for a person at a terminal: one line each, local time. */
export const prettyLogOptions = {
  sync: true,
  singleLine: true,
  translateTime: 'SYS:HH:MM:ss.l',
  timestampKey: 't',
  messageKey: 'msg',
} as const;
