/**
 * `npm start`: the whole engine in one command on embedded defaults — PostgreSQL (PGlite), the
 * Temporal dev server with its Web UI, the Amazon Pay simulator, the worker and the API — or any
 * of them replaced by a real service through its variable (DATABASE_URL, TEMPORAL_ADDRESS,
 * AMAZON_PAY_ENDPOINT). Ctrl-C stops every part in reverse order; data stays in DATA_DIR.
 */
import { ConfigError, loadConfig } from '../lib/config';
import { assertPortFree, checkDatabaseReachable, createPrismaClient, databaseUrl, startEmbeddedPostgres } from '../lib/database';
import { startShops } from '../lib/amazon-pay-engine';
import { readAllStoredCredentials } from '../lib/merchant-credentials';
import { describeStartupError, Lifecycle, lockDataDir } from '../lib/lifecycle';
import { createLogger } from '../lib/logger';
import { applyMigrations } from '../lib/migrate';
import { connectTemporal, ensureSearchAttributes, startDevServer, temporalAddress } from '../lib/temporal';
import { startApi } from '../api/server';
import { installRuntimeLogger } from '../worker/runtime';
import { startEngineWorker } from '../worker/main';
import { runsLocalSimulator, startLocalSimulator } from '../simulator/embedded';
import { DEFAULT_SHOP_ID, SEARCH_ATTRIBUTE_KEYS } from '../lib/names';

async function run(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel, 'engine');
  const step = (msg: string) => log.info(msg);
  const lifecycle = new Lifecycle(log);
  installRuntimeLogger(log);
  const urls: Record<string, string> = {};

  await lifecycle.start(async () => {
    lockDataDir(config.dataDir, lifecycle);
    // Fail before starting anything when a port this stack needs is taken.
    const ports: [string, string, number, boolean][] = [
      ['PORT', config.api.host, config.api.port, true],
      ['PGLITE_PORT', '127.0.0.1', config.database.pglitePort, !config.database.url],
      ['TEMPORAL_PORT', '127.0.0.1', config.temporal.port, !config.temporal.address],
      ['TEMPORAL_UI_PORT', '127.0.0.1', config.temporal.uiPort, !config.temporal.address],
      ['SIMULATOR_PORT', config.simulator.host, config.simulator.port, runsLocalSimulator(config)],
    ];
    for (const [name, host, port, used] of ports) if (used) await assertPortFree(host, port, name);

    if (config.database.url) {
      await checkDatabaseReachable(databaseUrl(config));
    } else {
      step(`starting embedded PostgreSQL (PGlite) in ${config.dataDir}/pglite`);
      const pg = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.database.pglitePort });
      lifecycle.onStop('embedded postgres', () => pg.stop());
      // The password stays in its file (mode 0600): the banner is often pasted into chats and tickets.
      const shown = new URL(pg.url);
      shown.password = '<DATA_DIR/pglite-password>';
      urls['PostgreSQL (embedded)'] = decodeURIComponent(shown.toString());
    }
    const applied = await applyMigrations(databaseUrl(config), step);
    step(applied.length > 0 ? `applied ${applied.length} migration(s)` : 'database schema is up to date');

    if (config.temporal.address) {
      const connection = await connectTemporal(config, config.temporal.address);
      try {
        await ensureSearchAttributes(connection, config.temporal.namespace, SEARCH_ATTRIBUTE_KEYS, step);
      } finally {
        await connection.close();
      }
    } else {
      step('starting Temporal dev server');
      const dev = await startDevServer(config, step, SEARCH_ATTRIBUTE_KEYS);
      lifecycle.onStop('temporal dev server', () => dev.stop());
      urls['Temporal UI'] = dev.uiUrl;
    }
    urls.Temporal = temporalAddress(config);

    if (config.amazonPay.endpoint === 'simulator') {
      // Every shop's merchant is one of the simulator's (docs/shops.md): the default shop's and each other's stored one.
      const prisma = createPrismaClient(databaseUrl(config), { max: 1 });
      const { stored, others } = await (async () => {
        const { box } = await startShops(config, prisma);
        const all = await readAllStoredCredentials(prisma, box);
        return { stored: all.get(DEFAULT_SHOP_ID), others: [...all].filter(([shopId]) => shopId !== DEFAULT_SHOP_ID).map(([, c]) => c) };
      })().finally(() => prisma.$disconnect());
      const sim = await startLocalSimulator(config, log, lifecycle, undefined, stored, others);
      if (sim) urls['Amazon Pay simulator'] = sim.baseUrl;
    }

    await startEngineWorker(config, log, lifecycle);
    await startApi(config, log, lifecycle);
    urls.API = config.api.publicUrl;
    urls.Readiness = `${config.api.publicUrl}/readyz`;
    urls['Admin console'] = `${config.api.publicUrl}/admin`;
    if (config.console.demoEnabled ?? config.amazonPay.endpoint === 'simulator') urls['Demo shop'] = `${config.api.publicUrl}/demo`;
  });

  const width = Math.max(...Object.keys(urls).map((k) => k.length));
  const lines = Object.entries(urls).map(([name, url]) => `  ${name.padEnd(width)}  ${url}`);
  process.stdout.write(`\nAmazon Pay engine is running (Ctrl-C to stop):\n${lines.join('\n')}\n\n`);
}

run().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : `npm start: ${describeStartupError(err)}`);
  process.exit(1);
});
