/**
 * Creates the Temporal worker that runs order workflows and their activities. Workflows are
 * bundled from workflows/index.ts at start (or loaded from a prebuilt bundle given by
 * WORKFLOW_BUNDLE_PATH in production); concurrency limits come from configuration. Run more worker
 * processes on the same task queue for more throughput.
 */
import path from 'node:path';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Config } from '../lib/config';
import { nativeConnectionOptions } from '../lib/temporal';

export const WORKFLOWS_PATH = path.resolve(__dirname, '../workflows/index.ts');

/**
 * The worker's slot settings from configuration. The benchmark's baseline and floor workers use the same ones, so
 * they compare with the engine worker on equal terms.
 */
export function workerTuning(config: Config): Pick<WorkerOptions, 'maxConcurrentActivityTaskExecutions' | 'maxConcurrentWorkflowTaskExecutions'> {
  return {
    maxConcurrentActivityTaskExecutions: config.worker.maxConcurrentActivities,
    maxConcurrentWorkflowTaskExecutions: config.worker.maxConcurrentWorkflowTasks,
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
  const bundlePath = config.worker.workflowBundlePath;
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    ...(bundlePath ? { workflowBundle: { codePath: bundlePath } } : { workflowsPath: WORKFLOWS_PATH }),
    activities,
    ...workerTuning(config),
    shutdownGraceTime: '15s',
  });
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
