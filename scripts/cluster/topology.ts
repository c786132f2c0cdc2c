// The production topology on loopback, from deploy/ as it is: PostgreSQL, deploy/temporal-setup.sh, the Temporal
// server as four services and the Web UI (deploy/temporal, deploy/ui), and the engine's processes, each started from
// its deploy/Procfile line. `npm run cluster`, test/cluster and `npm run bench -- --cluster` run it.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, type WriteStream } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client as PgClient } from 'pg';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { cachedClusterTools, type ClusterTools } from '../../lib/cluster-tools';
import { temporalCliPath } from '../../lib/tools';
import { postgresBin, startPrivatePostgres, type PrivatePostgres } from '../bench/postgres';
import { makeClusterCertificates, type ClusterCertificates } from './certs';

const run = promisify(execFile);
export const REPO = path.resolve(__dirname, '../..');
const PROCFILE = path.join(REPO, 'deploy/Procfile');

/** The Procfile's lines by process type. */
export function readProcfile(file = PROCFILE): Map<string, string> {
  const lines = new Map<string, string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([a-z][a-z0-9-]*):\s*(.+)$/.exec(line);
    if (m) lines.set(m[1], m[2]);
  }
  return lines;
}

/**
 * A free loopback port at most 32767: Temporal on SQL keeps membership ports in a 16-bit column, and every service
 * dies at start with one above it (the other ports are kept below it too, so one rule picks them all).
 */
async function freeLowPort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (taken.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) {
      taken.add(port);
      return port;
    }
  }
}

/** Every process group started here, SIGKILLed if this process exits without stopping them (a test runner's exit). */
const groups = new Set<number>();
process.once('exit', () => {
  for (const pid of groups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** One Procfile process: `sh -c <line>` in its own process group (the lines `exec`, so the pid is the process's own). */
export class ProcfileProcess {
  proc: ChildProcess | undefined;
  private log: WriteStream | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    readonly name: string,
    private readonly line: string,
    readonly env: Record<string, string>,
    readonly logFile: string,
    /** Resolves once the process serves (a log line, or a probe from outside). */
    private readonly ready: (proc: ProcfileProcess, output: () => string) => Promise<void>,
  ) {}

  get running(): boolean {
    return this.proc !== undefined && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  async start(timeoutMs = 120_000): Promise<void> {
    this.log ??= createWriteStream(this.logFile, { flags: 'a' });
    const proc = spawn('sh', ['-c', this.line], { cwd: REPO, env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.proc = proc;
    const pid = proc.pid;
    if (pid) groups.add(pid);
    proc.once('exit', () => pid && groups.delete(pid));
    let out = '';
    const onData = (c: Buffer) => {
      this.log?.write(c);
      if (out.length < 1_000_000) out += c.toString('utf8');
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    this.exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    let timer: NodeJS.Timeout | undefined;
    const failed = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.name} not ready after ${timeoutMs} ms (log: ${this.logFile})`)), timeoutMs);
      proc.once('exit', (code, signal) => reject(new Error(`${this.name} exited before it was ready (${code ?? signal}); log: ${this.logFile}\n${out.slice(-2000)}`)));
    });
    try {
      await Promise.race([this.ready(this, () => out), failed]);
    } finally {
      clearTimeout(timer);
    }
  }

  private signal(sig: NodeJS.Signals): void {
    try {
      if (this.proc?.pid) process.kill(-this.proc.pid, sig);
    } catch {
      // already gone
    }
  }

  /** SIGKILL, as a crashed machine: no shutdown at all. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.signal('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, and SIGKILL after 20 s. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.signal('SIGTERM');
    const t = setTimeout(() => this.signal('SIGKILL'), 20_000);
    await this.exited;
    clearTimeout(t);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}

const logLine = (text: string) => async (_p: ProcfileProcess, output: () => string) => {
  while (!output().includes(text)) await new Promise((r) => setTimeout(r, 100));
};

const httpOk = (url: string) => async () => {
  for (;;) {
    const ok = await fetch(url).then(
      (r) => r.status < 500,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
};

export interface ClusterOptions {
  /** Engine API processes (default 2) and worker processes (default 2). */
  apis?: number;
  workers?: number;
  /** mTLS everywhere with a private CA made by openssl (deploy/temporal/config/mtls.yaml). */
  mtls?: boolean;
  /** The Web UI server (default on). */
  ui?: boolean;
  /** false: PostgreSQL and Temporal only (the bench brings its own engine processes); default true. */
  engine?: boolean;
  /** A PostgreSQL server to create the databases on (its URL's user must create databases); else a private one. */
  databaseUrl?: string;
  namespace?: string;
  /** Where logs, certificates, the bundle and the simulator's state go (default: a new temp dir, removed at stop). */
  dir?: string;
  /** Extra environment for the engine's processes. */
  env?: Record<string, string>;
  log?: (msg: string) => void;
}

export interface Cluster {
  dir: string;
  namespace: string;
  taskQueue: string;
  temporalAddress: string;
  /** Connection options for this process to reach the frontend (TLS per the cluster). */
  temporalConnection: ConnectionOptions;
  client: Client;
  connection: Connection;
  databaseUrl: string;
  apiUrls: string[];
  uiUrl?: string;
  simulatorUrl: string;
  simulatorCaPem: string;
  /** The environment the Temporal processes run with (and the TEMPORAL_* a client needs). */
  temporalEnv: Record<string, string>;
  /** The PostgreSQL server Temporal's databases are on (the private one, or the one given). */
  adminDatabaseUrl: string;
  /** Temporal's own database (persistence), for counting what the cluster writes. */
  temporalDatabaseUrl: string;
  /** TEMPORAL_TLS_* for a client of this cluster (empty without mTLS). */
  clientTlsEnv: Record<string, string>;
  certs?: ClusterCertificates;
  tools: ClusterTools;
  temporal: Record<'frontend' | 'history' | 'matching' | 'worker', ProcfileProcess>;
  ui?: ProcfileProcess;
  /** Undefined with `engine: false`, as are the engine's URLs and processes. */
  simulator?: ProcfileProcess;
  apis: ProcfileProcess[];
  workers: ProcfileProcess[];
  /** The environment the engine's processes run with (for one more of them, a reconcile, the bench). */
  engineEnv: Record<string, string>;
  /** Starts one more engine process of a Procfile type (`worker`, `api`) with extra environment. */
  startEngineProcess(type: 'api' | 'worker', extraEnv?: Record<string, string>): Promise<ProcfileProcess>;
  stop(): Promise<void>;
}

/** Starts the whole topology; on failure stops what it started and says which log to read. */
export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  const log = opts.log ?? (() => undefined);
  const tools = cachedClusterTools(process.env.TOOLS_DIR || undefined);
  const procfile = readProcfile();
  const dir = opts.dir ?? mkdtempSync(path.join(os.tmpdir(), 'engine-cluster-'));
  const ownDir = opts.dir === undefined;
  chmodSync(dir, 0o755);
  const logs = path.join(dir, 'logs');
  mkdirSync(logs, { recursive: true });
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    // --- PostgreSQL: the engine's database and Temporal's two -------------------------------------------------------
    let adminUrl = opts.databaseUrl;
    let postgres: PrivatePostgres | undefined;
    const ports = new Set<number>();
    if (!adminUrl) {
      if (!postgresBin()) throw new Error('no PostgreSQL: install Debian\'s postgresql, or pass a server with DATABASE_URL');
      postgres = await startPrivatePostgres(path.join(dir, 'pg'), await freeLowPort(ports));
      stops.push(() => postgres!.stop());
      adminUrl = postgres.url;
      log(`PostgreSQL (private) at ${adminUrl}`);
    }
    const admin = new URL(adminUrl);
    const suffix = randomBytes(4).toString('hex');
    const dbNames = { engine: `engine_${suffix}`, temporal: `temporal_${suffix}`, visibility: `temporal_visibility_${suffix}` };
    const pg = new PgClient({ connectionString: adminUrl });
    await pg.connect();
    await pg.query(`CREATE DATABASE "${dbNames.engine}"`);
    await pg.end();
    if (opts.databaseUrl) {
      stops.push(async () => {
        const c = new PgClient({ connectionString: adminUrl });
        await c.connect();
        for (const name of Object.values(dbNames)) await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await c.end();
      });
    }
    const engineDbUrl = new URL(adminUrl);
    engineDbUrl.pathname = `/${dbNames.engine}`;

    // --- Temporal: schema, four services, namespace and attributes ---------------------------------------------------
    const certs = opts.mtls ? makeClusterCertificates(path.join(dir, 'certs')) : undefined;
    const p = {
      frontend: await freeLowPort(ports),
      frontendHttp: await freeLowPort(ports),
      frontendMembership: await freeLowPort(ports),
      history: await freeLowPort(ports),
      historyMembership: await freeLowPort(ports),
      matching: await freeLowPort(ports),
      matchingMembership: await freeLowPort(ports),
      worker: await freeLowPort(ports),
      workerMembership: await freeLowPort(ports),
    };
    const temporalAddress = `127.0.0.1:${p.frontend}`;
    const namespace = opts.namespace ?? 'amazon-pay';
    const clientTls: Record<string, string> = certs ? { TEMPORAL_TLS_CA: certs.ca, TEMPORAL_TLS_CERT: certs.clientCert, TEMPORAL_TLS_KEY: certs.clientKey, TEMPORAL_TLS_SERVER_NAME: certs.serverName } : {};
    const temporalEnv: Record<string, string> = {
      TEMPORAL_SERVER: tools.server,
      TEMPORAL_UI_SERVER: tools.uiServer,
      TEMPORAL_SQL_TOOL: tools.sqlTool,
      TEMPORAL_CLI: temporalCliPath(process.env.TOOLS_DIR || undefined),
      TEMPORAL_CONFIG_ENV: certs ? 'mtls' : 'production',
      TEMPORAL_DB_HOST: admin.hostname,
      TEMPORAL_DB_PORT: admin.port || '5432',
      TEMPORAL_DB_USER: decodeURIComponent(admin.username) || 'postgres',
      TEMPORAL_DB_PASSWORD: decodeURIComponent(admin.password),
      TEMPORAL_DB_NAME: dbNames.temporal,
      TEMPORAL_VISIBILITY_DB_NAME: dbNames.visibility,
      TEMPORAL_DB_MAX_CONNS: '8',
      TEMPORAL_FRONTEND_PORT: String(p.frontend),
      TEMPORAL_FRONTEND_HTTP_PORT: String(p.frontendHttp),
      TEMPORAL_FRONTEND_MEMBERSHIP_PORT: String(p.frontendMembership),
      TEMPORAL_HISTORY_PORT: String(p.history),
      TEMPORAL_HISTORY_MEMBERSHIP_PORT: String(p.historyMembership),
      TEMPORAL_MATCHING_PORT: String(p.matching),
      TEMPORAL_MATCHING_MEMBERSHIP_PORT: String(p.matchingMembership),
      TEMPORAL_WORKER_PORT: String(p.worker),
      TEMPORAL_WORKER_MEMBERSHIP_PORT: String(p.workerMembership),
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_NAMESPACE: namespace,
      ...clientTls,
      ...(certs ? { TEMPORAL_SERVER_TLS_CERT: certs.serverCert, TEMPORAL_SERVER_TLS_KEY: certs.serverKey, TEMPORAL_SERVER_TLS_CA: certs.ca, TEMPORAL_SERVER_TLS_NAME: certs.serverName } : {}),
    };
    const setup = async (step: 'schema' | 'namespace') => {
      try {
        const { stdout } = await run('bash', [path.join(REPO, 'deploy/temporal-setup.sh'), step], { cwd: REPO, env: { ...process.env, ...temporalEnv }, timeout: 180_000 });
        for (const l of stdout.trim().split('\n')) log(l);
      } catch (err) {
        const e = err as { stdout?: string; stderr?: string; message?: string };
        throw new Error(`deploy/temporal-setup.sh ${step} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: err });
      }
    };
    await setup('schema');
    // A misspelt dynamic-config key is only a warning at run time: refuse it here.
    const dynamicConfig = path.join(REPO, 'deploy/temporal/dynamicconfig/production.yaml');
    const checked = await run(tools.server, ['validate-dynamic-config', dynamicConfig]).then(
      (r) => r.stdout,
      (err: { stdout?: string; message?: string }) => `${err.stdout ?? ''}${err.message ?? ''}`,
    );
    if (/error|warning/i.test(checked)) throw new Error(`deploy/temporal/dynamicconfig/production.yaml: ${checked}`);

    const temporalConnection: ConnectionOptions = {
      address: temporalAddress,
      ...(certs
        ? { tls: { serverRootCACertificate: readFileSync(certs.ca), serverNameOverride: certs.serverName, clientCertPair: { crt: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) } } }
        : {}),
    };
    const frontendAnswers = async () => {
      for (;;) {
        try {
          const c = await Connection.connect({ ...temporalConnection, connectTimeout: '2s' });
          await c.close();
          return;
        } catch {
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    };
    const service = (name: 'frontend' | 'history' | 'matching' | 'worker', ready: (proc: ProcfileProcess, output: () => string) => Promise<void>) => {
      const line = procfile.get(`temporal-${name}`);
      if (!line) throw new Error(`deploy/Procfile has no temporal-${name} line`);
      const proc = new ProcfileProcess(`temporal-${name}`, line, temporalEnv, path.join(logs, `temporal-${name}.log`), ready);
      stops.push(() => proc.stop());
      return proc;
    };
    // The services find each other through the database (membership); the frontend answering is the cluster's sign.
    const joined = async () => undefined;
    const temporal = {
      history: service('history', joined),
      matching: service('matching', joined),
      frontend: service('frontend', frontendAnswers),
      worker: service('worker', joined),
    };
    // One service first: each initializes the cluster's metadata on a fresh database, and two at once fail at it.
    await temporal.frontend.start();
    await Promise.all([temporal.history.start(), temporal.matching.start(), temporal.worker.start()]);
    log(`Temporal frontend at ${temporalAddress}${certs ? ' (mTLS)' : ''}`);
    await setup('namespace');
    const connection = await Connection.connect(temporalConnection);
    stops.push(() => connection.close());
    const client = new Client({ connection, namespace });
    const temporalDbUrl = new URL(adminUrl);
    temporalDbUrl.pathname = `/${dbNames.temporal}`;
    const base = { adminDatabaseUrl: adminUrl, temporalDatabaseUrl: temporalDbUrl.toString(), dir, namespace, temporalAddress, temporalConnection, client, connection, certs, tools, temporal, temporalEnv, clientTlsEnv: clientTls, stop: stopAll };
    if (opts.engine === false) {
      if (ownDir) stops.unshift(async () => void (process.env.KEEP_CLUSTER_DATA ? undefined : rmSync(dir, { recursive: true, force: true })));
      return { ...base, taskQueue: '', databaseUrl: '', apiUrls: [], simulatorUrl: '', simulatorCaPem: '', apis: [], workers: [], engineEnv: {}, startEngineProcess: () => Promise.reject(new Error('started with engine: false')) };
    }

    // --- the workflow bundle the workers load ---------------------------------------------------------------------
    const bundle = path.join(dir, 'workflow-bundle.js');
    await run(process.execPath, ['--import', 'tsx', path.join(REPO, 'scripts/bundle.ts'), bundle], { cwd: REPO, timeout: 180_000 });

    // --- the engine's processes ---------------------------------------------------------------------------------
    const simulatorPort = await freeLowPort(ports);
    const apiPorts: number[] = [];
    for (let i = 0; i < (opts.apis ?? 2); i++) apiPorts.push(await freeLowPort(ports));
    const apiUrls = apiPorts.map((port) => `http://127.0.0.1:${port}`);
    const taskQueue = `orders-${randomUUID().slice(0, 8)}`;
    const uiPort = await freeLowPort(ports);
    const uiUrl = opts.ui ?? true ? `http://127.0.0.1:${uiPort}` : undefined;
    const engineEnv: Record<string, string> = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      DATA_DIR: path.join(dir, 'data'),
      DATABASE_URL: engineDbUrl.toString(),
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
      ...clientTls,
      WORKFLOW_BUNDLE_PATH: bundle,
      SIMULATOR_PORT: String(simulatorPort),
      // Every API process seals and opens the console's session cookies with the same secret.
      CONSOLE_SESSION_SECRET: randomBytes(32).toString('hex'),
      // Every API and worker seals and opens event endpoint secrets with the same master key (docs/events.md).
      ENGINE_MASTER_KEY: randomBytes(32).toString('hex'),
      RATE_LIMIT_PER_MINUTE: '1000000',
      // The console's links to an order's workflow.
      ...(uiUrl ? { TEMPORAL_UI_URL: uiUrl } : {}),
      ...(opts.env ?? {}),
    };
    const engineProcess = (type: 'api' | 'worker' | 'simulator', name: string, env: Record<string, string>, ready: (proc: ProcfileProcess, output: () => string) => Promise<void>) => {
      const line = procfile.get(type);
      if (!line) throw new Error(`deploy/Procfile has no ${type} line`);
      const proc = new ProcfileProcess(name, line, { ...engineEnv, ...env }, path.join(logs, `${name}.log`), ready);
      stops.push(() => proc.stop());
      return proc;
    };
    const simulator = engineProcess('simulator', 'simulator', { PUBLIC_URL: apiUrls[0], SIMULATOR_DELAYS: 'zero' }, logLine('Amazon Pay simulator on'));
    await simulator.start();
    const workers: ProcfileProcess[] = [];
    const apis: ProcfileProcess[] = [];
    const startEngineProcess = async (type: 'api' | 'worker', extraEnv: Record<string, string> = {}) => {
      if (type === 'worker') {
        const w = engineProcess('worker', `worker-${workers.length + 1}`, extraEnv, logLine('"worker running"'));
        workers.push(w);
        await w.start();
        return w;
      }
      const port = apiPorts[apis.length] ?? (await freeLowPort(ports));
      const url = `http://127.0.0.1:${port}`;
      const a = engineProcess('api', `api-${apis.length + 1}`, { PORT: String(port), PUBLIC_URL: url, ...extraEnv }, httpOk(`${url}/healthz`));
      apis.push(a);
      await a.start();
      return a;
    };
    for (let i = 0; i < (opts.workers ?? 2); i++) await startEngineProcess('worker');
    for (let i = 0; i < (opts.apis ?? 2); i++) await startEngineProcess('api');
    log(`engine: ${workers.length} workers, ${apis.length} APIs at ${apiUrls.join(', ')}`);

    let ui: ProcfileProcess | undefined;
    if (uiUrl) {
      const line = procfile.get('temporal-ui');
      if (!line) throw new Error('deploy/Procfile has no temporal-ui line');
      ui = new ProcfileProcess('temporal-ui', line, { ...temporalEnv, TEMPORAL_UI_PORT: String(uiPort), TEMPORAL_UI_PUBLIC_URL: uiUrl }, path.join(logs, 'temporal-ui.log'), httpOk(`${uiUrl}/api/v1/namespaces/${namespace}`));
      stops.push(() => ui!.stop());
      await ui.start();
      log(`Temporal Web UI at ${uiUrl}`);
    }
    if (ownDir) stops.unshift(async () => void (process.env.KEEP_CLUSTER_DATA ? undefined : rmSync(dir, { recursive: true, force: true })));

    return {
      ...base,
      taskQueue,
      databaseUrl: engineDbUrl.toString(),
      apiUrls,
      uiUrl,
      simulatorUrl: `https://127.0.0.1:${simulatorPort}`,
      simulatorCaPem: readFileSync(path.join(engineEnv.DATA_DIR, 'simulator', 'tls-cert.pem'), 'utf8'),
      ui,
      simulator,
      apis,
      workers,
      engineEnv,
      startEngineProcess,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
