/**
 * `npm run api`: the HTTP API alone, against an already running database and Temporal (in
 * production: DATABASE_URL and TEMPORAL_ADDRESS; locally: the ones `npm start` serves).
 */
import type { Server } from 'node:http';
import path from 'node:path';
import { ConfigError, loadConfig, type Config } from '../lib/config';
import { readSimulatorCa } from '../lib/amazon-pay-client';
import { checkMerchantsAtStart, credentialsFromEnvironment, startShops } from '../lib/amazon-pay-engine';
import { checkDatabaseReachable, createPrismaClient, databaseUrl } from '../lib/database';
import { ensureEnvEndpoint } from '../lib/event-endpoints';
import { acceptedTopicArns, createSnsVerifier } from '../lib/sns-verify';
import { Lifecycle, describeStartupError } from '../lib/lifecycle';
import { createLogger, type Logger } from '../lib/logger';
import { applyMigrations } from '../lib/migrate';
import { createReadinessProbe } from '../lib/readiness';
import { ensureNamespaceReady, probeTemporalEndpoint, temporalAddress } from '../lib/temporal';
import { SEARCH_ATTRIBUTE_KEYS } from '../lib/names';
import { createTemporalClient } from '../lib/temporal-client';
import { auditWriterOf } from './audit';
import { createEngineApp } from './engine-app';
import { createOrdersGateway, startSweeper } from './orders';

/** Starts the API on config.api.host:port and registers its shutdown with `lifecycle`. */
/** How long a stop lets requests under way finish before their connections are cut. */
const HTTP_DRAIN_MS = 5_000;

/**
 * Starts the API on config.api.host:port and registers its shutdown with `lifecycle`. Parts stop newest first:
 * the HTTP server (no new requests; those under way get HTTP_DRAIN_MS), the start sweeper, the Temporal client
 * (once its calls in flight, such as an order's deferred start, have ended), the readiness probe, and the
 * database last, since the calls before it may still write to it.
 */
export async function startApi(config: Config, log: Logger, lifecycle: Lifecycle): Promise<Server> {
  const prisma = createPrismaClient(databaseUrl(config), { max: 10 });
  lifecycle.onStop('api database', () => prisma.$disconnect());
  const temporal = await createTemporalClient(config, temporalAddress(config));
  lifecycle.onStop('temporal client', () => temporal.close());
  // Ready only once the namespace has the search attributes every order start sets (added here where the cluster
  // permits): before that a checkout would be accepted and its workflow never start.
  const namespace = config.temporal.namespace;
  const readiness = createReadinessProbe(databaseUrl(config), temporal.connection, {
    namespace: () => temporal.connection.withDeadline(Date.now() + 3_000, () => ensureNamespaceReady(temporal.connection, namespace, SEARCH_ATTRIBUTE_KEYS, (m) => log.info(m))),
    diagnose: () => probeTemporalEndpoint(config, temporalAddress(config)),
  });
  lifecycle.onStop('readiness probe', () => readiness.close());
  const { box, merchants } = await startShops(config, prisma);
  // The default shop signs as the variables' merchant, its stored one, or the simulator's dev merchant: checked now,
  // so a misconfigured engine says so at start rather than at its first checkout.
  await checkMerchantsAtStart(merchants, prisma, (m) => log.warn(m));
  await ensureEnvEndpoint(prisma, config.shopWebhook);
  const merchant = config.amazonPay;
  const simulatorCa = merchant.endpoint === 'simulator' ? readSimulatorCa(config.dataDir) : undefined;
  const apiLog = log.child({ component: 'api' });
  const topicArns = acceptedTopicArns(config.notifications.snsTopicArns, merchant);
  // Real Amazon without a configured topic: the API runs (orders are re-read by the workflows and the reconcile),
  // but no notification is trusted; say so once here and on every refusal.
  if (topicArns.length === 0) apiLog.warn('AMAZON_PAY_SNS_TOPIC_ARNS is empty: every Amazon Pay notification is refused until it names the SNS topic(s) Amazon Pay publishes to');
  const verifier = createSnsVerifier({ topicArns, ...(merchant.endpoint === 'simulator' ? { extraTrustedOrigins: [`https://${merchant.simulatorAddress}`], extraOriginCa: simulatorCa } : {}) });
  const orders = createOrdersGateway(temporal.client, config.temporal.taskQueue, prisma, apiLog);
  // Starts the workflows of orders accepted just before a crash of the process that accepted them.
  const stopSweeper = startSweeper(orders, apiLog);
  lifecycle.onStop('order start sweeper', async () => stopSweeper());
  const app = createEngineApp({
    prisma,
    secretBox: box,
    temporal,
    orders,
    taskQueue: config.temporal.taskQueue,
    merchants,
    amazonPayEndpoint: merchant.endpoint,
    ...(merchant.endpoint === 'simulator' && simulatorCa
      ? { simulator: { baseUrl: `https://${merchant.simulatorAddress}`, caCertPem: simulatorCa, notificationUrl: `${config.api.publicUrl}/api/webhooks/amazon-pay`, region: merchant.region } }
      : {}),
    verifier,
    readiness,
    log: apiLog,
    corsOrigins: config.api.corsOrigins,
    rateLimitPerMinute: config.api.rateLimitPerMinute,
    rateLimits: { webhook: config.api.webhookRateLimitPerMinute, admin: config.api.adminRateLimitPerMinute, consoleLoginFailures: config.api.consoleLoginMaxFailures },
    trustProxy: config.api.trustProxy,
    credentialsFromEnvironment: credentialsFromEnvironment(config),
    console: { sessionSecret: config.console.sessionSecret?.reveal(), dataDir: config.dataDir, temporalUiUrl: config.console.temporalUiUrl, namespace: config.temporal.namespace },
    demo: { enabled: config.console.demoEnabled, keyFile: path.join(config.dataDir, 'demo-storefront-key') },
    demoAuthorizationDayMs: config.demoAuthorizationDayMs,
  });
  // Stops after the HTTP server (parts stop newest first): the last requests' audit entries are written before the database closes.
  lifecycle.onStop('audit log', async () => auditWriterOf(app)?.flush());
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
  let active = 0;
  server.on('request', (_req, res: import('node:http').ServerResponse) => {
    active += 1;
    res.once('close', () => (active -= 1));
  });
  lifecycle.onStop('api', async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    for (const until = Date.now() + HTTP_DRAIN_MS; active > 0 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
    server.closeAllConnections();
    await closed;
  });
  return server;
}

async function run(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel, 'api');
  const lifecycle = new Lifecycle(log);
  await lifecycle.start(async () => {
    await checkDatabaseReachable(databaseUrl(config));
    await applyMigrations(databaseUrl(config), (msg) => log.info(msg));
    await startApi(config, log, lifecycle);
  });
  log.info({ url: config.api.publicUrl }, 'API listening');
}

if (require.main === module) {
  run().catch((err: unknown) => {
    console.error(err instanceof ConfigError ? err.message : `api: ${describeStartupError(err)}`);
    process.exit(1);
  });
}
