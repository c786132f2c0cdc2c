/**
 * `npm run api`: the HTTP API alone, against an already running database and Temporal (in
 * production: DATABASE_URL and TEMPORAL_ADDRESS; locally: the ones `npm start` serves).
 */
import type { Server } from 'node:http';
import { ConfigError, loadConfig, type Config } from '../lib/config';
import { checkDatabaseReachable, databaseUrl } from '../lib/database';
import { Lifecycle, describeStartupError } from '../lib/lifecycle';
import { createLogger, type Logger } from '../lib/logger';
import { applyMigrations } from '../lib/migrate';
import { createReadinessProbe } from '../lib/readiness';
import { temporalAddress } from '../lib/temporal';
import { createTemporalClient } from '../worker/client';
import { createApp } from './app';

/** Starts the API on config.api.host:port and registers its shutdown with `lifecycle`. */
export async function startApi(config: Config, log: Logger, lifecycle: Lifecycle): Promise<Server> {
  const temporal = await createTemporalClient(config, temporalAddress(config));
  lifecycle.onStop('temporal client', () => temporal.close());
  const readiness = createReadinessProbe(databaseUrl(config), temporal.connection);
  lifecycle.onStop('readiness probe', () => readiness.close());
  const app = createApp({ readiness, log: log.child({ component: 'api' }), corsOrigins: config.api.corsOrigins });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.api.port, config.api.host);
    s.once('listening', () => resolve(s));
    s.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(err.code === 'EADDRINUSE' ? `PORT: port ${config.api.port} on ${config.api.host} is already in use; choose another with PORT=<port>` : `PORT: cannot listen on ${config.api.host}:${config.api.port} (${err.message})`)),
    );
  });
  lifecycle.onStop('api', () => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  }));
  return server;
}

async function run(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel, 'api');
  const lifecycle = new Lifecycle(log);
  lifecycle.handleSignals();
  try {
    await checkDatabaseReachable(databaseUrl(config));
    await applyMigrations(databaseUrl(config), (msg) => log.info(msg));
    await startApi(config, log, lifecycle);
  } catch (err) {
    await lifecycle.stopAll();
    throw err;
  }
  log.info({ url: config.api.publicUrl }, 'API listening');
}

if (require.main === module) {
  run().catch((err: unknown) => {
    console.error(err instanceof ConfigError ? err.message : `api: ${describeStartupError(err)}`);
    process.exit(1);
  });
}
