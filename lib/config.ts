/**
 * The engine's configuration: every environment variable, read once at start and validated with
 * zod. A wrong value fails with one line per variable naming what was expected; secret values are
 * never echoed (not in errors, not in logs: the private key is wrapped in {@link Secret}).
 */
import { createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_TASK_QUEUE } from './names';
import { parseMasterKey } from './secret-box';

/** A value that must never be printed: `String()`, JSON and `util.inspect` all show a mask. */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '[redacted]';
  }
  toJSON(): string {
    return '[redacted]';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'Secret([redacted])';
  }
}

/** Variables whose value is secret: a validation message for them never contains the value. */
const SECRET_VARIABLES = new Set(['AMAZON_PAY_PRIVATE_KEY', 'TEMPORAL_API_KEY', 'DATABASE_URL', 'ADMIN_BOOTSTRAP_KEY', 'CONSOLE_SESSION_SECRET', 'SHOP_WEBHOOK_SECRET', 'ENGINE_MASTER_KEY', 'ENGINE_MASTER_KEY_PREVIOUS']);

const port = (fallback: number) =>
  z
    .string()
    .trim()
    .default(String(fallback))
    .refine((v) => /^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 65535, 'expected a TCP port (1-65535)')
    .transform(Number);

const positiveInt = (fallback: number, max: number) =>
  z
    .string()
    .trim()
    .default(String(fallback))
    .refine((v) => /^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= max, `expected a whole number from 1 to ${max}`)
    .transform(Number);

const bool = (fallback: boolean) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .default(String(fallback))
    .refine((v) => ['true', 'false', '1', '0', 'yes', 'no'].includes(v), 'expected true or false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const optionalText = z
  .string()
  .trim()
  .default('')
  .transform((v) => (v === '' ? undefined : v));

/** What Express's `trust proxy` is set to: trust no proxy, the nearest `n` hops, or the listed addresses / subnets. */
export type TrustProxy = false | number | string[];

const TRUST_PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** TRUST_PROXY: `false`, a hop count, or a comma-separated list of IPs, CIDRs and loopback/linklocal/uniquelocal. */
export function parseTrustProxy(raw: string): { value: TrustProxy } | string {
  const v = raw.trim().toLowerCase();
  const expected = 'expected false, a hop count (1-10), or a comma-separated list of proxy addresses / CIDRs (loopback, linklocal, uniquelocal allowed)';
  if (v === 'false' || v === '0' || v === 'none') return { value: false };
  if (v === 'true') return `${expected}; true would trust any X-Forwarded-For a client sends`;
  if (/^\d+$/.test(v)) return Number(v) >= 1 && Number(v) <= 10 ? { value: Number(v) } : expected;
  const entries = v.split(',').map((e) => e.trim());
  for (const e of entries) {
    if (TRUST_PROXY_NAMES.has(e)) continue;
    const [ip, prefix, ...rest] = e.split('/');
    const family = isIP(ip);
    if (family === 0 || rest.length > 0) return expected;
    if (prefix !== undefined && !(/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128))) return expected;
  }
  return { value: entries };
}

/** An SNS topic ARN: partition, region, 12-digit account, topic name. */
const SNS_TOPIC_ARN = /^arn:aws(-cn|-us-gov)?:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

/**
 * Workflows a worker keeps in memory between their workflow tasks (the SDK's maxCachedWorkflows). The SDK's own default
 * grows with the V8 heap limit, which Node derives from the machine's memory (2310 workflows on a 24 GiB machine), and
 * an order's workflow stays open, so it stays cached: the worker's memory grew with every order it had served. A
 * workflow evicted from the cache is replayed from its history at its next task (milliseconds for an order's ~130
 * events); at 10 orders in flight the default keeps each order cached through its whole lifecycle with room to spare.
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 100;

/** host:port, as Temporal and the SDK's overrideServiceUrl take it. */
const hostPort = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/;

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    DATA_DIR: z.string().trim().min(1, 'expected a directory path').default('./.data'),
    HOST: z.string().trim().min(1, 'expected an address to bind to').default('127.0.0.1'),
    PORT: port(3000),
    CORS_ORIGINS: z
      .string()
      .trim()
      .default('')
      .refine((v) => v === '' || v.split(',').every((o) => /^https?:\/\/[^\s/]+$/.test(o.trim())), 'expected a comma-separated list of origins such as https://shop.example.com')
      .transform((v) => (v === '' ? [] : v.split(',').map((o) => o.trim()))),
    RATE_LIMIT_PER_MINUTE: positiveInt(300, 1_000_000),
    RATE_LIMIT_WEBHOOK_PER_MINUTE: positiveInt(600, 1_000_000),
    RATE_LIMIT_ADMIN_PER_MINUTE: positiveInt(600, 1_000_000),
    CONSOLE_LOGIN_MAX_FAILURES: positiveInt(10, 10_000),
    TRUST_PROXY: z
      .string()
      .trim()
      .default('loopback')
      .transform((v, ctx) => {
        const parsed = parseTrustProxy(v);
        if (typeof parsed === 'string') {
          ctx.addIssue({ code: 'custom', message: parsed });
          return z.NEVER;
        }
        return parsed.value;
      }),
    PUBLIC_URL: optionalText.refine((v) => v === undefined || /^https?:\/\/[^\s]+$/.test(v), 'expected an http(s) URL'),

    DATABASE_URL: optionalText.refine(
      (v) => v === undefined || /^postgres(ql)?:\/\/[^\s]+$/.test(v),
      'expected a postgresql:// URL, or empty for the embedded PGlite database',
    ),
    PGLITE_PORT: port(55432),

    TEMPORAL_ADDRESS: optionalText.refine(
      (v) => v === undefined || hostPort.test(v),
      'expected host:port of a Temporal frontend, or empty to start the bundled dev server',
    ),
    TEMPORAL_PORT: port(7233),
    TEMPORAL_UI_PORT: port(8233),
    TEMPORAL_NAMESPACE: z.string().trim().min(1, 'expected a namespace name').default('default'),
    TEMPORAL_TASK_QUEUE: z.string().trim().min(1, 'expected a task queue name').default(DEFAULT_TASK_QUEUE),
    TEMPORAL_TLS: bool(false),
    TEMPORAL_TLS_CERT: optionalText,
    TEMPORAL_TLS_KEY: optionalText,
    TEMPORAL_TLS_CA: optionalText,
    TEMPORAL_TLS_SERVER_NAME: optionalText.refine((v) => v === undefined || /^[A-Za-z0-9.-]+$/.test(v), 'expected the host name on the cluster certificate, such as temporal.internal'),
    TEMPORAL_API_KEY: optionalText,
    TEMPORAL_CLI_PATH: optionalText,
    TOOLS_DIR: optionalText,
    WORKFLOW_BUNDLE_PATH: optionalText,

    WORKER_MAX_CONCURRENT_ACTIVITIES: positiveInt(100, 10000),
    WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: positiveInt(40, 10000),
    WORKER_MAX_CACHED_WORKFLOWS: z
      .string()
      .trim()
      .default(String(DEFAULT_MAX_CACHED_WORKFLOWS))
      .refine((v) => /^\d+$/.test(v) && (Number(v) === 0 || (Number(v) >= 2 && Number(v) <= 100_000)), 'expected 0 (no cache: every workflow task replays the history) or a whole number from 2 to 100000')
      .transform(Number),
    WORKER_WORKFLOW_STACK_TRACES: bool(false),
    RECONCILE_SCHEDULE: bool(true),
    RECONCILE_EVERY: z.string().trim().regex(/^\d+(ms|s|m|h|d)$/, 'expected a duration such as 30m, 1h, 1d').default('1h'),

    SIMULATOR_HOST: z.string().trim().min(1).default('127.0.0.1'),
    SIMULATOR_PORT: port(8443),

    AMAZON_PAY_ENDPOINT: optionalText.refine(
      (v) => v === undefined || v === 'amazon' || hostPort.test(v),
      'expected empty (the bundled simulator), "amazon" (real Amazon Pay) or host:port of a simulator',
    ),
    AMAZON_PAY_REGION: z
      .string()
      .trim()
      .toLowerCase()
      .default('jp')
      .pipe(z.enum(['jp', 'eu', 'na', 'us', 'de', 'uk'], { error: 'expected one of jp, eu, na (us, de, uk are aliases)' })),
    AMAZON_PAY_SANDBOX: bool(true),
    AMAZON_PAY_MERCHANT_ID: optionalText.refine((v) => v === undefined || /^[A-Z0-9]{8,20}$/.test(v), 'expected a merchant (seller) id such as A1B2C3D4E5F6G7'),
    AMAZON_PAY_STORE_ID: optionalText.refine((v) => v === undefined || /^amzn1\.application-oa2-client\.[0-9a-f]{32}$/.test(v), 'expected a store id (client id) like amzn1.application-oa2-client.<32 hex>'),
    AMAZON_PAY_PUBLIC_KEY_ID: optionalText.refine((v) => v === undefined || /^[A-Za-z0-9-]{10,64}$/.test(v), 'expected a public key id such as SANDBOX-AEXAMPLE...'),
    AMAZON_PAY_PRIVATE_KEY: optionalText,
    CONSOLE_SESSION_SECRET: optionalText.refine((v) => v === undefined || v.length >= 32, 'expected at least 32 characters (value not shown)'),
    TEMPORAL_UI_URL: optionalText.refine((v) => v === undefined || /^https?:\/\/[^\s]+$/.test(v), 'expected an http(s) URL such as https://cloud.temporal.io'),
    DEMO_ENABLED: optionalText.refine((v) => v === undefined || ['true', 'false', '1', '0', 'yes', 'no'].includes(v.toLowerCase()), 'expected true or false (empty: on with the bundled simulator only)'),
    DEMO_AUTHORIZATION_DAY_SECONDS: optionalText.refine(
      (v) => v === undefined || (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 3600),
      'expected how many seconds one day of an authorization lasts in a demo, a whole number from 1 to 3600 (empty: real days)',
    ),

    SHOP_WEBHOOK_URL: optionalText.refine((v) => v === undefined || /^https?:\/\/[^\s]+$/.test(v), 'expected an http(s) URL on the shop such as https://shop.example.com/amazon-pay/events'),
    SHOP_WEBHOOK_SECRET: optionalText.refine((v) => v === undefined || v.length >= 32, 'expected at least 32 characters (value not shown)'),
    // docs/events.md, Endpoints: seals the endpoints' secrets in the database; the same on every API and worker process.
    ENGINE_MASTER_KEY: optionalText.refine((v) => v === undefined || parseMasterKey(v) !== undefined, 'expected 32 bytes as 64 hex digits or base64 (value not shown); empty: generated once into DATA_DIR/master.key'),
    // docs/shops.md, Secrets: while the master key changes, the old key(s) still open what they sealed (comma-separated).
    ENGINE_MASTER_KEY_PREVIOUS: optionalText.refine(
      (v) => v === undefined || v.split(',').every((k) => k.trim() === '' || parseMasterKey(k) !== undefined),
      'expected keys of 32 bytes as 64 hex digits or base64, separated by commas (value not shown)',
    ),
    // docs/events.md, Delivery: this worker process runs the relay that sends events to the endpoints.
    EVENT_RELAY: bool(true),

    // The SNS topics whose notifications the webhook accepts (the simulator's is added when it is the endpoint).
    AMAZON_PAY_SNS_TOPIC_ARNS: z
      .string()
      .trim()
      .default('')
      .refine((v) => v === '' || v.split(',').every((a) => SNS_TOPIC_ARN.test(a.trim())), 'expected a comma-separated list of SNS topic ARNs such as arn:aws:sns:us-west-2:123456789012:AmazonPay-notifications')
      .transform((v) => (v === '' ? [] : v.split(',').map((a) => a.trim()))),
    AMAZON_PAY_ALGORITHM: z.enum(['AMZN-PAY-RSASSA-PSS-V2', 'AMZN-PAY-RSASSA-PSS']).default('AMZN-PAY-RSASSA-PSS-V2'),

    // Legacy MWS (v1) credentials: accepted nowhere, rejected with a clear message when present.
    AMAZON_PAY_MWS_ACCESS_KEY: optionalText.refine((v) => v === undefined, 'MWS keys belong to the retired Amazon Pay v1 API; use AMAZON_PAY_PUBLIC_KEY_ID and AMAZON_PAY_PRIVATE_KEY (API v2) instead'),
    AMAZON_PAY_MWS_SECRET_KEY: optionalText.refine((v) => v === undefined, 'MWS keys belong to the retired Amazon Pay v1 API; use AMAZON_PAY_PUBLIC_KEY_ID and AMAZON_PAY_PRIVATE_KEY (API v2) instead'),
  })
  .superRefine((env, ctx) => {
    // The four credentials come together (or not at all: then the settings screen's, or the simulator's dev merchant).
    const credentials = ['AMAZON_PAY_MERCHANT_ID', 'AMAZON_PAY_STORE_ID', 'AMAZON_PAY_PUBLIC_KEY_ID', 'AMAZON_PAY_PRIVATE_KEY'] as const;
    if (credentials.some((name) => env[name] !== undefined)) {
      for (const name of credentials) {
        if (env[name] === undefined) ctx.addIssue({ code: 'custom', path: [name], message: 'required together with the other AMAZON_PAY_* credentials (merchant id, store id, public key id, private key)' });
      }
    }
    if (env.WORKER_MAX_CACHED_WORKFLOWS >= 2 && env.WORKER_MAX_CACHED_WORKFLOWS < env.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS) {
      // The SDK would lower the workflow task slots to the cache size with a warning; say it at start instead.
      ctx.addIssue({ code: 'custom', path: ['WORKER_MAX_CACHED_WORKFLOWS'], message: `expected at least WORKER_MAX_CONCURRENT_WORKFLOW_TASKS (${env.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS}), or 0: a workflow task runs on a cached workflow` });
    }
    if ((env.TEMPORAL_TLS_CERT === undefined) !== (env.TEMPORAL_TLS_KEY === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['TEMPORAL_TLS_KEY'], message: 'TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together (mTLS client certificate)' });
    }
    // Demo only: short authorization days can never apply to real money or a production deployment.
    if (env.DEMO_AUTHORIZATION_DAY_SECONDS !== undefined && env.AMAZON_PAY_ENDPOINT === 'amazon') {
      ctx.addIssue({ code: 'custom', path: ['DEMO_AUTHORIZATION_DAY_SECONDS'], message: 'demo only: refused with real Amazon Pay (AMAZON_PAY_ENDPOINT=amazon), whose authorizations last 30 real days; unset it' });
    }
    if (env.DEMO_AUTHORIZATION_DAY_SECONDS !== undefined && env.NODE_ENV === 'production') {
      ctx.addIssue({ code: 'custom', path: ['DEMO_AUTHORIZATION_DAY_SECONDS'], message: 'demo only: refused with NODE_ENV=production; unset it' });
    }
    const ports = ['PORT', 'PGLITE_PORT', 'TEMPORAL_PORT', 'TEMPORAL_UI_PORT', 'SIMULATOR_PORT'] as const;
    const seen = new Map<number, string>();
    for (const name of ports) {
      const other = seen.get(env[name]);
      if (other) ctx.addIssue({ code: 'custom', path: [name], message: `port ${env[name]} is already used by ${other}` });
      else seen.set(env[name], name);
    }
  });

/** Every variable the engine reads (each is listed in .env.example). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(schema.shape);

export type Region = 'jp' | 'eu' | 'na';

export interface AmazonPayConfig {
  /** `simulator` = the bundled simulator (started by `npm start`), `amazon` = real Amazon Pay. */
  endpoint: 'simulator' | 'amazon';
  /** host:port of the simulator when endpoint is `simulator`. */
  simulatorAddress: string;
  region: Region;
  sandbox: boolean;
  merchantId?: string;
  storeId?: string;
  publicKeyId?: string;
  privateKey?: Secret;
  algorithm: 'AMZN-PAY-RSASSA-PSS-V2' | 'AMZN-PAY-RSASSA-PSS';
}

export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  dataDir: string;
  toolsDir?: string;
  api: {
    host: string;
    port: number;
    publicUrl: string;
    corsOrigins: string[];
    /** Per client IP and minute, each of checkout, members and storefront config its own budget. */
    rateLimitPerMinute: number;
    /** Per client IP and minute on the Amazon Pay webhook. */
    webhookRateLimitPerMinute: number;
    /** Per API key and minute on /api/admin. */
    adminRateLimitPerMinute: number;
    /** Failed console sign-ins per client IP in 15 minutes before the console refuses sign-ins from it. */
    consoleLoginMaxFailures: number;
    /** Express's `trust proxy`: whose X-Forwarded-For names the client (the rate limits count per client IP). */
    trustProxy: TrustProxy;
  };
  database: { url?: Secret; pglitePort: number };
  temporal: {
    /** Undefined: start the bundled dev server on `port`. */
    address?: string;
    port: number;
    uiPort: number;
    namespace: string;
    taskQueue: string;
    tls: boolean;
    tlsCertPath?: string;
    tlsKeyPath?: string;
    /** PEM of the CA that signed the cluster's certificate (a private CA); undefined: the system's roots. */
    tlsCaPath?: string;
    /** The name to verify on the cluster's certificate when it differs from TEMPORAL_ADDRESS's host. */
    tlsServerName?: string;
    apiKey?: Secret;
    cliPath?: string;
  };
  worker: {
    maxConcurrentActivities: number;
    maxConcurrentWorkflowTasks: number;
    /** Workflows kept in memory between their tasks (WORKER_MAX_CACHED_WORKFLOWS; 0: none, every task replays). */
    maxCachedWorkflows: number;
    /** A prebuilt workflow bundle (`npm run bundle`); undefined: workflows are bundled at start. */
    workflowBundlePath?: string;
    /**
     * The SDK's promise hook for Temporal UI's stack trace tab (WORKER_WORKFLOW_STACK_TRACES, default false). Read by
     * worker/workflow-thread-hooks.cjs in each workflow thread when the process starts; here so that a wrong value
     * fails the worker's start and the value shows in its start log.
     */
    workflowStackTraces: boolean;
    /** The worker creates (or updates) the `reconcile-orders` schedule at start; RECONCILE_SCHEDULE=false leaves it alone. */
    reconcileSchedule: boolean;
    /** Interval of the reconcile schedule (RECONCILE_EVERY, default 1h). */
    reconcileEvery: string;
  };
  simulator: { host: string; port: number };
  /** The zero-configuration event endpoint (SHOP_WEBHOOK_URL), signed with SHOP_WEBHOOK_SECRET (docs/events.md, Endpoints). */
  shopWebhook?: { url: string; secret: Secret };
  events: {
    /** ENGINE_MASTER_KEY: seals endpoint secrets and shops' private keys (lib/secret-box.ts); undefined: generated once into DATA_DIR. */
    masterKey?: Secret;
    /** ENGINE_MASTER_KEY_PREVIOUS: keys that still open, while `npm run reencrypt` moves secrets to ENGINE_MASTER_KEY. */
    previousMasterKeys?: Secret;
    /** EVENT_RELAY: this worker process delivers events (lib/event-relay.ts). */
    relay: boolean;
  };
  amazonPay: AmazonPayConfig;
  /** Amazon Pay notifications: the SNS topics accepted (AMAZON_PAY_SNS_TOPIC_ARNS; see lib/sns-verify.ts acceptedTopicArns). */
  notifications: { snsTopicArns: string[] };
  console: {
    /** Seals the console's session cookie; undefined: generated once and kept in DATA_DIR. */
    sessionSecret?: Secret;
    /** Where Temporal UI is, for the console's links to order workflows. */
    temporalUiUrl: string;
    /** The demo storefront: undefined means "on when Amazon Pay is the bundled simulator". */
    demoEnabled?: boolean;
  };
  /**
   * Demo only, with the simulator (DEMO_AUTHORIZATION_DAY_SECONDS): the length of one day of a new checkout order's
   * authorization clock, so its 30-day expiry and the warning before it happen within minutes; undefined: real days.
   */
  demoAuthorizationDayMs?: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const REGION_ALIASES: Record<string, Region> = { jp: 'jp', eu: 'eu', de: 'eu', uk: 'eu', na: 'na', us: 'na' };

/** Reads a PEM given inline (with real or `\n`-escaped newlines) or as a file path. */
function readPrivateKey(raw: string, problems: string[]): Secret | undefined {
  let pem: string;
  if (raw.includes('-----BEGIN')) {
    pem = raw.replace(/\\n/g, '\n');
  } else if (existsSync(raw)) {
    pem = readFileSync(raw, 'utf8');
  } else {
    problems.push('AMAZON_PAY_PRIVATE_KEY: expected a PEM private key or the path of a file holding one (no such file; value not shown)');
    return undefined;
  }
  try {
    createPrivateKey(pem);
  } catch {
    problems.push('AMAZON_PAY_PRIVATE_KEY: not a readable PEM private key (-----BEGIN PRIVATE KEY-----...; value not shown)');
    return undefined;
  }
  return new Secret(pem);
}

function describe(value: unknown, name: string): string {
  if (SECRET_VARIABLES.has(name) || value === undefined) return '';
  const text = String(value);
  return `, got "${text.length > 60 ? `${text.slice(0, 57)}...` : text}"`;
}

/**
 * Validates `env` (default: `process.env`) and returns the typed configuration, or throws a
 * {@link ConfigError} listing one line per wrong variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? '(environment)');
      problems.push(`${name}: ${issue.message}${describe(env[name], name)}`);
    }
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  const privateKey = e.AMAZON_PAY_PRIVATE_KEY === undefined ? undefined : readPrivateKey(e.AMAZON_PAY_PRIVATE_KEY, problems);
  for (const [name, file] of [['TEMPORAL_TLS_CERT', e.TEMPORAL_TLS_CERT], ['TEMPORAL_TLS_KEY', e.TEMPORAL_TLS_KEY], ['TEMPORAL_TLS_CA', e.TEMPORAL_TLS_CA]] as const) {
    if (file !== undefined && !existsSync(file)) problems.push(`${name}: expected the path of a PEM file, no such file "${file}"`);
  }
  if (e.WORKFLOW_BUNDLE_PATH !== undefined && !existsSync(e.WORKFLOW_BUNDLE_PATH)) {
    problems.push(`WORKFLOW_BUNDLE_PATH: expected the path of a workflow bundle (npm run bundle writes dist/workflow-bundle.js), no such file "${e.WORKFLOW_BUNDLE_PATH}"`);
  }
  if (e.TEMPORAL_CLI_PATH !== undefined && !existsSync(e.TEMPORAL_CLI_PATH)) {
    problems.push(`TEMPORAL_CLI_PATH: expected the path of a Temporal CLI binary, no such file "${e.TEMPORAL_CLI_PATH}"`);
  }
  if ((e.SHOP_WEBHOOK_URL === undefined) !== (e.SHOP_WEBHOOK_SECRET === undefined)) {
    problems.push('SHOP_WEBHOOK_URL, SHOP_WEBHOOK_SECRET: set both (events to the shop are always signed) or neither');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const dataDir = path.resolve(e.DATA_DIR);
  return {
    nodeEnv: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    dataDir,
    toolsDir: e.TOOLS_DIR === undefined ? undefined : path.resolve(e.TOOLS_DIR),
    api: {
      host: e.HOST,
      port: e.PORT,
      publicUrl: e.PUBLIC_URL ?? `http://${e.HOST.includes(':') ? `[${e.HOST}]` : e.HOST}:${e.PORT}`,
      corsOrigins: e.CORS_ORIGINS,
      rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
      webhookRateLimitPerMinute: e.RATE_LIMIT_WEBHOOK_PER_MINUTE,
      adminRateLimitPerMinute: e.RATE_LIMIT_ADMIN_PER_MINUTE,
      consoleLoginMaxFailures: e.CONSOLE_LOGIN_MAX_FAILURES,
      trustProxy: e.TRUST_PROXY,
    },
    database: { url: e.DATABASE_URL === undefined ? undefined : new Secret(e.DATABASE_URL), pglitePort: e.PGLITE_PORT },
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      port: e.TEMPORAL_PORT,
      uiPort: e.TEMPORAL_UI_PORT,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      tls: e.TEMPORAL_TLS || e.TEMPORAL_TLS_CERT !== undefined || e.TEMPORAL_TLS_CA !== undefined || e.TEMPORAL_API_KEY !== undefined,
      tlsCertPath: e.TEMPORAL_TLS_CERT,
      tlsKeyPath: e.TEMPORAL_TLS_KEY,
      tlsCaPath: e.TEMPORAL_TLS_CA,
      tlsServerName: e.TEMPORAL_TLS_SERVER_NAME,
      apiKey: e.TEMPORAL_API_KEY === undefined ? undefined : new Secret(e.TEMPORAL_API_KEY),
      cliPath: e.TEMPORAL_CLI_PATH,
    },
    worker: {
      maxConcurrentActivities: e.WORKER_MAX_CONCURRENT_ACTIVITIES,
      maxConcurrentWorkflowTasks: e.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
      maxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS,
      workflowStackTraces: e.WORKER_WORKFLOW_STACK_TRACES,
      ...(e.WORKFLOW_BUNDLE_PATH !== undefined ? { workflowBundlePath: path.resolve(e.WORKFLOW_BUNDLE_PATH) } : {}),
      reconcileSchedule: e.RECONCILE_SCHEDULE,
      reconcileEvery: e.RECONCILE_EVERY,
    },
    simulator: { host: e.SIMULATOR_HOST, port: e.SIMULATOR_PORT },
    ...(e.SHOP_WEBHOOK_URL !== undefined && e.SHOP_WEBHOOK_SECRET !== undefined ? { shopWebhook: { url: e.SHOP_WEBHOOK_URL, secret: new Secret(e.SHOP_WEBHOOK_SECRET) } } : {}),
    events: {
      ...(e.ENGINE_MASTER_KEY !== undefined ? { masterKey: new Secret(e.ENGINE_MASTER_KEY) } : {}),
      ...(e.ENGINE_MASTER_KEY_PREVIOUS !== undefined ? { previousMasterKeys: new Secret(e.ENGINE_MASTER_KEY_PREVIOUS) } : {}),
      relay: e.EVENT_RELAY,
    },
    notifications: { snsTopicArns: e.AMAZON_PAY_SNS_TOPIC_ARNS },
    console: {
      sessionSecret: e.CONSOLE_SESSION_SECRET === undefined ? undefined : new Secret(e.CONSOLE_SESSION_SECRET),
      temporalUiUrl: e.TEMPORAL_UI_URL ?? `http://127.0.0.1:${e.TEMPORAL_UI_PORT}`,
      demoEnabled: e.DEMO_ENABLED === undefined ? undefined : ['true', '1', 'yes'].includes(e.DEMO_ENABLED.toLowerCase()),
    },
    ...(e.DEMO_AUTHORIZATION_DAY_SECONDS !== undefined ? { demoAuthorizationDayMs: Number(e.DEMO_AUTHORIZATION_DAY_SECONDS) * 1000 } : {}),
    amazonPay: {
      endpoint: e.AMAZON_PAY_ENDPOINT === 'amazon' ? 'amazon' : 'simulator',
      simulatorAddress: e.AMAZON_PAY_ENDPOINT !== undefined && e.AMAZON_PAY_ENDPOINT !== 'amazon' ? e.AMAZON_PAY_ENDPOINT : `127.0.0.1:${e.SIMULATOR_PORT}`,
      region: REGION_ALIASES[e.AMAZON_PAY_REGION],
      sandbox: e.AMAZON_PAY_SANDBOX,
      merchantId: e.AMAZON_PAY_MERCHANT_ID,
      storeId: e.AMAZON_PAY_STORE_ID,
      publicKeyId: e.AMAZON_PAY_PUBLIC_KEY_ID,
      privateKey,
      algorithm: e.AMAZON_PAY_ALGORITHM,
    },
  };
}
