export { createPseudonymizer } from './pseudonymize.js';
export type { Pseudonymizer } from './pseudonymize.js';
export { createLogger, flushLogger } from './logger.js';
export type { Logger, LoggerOptions, LogLevel } from './logger.js';
export { AuditSink } from './sink.js';
export type { AuditSinkOptions } from './sink.js';
