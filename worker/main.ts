/**
 * `npm run worker`: a worker process for order workflows. In production it runs against
 * DATABASE_URL and TEMPORAL_ADDRESS; locally, a second `npm run worker` joins a running
 * `npm start` stack (same DATA_DIR) and shares its task queue. `startEngineWorker` is also what
 * `npm start` runs in-process.
 */
import { createShopActivities } from '../activities';
import { ConfigError, loadConfig, type Config } from '../lib/config';
import { checkDatabaseReachable, createPrismaClient, databaseUrl } from '../lib/database';
import { describeStartupError, Lifecycle } from '../lib/lifecycle';
import { createLogger, type Logger } from '../lib/logger';
import { applyMigrations } from '../lib/migrate';
import { connectTemporal, temporalAddress, waitForNamespace } from '../lib/temporal';
import { SEARCH_ATTRIBUTE_KEYS } from '../lib/names';
import { checkMerchantsAtStart, startShops } from '../lib/amazon-pay-engine';
import { ensureEnvEndpoint } from '../lib/event-endpoints';
import { createEventRelay } from '../lib/event-relay';
import { Client } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { ensureReconcileSchedule } from './reconcile-schedule';
import { installRuntimeLogger } from './runtime';
import { startWorker, type RunningWorker } from './worker';

export async function startEngineWorker(config: Config, log: Logger, lifecycle: Lifecycle): Promise<RunningWorker> {
  const prisma = createPrismaClient(databaseUrl(config), { max: Math.min(20, config.worker.maxConcurrentActivities) });
  lifecycle.onStop('worker database', () => prisma.$disconnect());
  const { box, merchants } = await startShops(config, prisma);
  // The default shop's merchant is checked now (a misconfigured engine says so at start); every shop's is used per call.
  await checkMerchantsAtStart(merchants, prisma, (m) => log.warn(m));
  const activities = createShopActivities({ prisma, clock: () => new Date(), log: log.child({ component: 'activities' }) }, async (shopId) => (await merchants.forShop(shopId)).client);
  const envEndpoint = await ensureEnvEndpoint(prisma, config.shopWebhook);
  if (envEndpoint !== 'unchanged' && envEndpoint !== 'none') log.info(`SHOP_WEBHOOK_URL event endpoint ${envEndpoint}`);
  if (config.events.relay) {
    if (!config.events.masterKey && config.nodeEnv === 'production') {
      log.warn('ENGINE_MASTER_KEY is not set: endpoint secrets open only with the key generated in this DATA_DIR; set the same ENGINE_MASTER_KEY on every API and worker process');
    }
    // docs/events.md, Delivery: the relay runs in every worker process (EVENT_RELAY=false: not in this one); it stops
    // before the database disconnects (parts stop newest first).
    const relay = createEventRelay({
      prisma,
      secretBox: box,
      envEndpoint: config.shopWebhook,
      log: log.child({ component: 'event-relay' }),
    });
    relay.start();
    lifecycle.onStop('event relay', () => relay.stop());
  }
  await waitForNamespaceReady(config, log, lifecycle);
  const running = await startWorker(config, temporalAddress(config), activities);
  lifecycle.onStop('worker', () => running.shutdown());
  running.done.catch((err: unknown) => {
    log.fatal({ err: err instanceof Error ? err.message : String(err) }, 'worker stopped unexpectedly');
    void lifecycle.stopAll().then(() => process.exit(1));
  });
  // Started without worker/process-settings.ts's preload, the SDK's stack trace hook is on whatever the setting says.
  const hooks = (globalThis as { __workflowThreadHooks?: { workflowStackTraces: boolean } }).__workflowThreadHooks;
  const workflowStackTraces = hooks ? hooks.workflowStackTraces : 'on (started without --require ./worker/workflow-thread-hooks.cjs)';
  log.info({ taskQueue: config.temporal.taskQueue, namespace: config.temporal.namespace, workflowStackTraces }, 'worker running');
  if (config.worker.reconcileSchedule) {
    // Every worker makes sure the hourly reconcile exists (create, or update to this configuration); a failure is
    // logged and leaves the worker running: the schedule is a safety net, not a reason to stop serving orders.
    const client = new Client({ connection: running.connection, namespace: config.temporal.namespace });
    await ensureReconcileSchedule(client, config.temporal.taskQueue, config.worker.reconcileEvery as Duration).then(
      (how) => log.info({ every: config.worker.reconcileEvery }, `reconcile schedule ${how}`),
      (err: unknown) => log.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not create the reconcile schedule; run `npm run reconcile -- --schedule`'),
    );
  }
  return running;
}

/**
 * Polls no task until the namespace exists with the workflows' search attributes (added here where the cluster
 * permits), logging what is missing and the command that creates it.
 */
async function waitForNamespaceReady(config: Config, log: Logger, lifecycle: Lifecycle): Promise<void> {
  const connection = await connectTemporal(config, temporalAddress(config));
  const abort = new AbortController();
  lifecycle.onStop('namespace check', async () => abort.abort());
  try {
    await waitForNamespace(connection, config.temporal.namespace, SEARCH_ATTRIBUTE_KEYS, { info: (m) => log.info(m), warn: (m) => log.warn(m) }, { signal: abort.signal });
  } finally {
    await connection.close();
  }
}

async function run(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel, 'worker');
  installRuntimeLogger(log);
  const lifecycle = new Lifecycle(log);
  await lifecycle.start(async () => {
    await checkDatabaseReachable(databaseUrl(config));
    await applyMigrations(databaseUrl(config), (msg) => log.info(msg));
    await startEngineWorker(config, log, lifecycle);
  });
}

if (require.main === module) {
  run().catch((err: unknown) => {
    console.error(err instanceof ConfigError ? err.message : `worker: ${describeStartupError(err)}`);
    process.exit(1);
  });
}
