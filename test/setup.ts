/**
 * Per test file: the Temporal SDK logs only warnings and errors (set TEST_LOG_LEVEL=INFO to see
 * worker lifecycle lines again), so a test failure is not buried under worker chatter.
 */
import { DefaultLogger, type LogLevel, Runtime } from '@temporalio/worker';

const level = (process.env.TEST_LOG_LEVEL?.toUpperCase() ?? 'WARN') as LogLevel;
try {
  Runtime.install({ logger: new DefaultLogger(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'].includes(level) ? level : 'WARN') });
} catch {
  // Already installed in this process by an earlier file: keep it.
}
