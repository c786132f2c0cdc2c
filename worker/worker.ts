/**
 * Creates the Temporal worker that runs order workflows and their activities. Workflows are
 * loaded from a prebuilt bundle given by WORKFLOW_BUNDLE_PATH in production, else bundled from
 * workflows/index.ts at start in a child process (worker/bundle.ts); concurrency and cache limits
 * come from configuration. Run more worker processes on the same task queue for more throughput.
 */
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Config } from '../lib/config';
import { nativeConnectionOptions } from '../lib/temporal';
import { WORKFLOWS_PATH, withWorkflowBundle } from './bundle';

export { WORKFLOWS_PATH } from './bundle';

/**
 * The worker's slot and cache settings from configuration. The benchmark's baseline and floor workers use the same ones, so
 * they compare with the engine worker on equal terms.
 */
export function workerTuning(config: Config): Pick<WorkerOptions, 'maxConcurrentActivityTaskExecutions' | 'maxConcurrentWorkflowTaskExecutions' | 'maxCachedWorkflows'> {
  return {
    maxConcurrentActivityTaskExecutions: config.worker.maxConcurrentActivities,
    maxConcurrentWorkflowTaskExecutions: config.worker.maxConcurrentWorkflowTasks,
    maxCachedWorkflows: config.worker.maxCachedWorkflows,
  };
}

export interface RunningWorker {
  worker: Worker;
  connection: NativeConnection;
  /** Resolves when the worker has stopped (after `shutdown()` or a fatal error). */
  done: Promise<void>;
  shutdown(): Promise<void>;
}

export async function startWorker(config: Config, address: string, activities: NonNullable<WorkerOptions['activities']>): Promise<RunningWorker> {
  let connection: NativeConnection;
  try {
    connection = await NativeConnection.connect(nativeConnectionOptions(config, address));
  } catch (err) {
    throw new Error(`TEMPORAL_ADDRESS: the worker cannot reach Temporal at ${address} (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`, { cause: err });
  }
  // Without a prebuilt bundle, one is built for this start (worker/bundle.ts).
  let worker: Worker;
  try {
    worker = await withWorkflowBundle(WORKFLOWS_PATH, config.worker.workflowBundlePath, (codePath) =>
      Worker.create({
        connection,
        namespace: config.temporal.namespace,
        taskQueue: config.temporal.taskQueue,
        workflowBundle: { codePath },
        activities,
        ...workerTuning(config),
        shutdownGraceTime: '15s',
      }),
    );
  } catch (err) {
    await connection.close().catch(() => undefined);
    throw err;
  }
  const done = worker.run();
  return {
    worker,
    connection,
    done,
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done.catch(() => undefined);
      await connection.close();
    },
  };
}
