/**
 * Routes the Temporal SDK's own logs (worker, workflow `log`, activity `log`) into our pino
 * logger, as the samples' custom-logger does. Must run once per process before any Temporal
 * connection or worker is created.
 */
import { DefaultLogger, type LogLevel, Runtime } from '@temporalio/worker';
import type { Logger } from '../lib/logger';

let installed = false;

/** The pino method for each of the SDK's levels (ERROR and anything unknown: `error`). */
const PINO_METHOD: Partial<Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn'>> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn' };

export function installRuntimeLogger(log: Logger): void {
  if (installed) return;
  installed = true;
  const levels: Record<string, LogLevel> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR', fatal: 'ERROR', silent: 'ERROR' };
  const sdkLog = log.child({ component: 'temporal-sdk' });
  Runtime.install({
    logger: new DefaultLogger(levels[log.level] ?? 'INFO', (entry) => {
      const meta = { ...(entry.meta ?? {}) };
      sdkLog[PINO_METHOD[entry.level] ?? 'error'](meta, entry.message);
    }),
  });
}
