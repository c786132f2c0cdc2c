// `npm run reconcile [-- --dry-run --order ID --limit N --schedule --every 1h]`: compares open orders with Amazon, reports drift and drives workflows to the truth; --schedule installs the hourly run.
import type { Duration } from '@temporalio/common';
import { loadConfig, ConfigError } from '../lib/config';
import { startShops } from '../lib/amazon-pay-engine';
import { createPrismaClient, databaseUrl } from '../lib/database';
import { createLogger } from '../lib/logger';
import { temporalAddress } from '../lib/temporal';
import { createTemporalClient } from '../lib/temporal-client';
import { reconcileOrders, type ReconcileOptions } from '../activities/reconcile';
import { printReport } from './reconcile/print';
import { ensureReconcileSchedule } from './reconcile/schedule';

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const opts: ReconcileOptions = {};
  let schedule = false;
  let every = '1h';
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--dry-run') opts.dryRun = true;
    else if (argv[i] === '--order') opts.orderIds = [...(opts.orderIds ?? []), argv[++i]];
    else if (argv[i] === '--limit') opts.limit = Number(argv[++i]);
    else if (argv[i] === '--schedule') schedule = true;
    else if (argv[i] === '--every') {
      every = argv[++i] ?? '';
      if (!/^\d+(ms|s|m|h|d)$/.test(every)) throw new Error('--every takes a duration such as 30m, 1h, 1d');
    }
    else throw new Error(`unknown argument ${argv[i]} (use --dry-run, --order ID, --limit N, --schedule [--every 1h])`);
  }
  const config = loadConfig();
  const log = createLogger(process.env.LOG_LEVEL ? config.logLevel : 'error', 'reconcile');
  const temporal = await createTemporalClient(config, temporalAddress(config));
  const prisma = createPrismaClient(databaseUrl(config), { max: 2 });
  try {
    if (schedule) {
      const how = await ensureReconcileSchedule(temporal.client, config.temporal.taskQueue, every as Duration, opts);
      console.log(`reconcile schedule ${how}: every ${every} on task queue ${config.temporal.taskQueue}`);
      return 0;
    }
    // Every shop's orders, each read from Amazon as its own shop's merchant (docs/shops.md).
    const { merchants } = await startShops(config, prisma);
    const report = await reconcileOrders({ prisma, amazonPayFor: async (shopId) => (await merchants.forShop(shopId)).client, client: temporal.client, log }, opts);
    printReport(report);
    return report.errors.length > 0 || report.drifts.some((d) => d.resolved !== true) ? 1 : 0;
  } finally {
    await prisma.$disconnect();
    await temporal.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof ConfigError ? err.message : `reconcile: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
