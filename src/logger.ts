/**
 * Structured logging (pino). Level from `GREGOR_LOG_LEVEL` (default `info`; tests use
 * `silent` or `warn`). Components take a child logger: `logger.child({ component: 'log' })`.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level = process.env.GREGOR_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { service: 'gregor' } });
}
