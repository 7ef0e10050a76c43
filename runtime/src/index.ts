export * from './errors.js';
export * from './async-mutex.js';
export * from './logger.js';
export * from './pino-logger.js';
export * from './owner-only.js';
export * from './process-start.js';
