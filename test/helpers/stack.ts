/**
 * The whole engine in one test process, on real parts: a Temporal dev server, a fresh migrated
 * database, the Amazon Pay simulator (manual clock), the real worker with the real activities, and
 * the real HTTP API with one API key per role. One stack per test file.
 */
import { readJsonOrText } from '../../lib/http-json';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import { createShopActivities } from '../../activities';
import { createEngineApp, type EngineAppDeps } from '../../api/engine-app';
import { createApiKey } from '../../lib/api-keys';
import { ensureEnvEndpoint } from '../../lib/event-endpoints';
import { createEventRelay, type EventRelay } from '../../lib/event-relay';
import { createSecretBox, type SecretBox } from '../../lib/secret-box';
import { createAmazonPayClient, type WebStoreClient } from '../../lib/amazon-pay-client';
import { createShopMerchants, type ShopMerchants } from '../../lib/amazon-pay-engine';
import { Secret, type AmazonPayConfig } from '../../lib/config';
import { createShop } from '../../lib/shops';
import { createLogger } from '../../lib/logger';
import { createReadinessProbe } from '../../lib/readiness';
import { acceptedTopicArns, createSnsVerifier } from '../../lib/sns-verify';
import { testDevServerExecutable } from '../../lib/tools';
import { generateMerchant, loadOrCreateDevMerchant, registerMerchant, simRequest, type DevMerchant } from '../../simulator/dev-merchant';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../simulator/index';
import { WORKFLOWS_PATH } from '../../worker/worker';
import { drainedTemporalClient } from '../../lib/temporal-client';
import { SEARCH_ATTRIBUTE_KEYS } from '../../lib/names';
import { createTestDatabase, type TestDatabase } from './database';
import { freePort, listen } from './http';
import { useStarted } from './hooks';

export interface TestStack {
  api: string;
  keys: { storefront: string; viewer: string; editor: string };
  db: TestDatabase;
  sim: RunningSimulator;
  merchant: DevMerchant;
  /** What an engine app of a test's own shares with the stack's: Temporal, the task queue, the shops' merchants. */
  engineParts: Pick<EngineAppDeps, 'temporal' | 'taskQueue' | 'merchants' | 'amazonPayEndpoint' | 'simulator'>;
  /** A client signing as the default shop's merchant (the dev merchant). */
  amazonPay: WebStoreClient;
  /** Every shop's merchant, as the stack's API and worker use them. */
  merchants: ShopMerchants;
  /**
   * Another shop on the same engine (docs/shops.md): its own simulated merchant (registered with the simulator, its
   * notifications sent to the same webhook) and its own keys of each role.
   */
  addShop(shopId: string): Promise<TestShop>;
  env: TestWorkflowEnvironment;
  /** host:port of the Temporal dev server. */
  temporalAddress: string;
  /** The simulator's data dir (its CA and the dev merchant live in `<dataDir>/simulator`). */
  dataDir: string;
  taskQueue: string;
  /** Seals endpoint secrets under the stack's master key (the one its event relay opens them with). */
  secretBox: SecretBox;
  /** The event relay of the in-process worker (none with `worker: false`). */
  relay?: EventRelay;
  /** Calls the simulator's /__sim control API. */
  control<T = Record<string, unknown>>(method: string, pathname: string, body?: unknown): Promise<{ status: number; data: T }>;
  /** Calls the engine API with the given role's key (or none). */
  call(method: string, pathname: string, opts?: { role?: 'storefront' | 'viewer' | 'editor'; body?: unknown; rawBody?: string; headers?: Record<string, string> }): Promise<{ status: number; headers: Headers; body: any }>;
  stop(): Promise<void>;
}

export interface TestShop {
  shopId: string;
  keys: { storefront: string; viewer: string; editor: string };
  merchant: DevMerchant;
  /** A client signing as this shop's merchant. */
  amazonPay: WebStoreClient;
  /** Calls the engine API with this shop's key of the role. */
  call: TestStack['call'];
}

let bundle: Awaited<ReturnType<typeof bundleWorkflowCode>> | undefined;

export interface StackOptions {
  /** Collects every log line of the engine (level debug) here, e.g. to check no secret is logged. */
  logLines?: string[];
  /** SHOP_WEBHOOK_URL and SHOP_WEBHOOK_SECRET: the env endpoint the relay sends every event to (docs/events.md). */
  shopWebhook?: { url: string; secret: string };
  /** false: no in-process worker and no event relay (the test runs worker processes of its own on `taskQueue`). */
  worker?: boolean;
  /** DEMO ONLY: the API starts orders on short authorization days (DEMO_AUTHORIZATION_DAY_SECONDS). */
  demoAuthorizationDayMs?: number;
}

export async function startTestStack(simOptions: Partial<SimulatorOptions> = {}, opts: StackOptions = {}): Promise<TestStack> {
  const lines = opts.logLines;
  const log = lines
    ? createLogger('debug', 'test-stack', { write: (line: string) => void lines.push(line) })
    : createLogger(process.env.TEST_LOG_LEVEL?.toLowerCase() ?? 'silent', 'test-stack');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'engine-stack-'));
  const db = await createTestDatabase();
  const temporalPort = await freePort();
  const env = await TestWorkflowEnvironment.createLocal({ server: { executable: testDevServerExecutable(), ip: '127.0.0.1', port: temporalPort, searchAttributes: SEARCH_ATTRIBUTE_KEYS } });
  const sim = await startSimulator({ port: 0, dataDir, logLevel: 'silent', clock: 'manual', ipnRetryDelaysMs: [200, 500, 1000, 2000], ...simOptions });
  const merchant = loadOrCreateDevMerchant(dataDir);
  const merchantConfig: AmazonPayConfig = {
    endpoint: 'simulator',
    simulatorAddress: sim.address,
    region: 'jp',
    sandbox: true,
    merchantId: merchant.merchantId,
    storeId: merchant.storeId,
    publicKeyId: merchant.publicKeyId,
    privateKey: new Secret(merchant.privateKeyPem),
    algorithm: 'AMZN-PAY-RSASSA-PSS-V2',
  };
  const amazonPay = createAmazonPayClient(merchantConfig, { simulatorCaPem: sim.caCertPem });
  const taskQueue = `orders-${randomUUID()}`;
  const secretBox = createSecretBox(randomBytes(32));
  // The engine's own per-shop merchants: the default shop signs as the dev merchant in dataDir (no variables set).
  const { merchantId: _m, storeId: _s, publicKeyId: _p, privateKey: _k, ...simulatorOnly } = merchantConfig;
  const merchants = createShopMerchants({
    config: { dataDir, amazonPay: simulatorOnly },
    prisma: db.prisma,
    box: secretBox,
    build: (ap) => createAmazonPayClient(ap, { simulatorCaPem: sim.caCertPem }),
  });
  bundle ??= await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined } });
  const worker = opts.worker === false ? undefined : await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    // The worker's activities, per shop as worker/main.ts builds them.
    activities: createShopActivities({ prisma: db.prisma, clock: () => new Date(), log }, async (shopId) => (await merchants.forShop(shopId)).client),
  });
  const workerRun = worker?.run();
  // The worker process's event relay (worker/main.ts), polling often so a test's shop hears about a change quickly.
  await ensureEnvEndpoint(db.prisma, opts.shopWebhook);
  const shopSecret = opts.shopWebhook?.secret;
  const relay =
    opts.worker === false
      ? undefined
      : createEventRelay({
          prisma: db.prisma,
          secretBox,
          ...(shopSecret !== undefined ? { envEndpoint: { secret: { reveal: () => shopSecret } } } : {}),
          log: log.child({ component: 'event-relay' }),
          settings: { pollMs: 100, initialBackoffMs: 200, maxBackoffMs: 2_000 },
        });
  relay?.start();

  // The API's own client, as api/server.ts builds it: stop() waits for its calls before the server goes (a call still
  // retrying when its connection closes throws from the retry's timer, outside any test).
  const apiTemporal = await drainedTemporalClient({ address: `127.0.0.1:${temporalPort}` }, env.namespace ?? 'default');
  const readiness = createReadinessProbe(db.url, apiTemporal.connection);
  // A shop the platform makes gets a simulated merchant of its own (its webhook URL is known once the server listens).
  const simulator = { baseUrl: sim.baseUrl, caCertPem: sim.caCertPem, notificationUrl: '', region: 'jp' as const };
  const engineParts = { temporal: { client: apiTemporal.client, connection: apiTemporal.connection }, taskQueue, merchants, amazonPayEndpoint: 'simulator' as const, simulator };
  const app = createEngineApp({
    ...engineParts,
    prisma: db.prisma,
    secretBox,
    verifier: createSnsVerifier({ extraTrustedOrigins: [sim.baseUrl], extraOriginCa: sim.caCertPem, topicArns: acceptedTopicArns([], merchantConfig) }),
    readiness,
    log,
    rateLimitPerMinute: 10_000,
    demoAuthorizationDayMs: opts.demoAuthorizationDayMs,
  });
  const server = await listen(app);
  simulator.notificationUrl = `${server.url}/api/webhooks/amazon-pay`;
  await registerMerchant(sim, merchant, `${server.url}/api/webhooks/amazon-pay`);
  const keys = {
    storefront: (await createApiKey(db.prisma, 'storefront', 'test shop')).key,
    viewer: (await createApiKey(db.prisma, 'viewer', 'test viewer')).key,
    editor: (await createApiKey(db.prisma, 'editor', 'test editor')).key,
  };

  const callWith = (keysOf: TestShop['keys']): TestStack['call'] => async (method, pathname, opts = {}) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.role) headers.authorization = `Bearer ${keysOf[opts.role]}`;
    let body: string | undefined = opts.rawBody;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${server.url}${pathname}`, { method, headers, body });
    return { status: res.status, headers: res.headers, body: await readJsonOrText(res) };
  };

  return {
    api: server.url,
    keys,
    merchants,
    async addShop(shopId) {
      const m = generateMerchant();
      await createShop(db.prisma, secretBox, { shopId, name: `Shop ${shopId}`, amazonPay: { merchantId: m.merchantId, storeId: m.storeId, publicKeyId: m.publicKeyId, privateKey: m.privateKeyPem } });
      await registerMerchant(sim, m, `${server.url}/api/webhooks/amazon-pay`);
      const shopKeys = {
        storefront: (await createApiKey(db.prisma, 'storefront', `${shopId} shop`, shopId)).key,
        viewer: (await createApiKey(db.prisma, 'viewer', `${shopId} viewer`, shopId)).key,
        editor: (await createApiKey(db.prisma, 'editor', `${shopId} editor`, shopId)).key,
      };
      const client = createAmazonPayClient({ ...merchantConfig, merchantId: m.merchantId, storeId: m.storeId, publicKeyId: m.publicKeyId, privateKey: new Secret(m.privateKeyPem) }, { simulatorCaPem: sim.caCertPem });
      return { shopId, keys: shopKeys, merchant: m, amazonPay: client, call: callWith(shopKeys) };
    },
    db,
    sim,
    merchant,
    engineParts,
    amazonPay,
    env,
    temporalAddress: `127.0.0.1:${temporalPort}`,
    dataDir,
    taskQueue,
    secretBox,
    relay,
    async control<T>(method: string, pathname: string, body?: unknown) {
      const r = await simRequest(sim, method, pathname, body);
      return { status: r.status, data: r.data as T };
    },
    call: callWith(keys),
    async stop() {
      await server.close();
      worker?.shutdown();
      await workerRun?.catch(() => undefined);
      await relay?.stop();
      await readiness.close();
      await apiTemporal.close().catch(() => undefined);
      await sim.close();
      await env.teardown();
      await db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Walks the storefront flow with the simulator's buyer: start checkout, button → sign-in →
 * review, confirm, payment approval, complete. Returns the complete response.
 */
export async function checkoutOrder(
  s: TestStack,
  orderId: string,
  opts: { amount?: number; currency?: string; paymentIntent?: 'Authorize' | 'AuthorizeWithCapture'; simulationCode?: string; recurring?: Record<string, unknown> } = {},
): Promise<{ status: number; body: any; checkoutSessionId: string }> {
  const amount = { amount: opts.amount ?? 5000, currency: opts.currency ?? 'JPY' };
  const started = await s.call('POST', '/api/checkouts', {
    role: 'storefront',
    body: { orderId, amount, ...(opts.paymentIntent ? { paymentIntent: opts.paymentIntent } : {}), ...(opts.recurring ? { recurring: opts.recurring } : {}), reviewReturnUrl: 'https://shop.example/review', resultReturnUrl: 'https://shop.example/result' },
  });
  if (started.status !== 201) throw new Error(`checkout start failed: ${started.status} ${JSON.stringify(started.body)}`);
  const button = await s.control<{ checkoutSessionId: string }>('POST', '/__sim/buyer/checkout', { payloadJSON: started.body.payloadJSON, signature: started.body.signature, publicKeyId: started.body.publicKeyId });
  if (button.status !== 201) throw new Error(`button failed: ${JSON.stringify(button.data)}`);
  const id = button.data.checkoutSessionId;
  await s.control('POST', `/__sim/buyer/checkout-sessions/${id}/approve`, {});
  const review = await s.call('GET', `/api/checkouts/${orderId}?amazonCheckoutSessionId=${id}`, { role: 'storefront' });
  if (review.status !== 200) throw new Error(`review failed: ${review.status} ${JSON.stringify(review.body)}`);
  const confirm = await s.call('POST', `/api/checkouts/${orderId}/confirm`, { role: 'storefront', body: {} });
  if (confirm.status !== 200) throw new Error(`confirm failed: ${confirm.status} ${JSON.stringify(confirm.body)}`);
  const approve = await s.control('POST', `/__sim/buyer/checkout-sessions/${id}/approve`, opts.simulationCode ? { simulationCode: opts.simulationCode } : {});
  if (approve.status !== 200) throw new Error(`approval failed: ${JSON.stringify(approve.data)}`);
  const complete = await s.call('POST', `/api/checkouts/${orderId}/complete`, { role: 'storefront', body: { amazonCheckoutSessionId: id } });
  return { ...complete, checkoutSessionId: id };
}

export interface UseTestStackOptions {
  /** The simulator's options (delays, …). */
  sim?: Partial<SimulatorOptions>;
  /** The stack's options; a function is called when the stack starts (after the hooks declared before it). */
  stack?: StackOptions | (() => StackOptions);
  /** How long starting may take (the hook's timeout). */
  startTimeoutMs?: number;
}

/**
 * The whole stack for the tests of one describe block (or file): see useStarted (test/helpers/hooks.ts).
 *
 * Stopping is bounded: a wedged order can keep the worker from shutting down, so after 45 s the Temporal server is
 * torn down, which ends the worker's wait, and a failing suite still ends.
 */
export function useTestStack(options: UseTestStackOptions = {}): TestStack {
  const start = () => startTestStack(options.sim, typeof options.stack === 'function' ? options.stack() : options.stack);
  return useStarted('test stack', start, stopBounded, { startTimeoutMs: options.startTimeoutMs, stopTimeoutMs: 90_000 });
}

async function stopBounded(s: TestStack): Promise<void> {
  const timeout = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms).unref());
  const stopped = await Promise.race([s.stop().then(() => true), timeout(45_000, false)]);
  if (!stopped) await Promise.race([s.env.teardown().catch(() => undefined), timeout(20_000, undefined)]);
}
