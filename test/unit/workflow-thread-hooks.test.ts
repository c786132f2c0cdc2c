// worker/workflow-thread-hooks.cjs against the installed SDK: in a thread started as the worker's start commands start
// it, the SDK's workflow VM installs its promise hook only when WORKER_WORKFLOW_STACK_TRACES is true.
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { loadConfig } from '../../lib/config';
import { WORKER_NODE_ARGS } from '../../worker/process-settings';

const ROOT = path.resolve(__dirname, '../..');
const HOOKS = path.join(ROOT, 'worker/workflow-thread-hooks.cjs');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { stackTracesWanted } = require(HOOKS) as { stackTracesWanted: (env: NodeJS.ProcessEnv) => boolean };

/** What a workflow thread of the SDK does first (workflow-worker-thread.js → reusable-vm.js → vm-shared.js), then the hook's state. */
const THREAD = `
const { parentPort } = require('node:worker_threads');
require(${JSON.stringify(require.resolve('@temporalio/worker/lib/workflow/reusable-vm'))});
const { globalHandlers } = require(${JSON.stringify(require.resolve('@temporalio/worker/lib/workflow/vm-shared'))});
globalHandlers.install();
parentPort.postMessage({ promiseHookInstalled: globalHandlers.promiseHookInstalled, mark: globalThis.__workflowThreadHooks });
`;

function inThread(env: Record<string, string>, execArgv: string[]): Promise<{ promiseHookInstalled: boolean; mark?: { workflowStackTraces: boolean } }> {
  return new Promise((resolve, reject) => {
    const w = new Worker(THREAD, { eval: true, execArgv, env: { PATH: process.env.PATH ?? '', ...env } });
    w.once('message', (m) => {
      resolve(m);
      void w.terminate();
    });
    w.once('error', reject);
  });
}

describe('the workflow thread preload', () => {
  it('is one of the worker start arguments, as a --require (the only preload worker threads run)', () => {
    const i = WORKER_NODE_ARGS.indexOf('--require');
    expect(i).toBeGreaterThanOrEqual(0);
    expect(path.resolve(ROOT, WORKER_NODE_ARGS[i + 1])).toBe(HOOKS);
  });

  it('leaves the SDK without its promise hook by default', async () => {
    await expect(inThread({}, ['--require', HOOKS])).resolves.toEqual({ promiseHookInstalled: false, mark: { workflowStackTraces: false } });
  });

  it('leaves the hook in place with WORKER_WORKFLOW_STACK_TRACES=true', async () => {
    await expect(inThread({ WORKER_WORKFLOW_STACK_TRACES: 'true' }, ['--require', HOOKS])).resolves.toEqual({ promiseHookInstalled: true, mark: { workflowStackTraces: true } });
  });

  it('is what turns the hook off: without it the SDK installs it', async () => {
    await expect(inThread({}, [])).resolves.toEqual({ promiseHookInstalled: true });
  });

  it.each([undefined, 'true', 'TRUE', ' 1 ', 'yes', 'false', '0', 'no'])('reads %j as lib/config.ts does', (value) => {
    const env = value === undefined ? {} : { WORKER_WORKFLOW_STACK_TRACES: value };
    expect(stackTracesWanted(env)).toBe(loadConfig(env).worker.workflowStackTraces);
  });
});
