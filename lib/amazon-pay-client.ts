/**
 * The engine's Amazon Pay client: the unmodified SDK's WebStoreClient, configured from
 * {@link AmazonPayConfig}. Against the simulator it uses `overrideServiceUrl`, which makes the SDK
 * set NODE_TLS_REJECT_UNAUTHORIZED=0 for the whole process on every call; we restore the variable
 * as soon as the (synchronous) signing part of the call returns, and give the SDK's axios an HTTPS
 * agent that trusts the simulator's certificate only, for this client's requests only.
 *
 * Retries: the SDK's retry loop (clientHelper.retryLogic) tests `statusCode` on the Promise, not on
 * the response, so it never retries, and axios has no timeout by default. The engine must therefore
 * retry 429/500/503 and network errors itself (Temporal activity retries with backoff and a
 * start-to-close timeout) and send the SAME x-amz-pay-idempotency-key on every attempt of a
 * money-moving call, so a retry after a lost response replays Amazon's saved answer.
 *
 * Metrics: every Amazon call made through a client built here, by any process (worker activities, the API's own
 * reads, delivery trackers, disputes, buyers, reconcile), is counted in `amazon_pay_calls_total` by SDK method and
 * result (OK or the reason code), so no call path can be left out.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { existsSync, readFileSync } from 'node:fs';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import https from 'node:https';
import path from 'node:path';
import { classifyAmazonError } from './amazon-errors';
import type { AmazonPayConfig } from './config';
import { amazonCalls } from './metrics';

/** What every SDK call resolves to (the axios response); `T` is the caller's view of Amazon's JSON body. */
export interface AmazonPayResponse<T = unknown> {
  status: number;
  headers: Record<string, unknown>;
  data: T;
}

type Headers = Record<string, string> | null;

/** The WebStoreClient methods the engine uses (the SDK ships no type declarations). */
export interface WebStoreClient {
  generateButtonSignature(payload: object | string): string;
  createCheckoutSession<T = unknown>(payload: object, headers: Headers): Promise<AmazonPayResponse<T>>;
  getCheckoutSession<T = unknown>(checkoutSessionId: string, headers?: Headers): Promise<AmazonPayResponse<T>>;
  updateCheckoutSession<T = unknown>(checkoutSessionId: string, payload: object, headers?: Headers): Promise<AmazonPayResponse<T>>;
  completeCheckoutSession<T = unknown>(checkoutSessionId: string, payload: object, headers?: Headers): Promise<AmazonPayResponse<T>>;
  getChargePermission<T = unknown>(chargePermissionId: string, headers?: Headers): Promise<AmazonPayResponse<T>>;
  updateChargePermission<T = unknown>(chargePermissionId: string, payload: object, headers?: Headers): Promise<AmazonPayResponse<T>>;
  closeChargePermission<T = unknown>(chargePermissionId: string, payload: object, headers?: Headers): Promise<AmazonPayResponse<T>>;
  createCharge<T = unknown>(payload: object, headers: Headers): Promise<AmazonPayResponse<T>>;
  getCharge<T = unknown>(chargeId: string, headers?: Headers): Promise<AmazonPayResponse<T>>;
  captureCharge<T = unknown>(chargeId: string, payload: object, headers?: Headers): Promise<AmazonPayResponse<T>>;
  cancelCharge<T = unknown>(chargeId: string, payload: object, headers?: Headers): Promise<AmazonPayResponse<T>>;
  createRefund<T = unknown>(payload: object, headers: Headers): Promise<AmazonPayResponse<T>>;
  getRefund<T = unknown>(refundId: string, headers?: Headers): Promise<AmazonPayResponse<T>>;
  getBuyer<T = unknown>(buyerToken: string, headers?: Headers): Promise<AmazonPayResponse<T>>;
  getDispute<T = unknown>(disputeId: string, headers?: Headers): Promise<AmazonPayResponse<T>>;
  deliveryTrackers<T = unknown>(payload: object, headers?: Headers): Promise<AmazonPayResponse<T>>;
}

interface SdkConfig {
  publicKeyId: string;
  /** The SDK hands it to crypto's sign(): a KeyObject is parsed once here instead of from PEM on every call (0.7 → 0.2 ms per signature). */
  privateKey: KeyObject | string;
  region: string;
  sandbox: boolean;
  algorithm: string;
  overrideServiceUrl?: string;
}

interface SdkInstance extends WebStoreClient {
  apiCall<T = unknown>(options: object, maxRedirects?: number): Promise<AmazonPayResponse<T>>;
  getSignedHeaders(options: object): Record<string, string>;
}

interface SdkModule {
  WebStoreClient: new (config: SdkConfig) => SdkInstance;
}

interface AxiosRequestConfigLike {
  url?: string;
  timeout?: number;
  httpsAgent?: https.Agent;
}

interface AxiosLike {
  interceptors: { request: { use(onFulfilled: (config: AxiosRequestConfigLike) => AxiosRequestConfigLike): number } };
}

const SDK_NAME = '@amazonpay/amazon-pay-api-sdk-nodejs';
const TLS_ENV = 'NODE_TLS_REJECT_UNAUTHORIZED';
const AMAZON_HOSTS: Record<string, string> = { na: 'pay-api.amazon.com', eu: 'pay-api.amazon.eu', jp: 'pay-api.amazon.jp' };

// The SDK ships no types: load it (and the axios instance it uses) through typed views. The axios is the one
// resolved from the SDK's own folder, so only `require` with a resolved path can reach it.
/* eslint-disable @typescript-eslint/no-require-imports */
const sdk = require(SDK_NAME) as SdkModule;
const sdkAxios = require(require.resolve('axios', { paths: [path.dirname(require.resolve(`${SDK_NAME}/package.json`))] })) as AxiosLike;
/* eslint-enable @typescript-eslint/no-require-imports */

interface ClientRoute {
  /** `https://host:port/` of this client's endpoint. */
  origin: string;
  agent: https.Agent;
  timeoutMs: number;
}

/**
 * Which client a request belongs to: each client runs its SDK calls inside this async context, so
 * the axios interceptor (which runs later, after the SDK's setTimeout) finds that client's agent.
 * Requests outside an SDK call of ours are left untouched.
 */
const currentClient = new AsyncLocalStorage<ClientRoute>();
let interceptorInstalled = false;

function installInterceptor(): void {
  if (interceptorInstalled) return;
  interceptorInstalled = true;
  sdkAxios.interceptors.request.use((config) => {
    const route = currentClient.getStore();
    if (route && (config.url ?? '').startsWith(route.origin)) {
      config.httpsAgent = route.agent;
      if (!config.timeout) config.timeout = route.timeoutMs;
    }
    return config;
  });
}

/** Runs `fn` and puts NODE_TLS_REJECT_UNAUTHORIZED back as it was, even if `fn` throws. */
function withTlsEnvKept<T>(fn: () => T): T {
  const before = process.env[TLS_ENV];
  try {
    return fn();
  } finally {
    if (before === undefined) delete process.env[TLS_ENV];
    else process.env[TLS_ENV] = before;
  }
}

/** SDK methods that are not calls to Amazon (signing helpers, and the transport every operation goes through). */
const NOT_AMAZON_CALLS = new Set(['constructor', 'apiCall', 'getSignedHeaders', 'generateButtonSignature']);

/** A reason code as a metric label: Amazon's are short words; anything else would grow the label set without bound. */
function resultLabel(code: string): string {
  return /^[A-Za-z][A-Za-z0-9]{0,63}$/.test(code) ? code : 'Other';
}

/**
 * Wraps each operation of the SDK client (every method of its class chain, so one the engine starts using later is
 * counted too) to count it by operation and result. A synchronous throw (the SDK failing before it sends) is
 * counted and becomes a rejected promise, as callers already expect of a call.
 */
function countCalls(client: SdkInstance): void {
  const target = client as unknown as Record<string, (...args: unknown[]) => unknown>;
  const names = new Set<string>();
  for (let proto: object | null = Object.getPrototypeOf(client); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (!NOT_AMAZON_CALLS.has(name) && typeof Object.getOwnPropertyDescriptor(proto, name)?.value === 'function') names.add(name);
    }
  }
  for (const operation of names) {
    const fn = target[operation].bind(client);
    target[operation] = (...args: unknown[]) => {
      let pending: Promise<unknown>;
      try {
        pending = Promise.resolve(fn(...args));
      } catch (err) {
        pending = Promise.reject(err);
      }
      return pending.then(
        (response) => {
          amazonCalls.inc({ operation, result: 'OK' });
          return response;
        },
        (err: unknown) => {
          amazonCalls.inc({ operation, result: resultLabel(classifyAmazonError(err).code) });
          throw err;
        },
      );
    };
  }
}

/** The simulator's certificate as `npm start` / `npm run simulator` keep it: `<dataDir>/simulator/tls-cert.pem`. */
export function readSimulatorCa(dataDir: string): string | undefined {
  const file = path.join(path.resolve(dataDir), 'simulator', 'tls-cert.pem');
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

export interface AmazonPayClientOptions {
  /** PEM of the simulator's certificate: the only CA trusted for calls to the simulator (required for endpoint `simulator`). */
  simulatorCaPem?: string;
  /** Per-request timeout for SDK calls (default 30 s); the SDK itself sets none. */
  timeoutMs?: number;
}

/** The key as a KeyObject; a PEM crypto cannot parse stays a string, so it fails at the first signature as before. */
function parsedKey(pem: string): KeyObject | string {
  try {
    return createPrivateKey(pem);
  } catch {
    return pem;
  }
}

export function createAmazonPayClient(cfg: AmazonPayConfig, opts: AmazonPayClientOptions = {}): WebStoreClient {
  if (cfg.publicKeyId === undefined || cfg.privateKey === undefined) {
    throw new Error('Amazon Pay client needs a public key id and a private key (AMAZON_PAY_PUBLIC_KEY_ID, AMAZON_PAY_PRIVATE_KEY, or the simulator dev merchant)');
  }
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const useSimulator = cfg.endpoint === 'simulator';
  if (useSimulator && opts.simulatorCaPem === undefined) {
    throw new Error(`Amazon Pay client for the simulator at ${cfg.simulatorAddress} needs its certificate (simulatorCaPem; see readSimulatorCa(dataDir))`);
  }
  const config: SdkConfig = {
    publicKeyId: cfg.publicKeyId,
    privateKey: parsedKey(cfg.privateKey.reveal()),
    region: cfg.region,
    sandbox: cfg.sandbox,
    algorithm: cfg.algorithm,
    ...(useSimulator ? { overrideServiceUrl: cfg.simulatorAddress } : {}),
  };
  const host = useSimulator ? cfg.simulatorAddress : AMAZON_HOSTS[cfg.region];
  const agent = useSimulator
    ? new https.Agent({ ca: opts.simulatorCaPem, rejectUnauthorized: true, keepAlive: true })
    : new https.Agent({ rejectUnauthorized: true, keepAlive: true });
  const route: ClientRoute = { origin: `https://${host}/`, agent, timeoutMs };
  installInterceptor();

  const client = new sdk.WebStoreClient(config);
  // Every SDK operation goes through apiCall (and getSignedHeaders signs directly); both set the
  // variable synchronously and only then start the request, so restoring it on return contains it.
  const apiCall = client.apiCall.bind(client);
  const getSignedHeaders = client.getSignedHeaders.bind(client);
  client.apiCall = (options, maxRedirects) => currentClient.run(route, () => withTlsEnvKept(() => apiCall(options, maxRedirects)));
  client.getSignedHeaders = (options) => withTlsEnvKept(() => getSignedHeaders(options));
  countCalls(client);
  return client;
}
