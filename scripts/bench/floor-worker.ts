// Child process of `npm run bench`: the floor's worker (scripts/bench/floor-workflow.ts and its activities, run by
// scripts/bench/bench-worker.ts) on BENCH_FLOOR_QUEUE. Its Amazon Pay client is built as the engine worker builds its
// own (lib/amazon-pay-engine.ts), for the merchant in DATA_DIR.
import path from 'node:path';
import { createEngineAmazonPayClient, resolveAmazonPayConfig } from '../../lib/amazon-pay-engine';
import { runBenchWorker } from './bench-worker';
import { createFloorActivities } from './floor-activities';

runBenchWorker(path.resolve(__dirname, 'floor-workflow.ts'), process.env.BENCH_FLOOR_QUEUE ?? 'bench-floor', (config) =>
  createFloorActivities(createEngineAmazonPayClient(config, resolveAmazonPayConfig(config))),
);
