// Child process of `npm run bench`: the floor's worker (scripts/bench/floor-workflow.ts and its activities) with the
// engine worker's slot and cache settings and its bundling (in a child process), on TEMPORAL_ADDRESS (namespace, TLS as
// the engine's) and BENCH_FLOOR_QUEUE. Its Amazon Pay client is built as the engine worker builds its own
// (lib/amazon-pay-engine.ts), for the merchant in DATA_DIR.
import path from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createEngineAmazonPayClient, resolveAmazonPayConfig } from '../../lib/amazon-pay-engine';
import { loadConfig } from '../../lib/config';
import { nativeConnectionOptions } from '../../lib/temporal';
import { workerTuning } from '../../worker/worker';
import { withWorkflowBundle } from './bundled';
import { createFloorActivities } from './floor-activities';

async function run(): Promise<void> {
  const address = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
  const config = loadConfig();
  const amazonPay = createEngineAmazonPayClient(config, resolveAmazonPayConfig(config));
  const connection = await NativeConnection.connect(nativeConnectionOptions(config, address));
  const worker = await withWorkflowBundle(path.resolve(__dirname, 'floor-workflow.ts'), (codePath) =>
    Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: process.env.BENCH_FLOOR_QUEUE ?? 'bench-floor',
      workflowBundle: { codePath },
      activities: createFloorActivities(amazonPay),
      ...workerTuning(config),
    }),
  );
  const stop = () => worker.shutdown();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  const done = worker.run();
  console.log(JSON.stringify({ msg: 'worker running', taskQueue: process.env.BENCH_FLOOR_QUEUE }));
  await done;
  await connection.close();
}

run().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
