// Child process of `npm run bench`: a worker for the baseline workflow only, with the engine worker's slot and cache settings and its way of bundling (in a child process), on TEMPORAL_ADDRESS (namespace, TLS as the engine's) and BENCH_BASELINE_QUEUE.
import path from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import { loadConfig } from '../../lib/config';
import { nativeConnectionOptions } from '../../lib/temporal';
import { workerTuning } from '../../worker/worker';
import { withWorkflowBundle } from './bundled';

async function run(): Promise<void> {
  const address = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
  const config = loadConfig();
  const connection = await NativeConnection.connect(nativeConnectionOptions(config, address));
  const worker = await withWorkflowBundle(path.resolve(__dirname, 'baseline-workflow.ts'), (codePath) =>
    Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: process.env.BENCH_BASELINE_QUEUE ?? 'bench-baseline',
      workflowBundle: { codePath },
      activities: { noop: async () => undefined },
      ...workerTuning(config),
    }),
  );
  const stop = () => worker.shutdown();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  const done = worker.run();
  console.log(JSON.stringify({ msg: 'worker running', taskQueue: process.env.BENCH_BASELINE_QUEUE }));
  await done;
  await connection.close();
}

run().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
