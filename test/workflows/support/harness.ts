// Test harness: one time-skipping server and one workflow bundle per test file, a worker per test over activities built by createActivities on fakes.
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Runtime, DefaultLogger, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { WorkflowHandle } from '@temporalio/client';
import { createActivities, createShopActivities, type Activities } from '../../../activities';
import { createLogger } from '../../../lib/logger';
import { testServerExecutable } from '../../../lib/tools';
import { orderStartSearchAttributes, orderWorkflowId, SEARCH_ATTRIBUTE_KEYS, WORKFLOW_TYPES, DEFAULT_SHOP_ID } from '../../../lib/names';
import { INDEXED_VALUE_TYPES } from '../../../lib/temporal';
import type { OrderPaymentInput, OrderPaymentResult } from '../../../workflows/types';
import { FakeAmazon } from './fake-amazon';
import { FakePrisma } from './fake-prisma';

export interface Harness {
  env: TestWorkflowEnvironment;
  bundle: WorkflowBundleWithSourceMap;
}

let runtimeInstalled = false;

/**
 * The Java time-skipping server. The SDK gives it a fixed 5 s to answer, which a JVM on a busy machine sometimes misses:
 * a start that timed out is tried again (a few times), any other failure is thrown at once.
 */
async function startTimeSkippingServer(attempts = 4): Promise<TestWorkflowEnvironment> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: testServerExecutable() } });
    } catch (err) {
      if (attempt >= attempts || !/did not start within/.test(err instanceof Error ? err.message : String(err))) throw err;
    }
  }
}

export async function createHarness(): Promise<Harness> {
  if (!runtimeInstalled) {
    runtimeInstalled = true;
    try {
      Runtime.install({ logger: new DefaultLogger('WARN') });
    } catch {
      // Already installed in this process (the runtime is a process-wide singleton).
    }
  }
  const env = await startTimeSkippingServer();
  // Every attribute the engine registers (lib/names.ts): the harness starts orders with them as the API does. (The
  // time-skipping server cannot list attributes, so lib/temporal.ts's ensureSearchAttributes cannot run here.)
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTE_KEYS.map((k) => [k.name, INDEXED_VALUE_TYPES[k.type]])),
  });
  const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../../../workflows/index.ts'), logger: new DefaultLogger('WARN') });
  return { env, bundle };
}

/**
 * The file's harness: started before its tests (`startTimeoutMs`, else the file's jest timeout) and torn down after
 * them. Read its parts only inside a test or hook.
 */
export function harnessForFile(startTimeoutMs?: number): Harness {
  let current: Harness | undefined;
  beforeAll(async () => {
    current = await createHarness();
  }, startTimeoutMs);
  afterAll(async () => {
    await current?.env.teardown();
  });
  const started = (): Harness => {
    if (!current) throw new Error('the harness starts in beforeAll: use it inside a test');
    return current;
  };
  return {
    get env() {
      return started().env;
    },
    get bundle() {
      return started().bundle;
    },
  };
}

export interface Run {
  amazon: FakeAmazon;
  prisma: FakePrisma;
  taskQueue: string;
  /** Runs `fn` while a worker serves the task queue (`maxCachedWorkflows: 0`: every workflow task replays the history). */
  withWorker<T>(fn: () => Promise<T>, opts?: { maxCachedWorkflows?: number }): Promise<T>;
  start(input?: Partial<OrderPaymentInput>): Promise<WorkflowHandle<(input: OrderPaymentInput) => Promise<OrderPaymentResult>>>;
  /** Workflows the test's workflows started (children): terminated with the test's own. */
  track(...handles: WorkflowHandle[]): void;
  /** The default shop's activities over the same fakes, to call one as a workflow task would (outside any workflow). */
  shopActivities: Activities;
}

export function newRun(h: Harness): Run {
  const amazon = new FakeAmazon();
  const prisma = new FakePrisma();
  const taskQueue = `q-${randomUUID()}`;
  const started: WorkflowHandle[] = [];
  // Per shop as the worker builds them: each call's shop is its workflow's (lib/names.ts shopOfWorkflowId).
  const base = { prisma: prisma.asPrisma(), clock: () => new Date(), log: createLogger('silent', 'test') };
  const activities = createShopActivities(base, async () => amazon);
  return {
    shopActivities: createActivities({ ...base, shopId: DEFAULT_SHOP_ID, amazonPay: amazon }),
    amazon,
    prisma,
    taskQueue,
    async withWorker(fn, opts = {}) {
      const worker = await Worker.create({ connection: h.env.nativeConnection, taskQueue, workflowBundle: h.bundle, activities, ...opts });
      return worker.runUntil(async () => {
        try {
          return await fn();
        } finally {
          // End what the test left running while the worker still serves it: a workflow left open
          // (or an activity left unfinished) keeps the test server from skipping time for later tests.
          for (const handle of started) await handle.terminate('test over').catch(() => undefined);
        }
      });
    },
    track(...handles) {
      started.push(...handles);
    },
    async start(input = {}) {
      const orderId = input.orderId ?? `o-${randomUUID().slice(0, 8)}`;
      const full: OrderPaymentInput = { orderId, amount: { amount: 10_000, currency: 'JPY' }, ...input };
      // Started as the API starts it, with its search attributes (lib/names.ts orderStartSearchAttributes).
      const handle = await h.env.client.workflow.start<(input: OrderPaymentInput) => Promise<OrderPaymentResult>>(WORKFLOW_TYPES.orderPayment, {
        taskQueue,
        workflowId: orderWorkflowId(DEFAULT_SHOP_ID, orderId),
        args: [full],
        typedSearchAttributes: orderStartSearchAttributes(DEFAULT_SHOP_ID, full),
      });
      started.push(handle);
      return handle;
    },
  };
}
