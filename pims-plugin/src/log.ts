/** This process logs to stdout through pino: JSON lines, or readable lines for a person. */
export { createLogger, type LogFormat } from '@lightbox/runtime/console-logger';
export type { Logger, LogLevel } from '@lightbox/runtime';
