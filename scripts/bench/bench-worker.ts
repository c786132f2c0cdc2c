// The bench's baseline and floor workers (child processes of `npm run bench`): one workflow file and its activities on
// TEMPORAL_ADDRESS (namespace, TLS as the engine's), with the engine worker's slot and cache settings and its way of
// loading workflows (bundled at start in a child process, worker/bundle.ts), so the three workers compare on equal terms.
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { loadConfig, type Config } from '../../lib/config';
import { nativeConnectionOptions } from '../../lib/temporal';
import { withWorkflowBundle } from '../../worker/bundle';
import { workerTuning } from '../../worker/worker';

export function runBenchWorker(workflowsPath: string, taskQueue: string, activities: (config: Config) => NonNullable<WorkerOptions['activities']>): void {
  const run = async () => {
    const address = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
    const config = loadConfig();
    const acts = activities(config);
    const connection = await NativeConnection.connect(nativeConnectionOptions(config, address));
    const worker = await withWorkflowBundle(workflowsPath, undefined, (codePath) =>
      Worker.create({ connection, namespace: config.temporal.namespace, taskQueue, workflowBundle: { codePath }, activities: acts, ...workerTuning(config) }),
    );
    const stop = () => worker.shutdown();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    const done = worker.run();
    console.log(JSON.stringify({ msg: 'worker running', taskQueue }));
    await done;
    await connection.close();
  };
  run().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
