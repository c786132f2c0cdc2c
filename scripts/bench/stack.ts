// The embedded stack the benchmark and chaos suite run on: PGlite (or DATABASE_URL), a Temporal dev server and the simulator in this process; workers and the API as child processes.
import { readJsonOrText } from '../../lib/http-json';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { createApiKey } from '../../lib/api-keys';
import { createAmazonPayClient, type WebStoreClient } from '../../lib/amazon-pay-client';
import { Secret } from '../../lib/config';
import { createPrismaClient, databaseUrl, type PrismaClient } from '../../lib/database';
import { applyMigrations } from '../../lib/migrate';
import { DEV_SERVER_SQLITE_ARGS } from '../../lib/temporal';
import { testDevServerExecutable } from '../../lib/tools';
import { loadOrCreateDevMerchant, registerMerchant, simRequest } from '../../simulator/dev-merchant';
import { startSimulator, type RunningSimulator } from '../../simulator/index';
import { SEARCH_ATTRIBUTE_KEYS } from '../../lib/names';
import { WORKER_NODE_ARGS, workerProcessEnv } from '../../worker/process-settings';
import { ChildPart, freePort } from './child';
import { postgresBin, startPrivatePostgres, type PrivatePostgres } from './postgres';

export interface StackOptions {
  /** Engine worker processes to start (default 1). */
  workers?: number;
  /** Extra environment for the worker and API children. */
  env?: Record<string, string>;
  /** Node's arguments for the engine worker children, before the script (default: {@link workerNodeArgs}). */
  workerNodeArgs?: string[];
  /** Keep IPN retries short so chaos runs stay bounded. */
  ipnRetryDelaysMs?: number[];
  /** The simulator saves its whole state to disk every second while it changes (default on); the benchmark turns it off, as Amazon's own CPU is not on this machine. */
  simulatorSnapshot?: boolean;
  /**
   * An external Temporal (a cluster) instead of a dev server of its own: its address, namespace (with the search
   * attributes), this process's connection options, and the TEMPORAL_* variables the children connect with.
   */
  temporal?: { address: string; namespace: string; connection: ConnectionOptions; env: Record<string, string>; restart?: () => Promise<void> };
}

export interface Stack {
  dataDir: string;
  dbUrl: string;
  prisma: PrismaClient;
  temporalAddress: string;
  client: Client;
  taskQueue: string;
  sim: RunningSimulator;
  amazonPay: WebStoreClient;
  apiUrl: string;
  keys: { storefront: string; viewer: string; editor: string };
  workers: ChildPart[];
  api: ChildPart;
  database: ChildPart | undefined;
  dbKind: string;
  /** Environment the engine children run with (for extra workers, reconcile). */
  childEnv: Record<string, string>;
  startWorker(): Promise<ChildPart>;
  restartApi(): Promise<void>;
  restartTemporal(): Promise<void>;
  /** Restarts the PostgreSQL server process (every connection drops), down for `downMs`. */
  bounceDatabase(downMs: number): Promise<void>;
  control<T = Record<string, unknown>>(method: string, pathname: string, body?: unknown): Promise<{ status: number; data: T }>;
  call(method: string, pathname: string, role: 'storefront' | 'viewer' | 'editor', body?: unknown): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

const REPO = path.resolve(__dirname, '../..');

/** Node's arguments for every worker child of the bench (the engine's, the baseline's, the floor's): as production starts a worker. */
export const workerNodeArgs = [...WORKER_NODE_ARGS, '--import', 'tsx'];

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'engine-bench-'));
  chmodSync(dataDir, 0o755); // the private PostgreSQL runs as user postgres below it

  // PostgreSQL: a private cluster when Debian's PostgreSQL is installed (BENCH_DB=pglite forces the embedded
  // PGlite, in a child process of its own so it can be restarted and does not share this driver's thread).
  const logDir = path.join(dataDir, 'logs');
  let dbUrl = process.env.DATABASE_URL ?? '';
  let pg: ChildPart | undefined;
  let postgres: PrivatePostgres | undefined;
  const dbKind = dbUrl ? 'DATABASE_URL' : process.env.BENCH_DB === 'pglite' || !postgresBin() ? 'pglite' : 'postgres';
  if (dbKind === 'postgres') {
    postgres = await startPrivatePostgres(path.join(dataDir, 'pg'), await freePort());
    dbUrl = postgres.url;
  } else if (!dbUrl) {
    const pgPort = await freePort();
    pg = new ChildPart('pglite', REPO, 'scripts/bench/pglite-server.ts', { DATA_DIR: dataDir, PGLITE_PORT: String(pgPort) }, logDir, (l) => l.includes('"database ready"'));
    await pg.start();
    dbUrl = databaseUrl({ dataDir, database: { pglitePort: pgPort } });
  }
  await applyMigrations(dbUrl, () => undefined);
  const prisma = createPrismaClient(dbUrl, { max: 4 });

  // Temporal dev server with a file database so a restart keeps every workflow (or the external one given).
  const temporalPort = await freePort();
  const temporalAddress = opts.temporal?.address ?? `127.0.0.1:${temporalPort}`;
  const startTemporal = async () =>
    opts.temporal
      ? { teardown: async () => undefined }
      : TestWorkflowEnvironment.createLocal({
          server: { executable: testDevServerExecutable(), ip: '127.0.0.1', port: temporalPort, ui: false, dbFilename: path.join(dataDir, 'temporal.db'), extraArgs: DEV_SERVER_SQLITE_ARGS, searchAttributes: SEARCH_ATTRIBUTE_KEYS, log: { format: 'json', level: 'error' } },
        });
  let temporalEnv = await startTemporal();
  const connection = await Connection.connect(opts.temporal?.connection ?? { address: temporalAddress });
  const client = new Client({ connection, ...(opts.temporal ? { namespace: opts.temporal.namespace } : {}) });

  // The simulator, zero delays, real clock; the dev merchant's IPN URL is the API child's webhook.
  const sim = await startSimulator({ port: 0, dataDir, logLevel: 'silent', delays: 'zero', clock: 'real', snapshot: opts.simulatorSnapshot ?? true, ipnRetryDelaysMs: opts.ipnRetryDelaysMs ?? [200, 500, 1000, 2000, 4000] });
  const merchant = loadOrCreateDevMerchant(dataDir);
  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  await registerMerchant(sim, merchant, `${apiUrl}/api/webhooks/amazon-pay`);
  const amazonPay = createAmazonPayClient(
    { endpoint: 'simulator', simulatorAddress: sim.address, region: 'jp', sandbox: true, merchantId: merchant.merchantId, storeId: merchant.storeId, publicKeyId: merchant.publicKeyId, privateKey: new Secret(merchant.privateKeyPem), algorithm: 'AMZN-PAY-RSASSA-PSS-V2' },
    { simulatorCaPem: sim.caCertPem },
  );

  const taskQueue = `bench-orders-${randomUUID().slice(0, 8)}`;
  const childEnv: Record<string, string> = {
    DATA_DIR: dataDir,
    DATABASE_URL: dbUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_TASK_QUEUE: taskQueue,
    ...(opts.temporal ? { TEMPORAL_NAMESPACE: opts.temporal.namespace, ...opts.temporal.env } : {}),
    AMAZON_PAY_ENDPOINT: sim.address,
    HOST: '127.0.0.1',
    PORT: String(apiPort),
    PUBLIC_URL: apiUrl,
    RATE_LIMIT_PER_MINUTE: '1000000',
    LOG_LEVEL: 'info',
    NODE_ENV: 'production',
    // One master key for every API and worker child, as production must have (docs/events.md, Endpoints).
    ENGINE_MASTER_KEY: randomBytes(32).toString('hex'),
    // No hourly reconcile firing in the middle of a measurement (the chaos suite runs reconcile itself at the end).
    RECONCILE_SCHEDULE: 'false',
    ...(opts.env ?? {}),
  };
  const workers: ChildPart[] = [];
  const startWorker = async () => {
    // Started as package.json's `worker` script and deploy/Procfile start it (worker/process-settings.ts).
    const w = new ChildPart(`worker-${workers.length + 1}`, REPO, 'worker/main.ts', { ...workerProcessEnv(), ...childEnv }, logDir, (line) => line.includes('"worker running"'), opts.workerNodeArgs ?? workerNodeArgs);
    await w.start();
    workers.push(w);
    return w;
  };
  for (let i = 0; i < (opts.workers ?? 1); i++) await startWorker();
  const api = new ChildPart('api', REPO, 'api/server.ts', childEnv, logDir, (line) => line.includes('"API listening"'));
  await api.start();
  const keys = {
    storefront: (await createApiKey(prisma, 'storefront', 'bench shop')).key,
    viewer: (await createApiKey(prisma, 'viewer', 'bench viewer')).key,
    editor: (await createApiKey(prisma, 'editor', 'bench editor')).key,
  };

  const stack: Stack = {
    dataDir,
    dbUrl,
    prisma,
    temporalAddress,
    client,
    taskQueue,
    sim,
    amazonPay,
    apiUrl,
    keys,
    workers,
    api,
    database: pg,
    dbKind,
    childEnv,
    startWorker,
    async restartApi() {
      await api.start();
    },
    async restartTemporal() {
      if (opts.temporal) {
        if (!opts.temporal.restart) throw new Error('restartTemporal: the external Temporal cannot be restarted from here');
        return opts.temporal.restart();
      }
      await temporalEnv.teardown();
      temporalEnv = await startTemporal();
    },
    async bounceDatabase(downMs: number) {
      if (postgres) return postgres.restart(downMs);
      if (!pg) throw new Error('bounceDatabase needs a database this stack started (DATABASE_URL is set)');
      await pg.stop();
      await new Promise((r) => setTimeout(r, downMs));
      await pg.start();
    },
    async control<T>(method: string, pathname: string, body?: unknown) {
      const r = await simRequest(sim, method, pathname, body);
      return { status: r.status, data: r.data as T };
    },
    async call(method, pathname, role, body) {
      const headers: Record<string, string> = { authorization: `Bearer ${keys[role]}` };
      if (body !== undefined) headers['content-type'] = 'application/json';
      let res: Response;
      try {
        res = await fetch(`${apiUrl}${pathname}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      } catch (err) {
        const cause = err instanceof Error && err.cause instanceof Error ? ` (${(err.cause as NodeJS.ErrnoException).code ?? err.cause.message})` : '';
        throw new Error(`${method} ${pathname}: ${err instanceof Error ? err.message : String(err)}${cause}`, { cause: err });
      }
      return { status: res.status, body: await readJsonOrText(res) };
    },
    async stop() {
      await api.stop();
      for (const w of workers) await w.stop();
      await connection.close().catch(() => undefined);
      await prisma.$disconnect().catch(() => undefined);
      await sim.close().catch(() => undefined);
      await temporalEnv.teardown().catch(() => undefined);
      if (pg) await pg.stop();
      if (postgres) await postgres.stop();
      if (!process.env.KEEP_BENCH_DATA) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return stack;
}
