/**
 * `npm run api`: the HTTP API alone, against an already running database and Temporal (in
 * production: DATABASE_URL and TEMPORAL_ADDRESS; locally: the ones `npm start` serves).
 */
import type { Server } from 'node:http';
import path from 'node:path';
import { ConfigError, loadConfig, type Config } from '../lib/config';
import { readSimulatorCa } from '../lib/amazon-pay-client';
import { createEngineAmazonPayClient, credentialsFromEnvironment, resolveAmazonPayConfig } from '../lib/amazon-pay-engine';
import { checkDatabaseReachable, createPrismaClient, databaseUrl } from '../lib/database';
import { readStoredCredentials } from '../lib/merchant-credentials';
import { createSnsVerifier } from '../lib/sns-verify';
import { Lifecycle, describeStartupError } from '../lib/lifecycle';
import { createLogger, type Logger } from '../lib/logger';
import { applyMigrations } from '../lib/migrate';
import { createReadinessProbe } from '../lib/readiness';
import { temporalAddress } from '../lib/temporal';
import { createTemporalClient } from '../worker/client';
import { createEngineApp } from './engine-app';
import { createOrdersGateway, startSweeper } from './orders';

/** Starts the API on config.api.host:port and registers its shutdown with `lifecycle`. */
export async function startApi(config: Config, log: Logger, lifecycle: Lifecycle): Promise<Server> {
  const temporal = await createTemporalClient(config, temporalAddress(config));
  lifecycle.onStop('temporal client', () => temporal.close());
  const readiness = createReadinessProbe(databaseUrl(config), temporal.connection);
  lifecycle.onStop('readiness probe', () => readiness.close());
  const prisma = createPrismaClient(databaseUrl(config), { max: 10 });
  lifecycle.onStop('api database', () => prisma.$disconnect());
  const merchant = resolveAmazonPayConfig(config, await readStoredCredentials(prisma));
  const simulatorCa = merchant.endpoint === 'simulator' ? readSimulatorCa(config.dataDir) : undefined;
  const verifier = createSnsVerifier(merchant.endpoint === 'simulator' ? { extraTrustedOrigins: [`https://${merchant.simulatorAddress}`], extraOriginCa: simulatorCa } : {});
  const apiLog = log.child({ component: 'api' });
  const orders = createOrdersGateway(temporal.client, config.temporal.taskQueue, prisma, apiLog);
  // Starts the workflows of orders accepted just before a crash of the process that accepted them.
  const stopSweeper = startSweeper(orders, apiLog);
  lifecycle.onStop('order start sweeper', async () => stopSweeper());
  const app = createEngineApp({
    prisma,
    temporal,
    orders,
    taskQueue: config.temporal.taskQueue,
    amazonPay: createEngineAmazonPayClient(config, merchant),
    merchant,
    verifier,
    readiness,
    log: apiLog,
    corsOrigins: config.api.corsOrigins,
    rateLimitPerMinute: config.api.rateLimitPerMinute,
    credentialsFromEnvironment: credentialsFromEnvironment(config),
    console: { sessionSecret: config.console.sessionSecret?.reveal(), dataDir: config.dataDir, temporalUiUrl: config.console.temporalUiUrl, namespace: config.temporal.namespace },
    demo: { enabled: config.console.demoEnabled, keyFile: path.join(config.dataDir, 'demo-storefront-key') },
    demoAuthorizationDayMs: config.demoAuthorizationDayMs,
  });
  if (config.demoAuthorizationDayMs !== undefined) {
    apiLog.warn({ dayMs: config.demoAuthorizationDayMs }, `DEMO ONLY: new orders' authorizations last 30 days of ${config.demoAuthorizationDayMs / 1000} s (DEMO_AUTHORIZATION_DAY_SECONDS); never use this with real payments`);
  }
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
