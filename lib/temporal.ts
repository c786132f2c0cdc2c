/**
 * Temporal for the engine: the bundled dev server (SQLite in DATA_DIR, Web UI, our search
 * attributes) when TEMPORAL_ADDRESS is empty, and connection options for a real cluster
 * (self-hosted with mTLS, or Temporal Cloud with mTLS or an API key) when it is set.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import path from 'node:path';
import { Connection, type ConnectionOptions } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { assertPortFree } from './database';
import type { Config } from './config';
import { devServerExecutable } from './tools';

/** The cluster address: TEMPORAL_ADDRESS, or the bundled dev server on TEMPORAL_PORT. */
export function temporalAddress(config: Config): string {
  return config.temporal.address ?? `127.0.0.1:${config.temporal.port}`;
}

export interface DevServer {
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
}

/**
 * SQLite in write-ahead-log mode, synced at checkpoints: a workflow start takes about 3 ms instead of 8 (measured on
 * this 2-core machine, 150 starts each). A crash of the process loses nothing; a power cut may lose the last
 * transactions, which is fine for the bundled dev server (production runs a real Temporal cluster).
 */
export const DEV_SERVER_SQLITE_ARGS = ['--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal'];

/** Starts `temporal server start-dev` with persistence in `<dataDir>/temporal/temporal.db`. */
export async function startDevServer(config: Config, log: (msg: string) => void, searchAttributes: readonly SearchAttributeSpec[]): Promise<DevServer> {
  const { port, uiPort, namespace } = config.temporal;
  await assertPortFree('127.0.0.1', port, 'TEMPORAL_PORT');
  await assertPortFree('127.0.0.1', uiPort, 'TEMPORAL_UI_PORT');
  const dir = path.join(config.dataDir, 'temporal');
  mkdirSync(dir, { recursive: true });
  const executable = await devServerExecutable({ cliPath: config.temporal.cliPath, toolsDir: config.toolsDir, allowBuild: true, log });
  if (executable.type === 'cached-download') log('no Temporal CLI cached and Go not available: letting the Temporal SDK download it');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable,
      ip: '127.0.0.1',
      port,
      ui: true,
      uiPort,
      namespace,
      dbFilename: path.join(dir, 'temporal.db'),
      extraArgs: DEV_SERVER_SQLITE_ARGS,
      searchAttributes: [...searchAttributes],
      log: { format: 'json', level: 'warn' },
    },
  });
  return {
    address: `127.0.0.1:${port}`,
    uiUrl: `http://127.0.0.1:${uiPort}`,
    stop: () => env.teardown(),
  };
}

/** Connection options for the cluster at `address` (TLS / API key per configuration). */
export function connectionOptions(config: Config, address: string): ConnectionOptions {
  const t = config.temporal;
  const options: ConnectionOptions = { address, connectTimeout: '10s' };
  if (t.tls) {
    const custom = {
      ...(t.tlsCertPath && t.tlsKeyPath ? { clientCertPair: { crt: readFileSync(t.tlsCertPath), key: readFileSync(t.tlsKeyPath) } } : {}),
      ...(t.tlsCaPath ? { serverRootCACertificate: readFileSync(t.tlsCaPath) } : {}),
      ...(t.tlsServerName ? { serverNameOverride: t.tlsServerName } : {}),
    };
    options.tls = Object.keys(custom).length > 0 ? custom : true;
  }
  if (t.apiKey) {
    options.apiKey = t.apiKey.reveal();
    options.metadata = { 'temporal-namespace': t.namespace };
  }
  return options;
}

/** Same options for the worker's NativeConnection, which takes the same TLS and API key settings. */
export function nativeConnectionOptions(config: Config, address: string): NativeConnectionOptions {
  const o = connectionOptions(config, address);
  return { address, tls: o.tls, apiKey: config.temporal.apiKey?.reveal(), metadata: o.metadata as Record<string, string> | undefined };
}

/** Connects, naming TEMPORAL_ADDRESS in the error when the cluster does not answer. */
export async function connectTemporal(config: Config, address: string): Promise<Connection> {
  try {
    return await Connection.connect(connectionOptions(config, address));
  } catch (err) {
    // gRPC's own message is often just a deadline; a plain connection says what really failed (TLS, a refused port).
    const reason = (await probeTemporalEndpoint(config, address).catch(() => undefined)) ?? (err instanceof Error ? err.message.split('\n')[0] : String(err));
    throw new Error(`TEMPORAL_ADDRESS: cannot reach Temporal at ${address} (${reason})`, { cause: err });
  }
}

const IndexedValueType = temporal.api.enums.v1.IndexedValueType;

/**
 * The server's type for each SDK search attribute type, by the SDK's own enum names (the numbers are not in order of
 * anything we can guess: 5 is BOOL, DATETIME is 6). Every SearchAttributeType must be mapped, so a new one fails to compile.
 */
export const INDEXED_VALUE_TYPES: Record<SearchAttributeType, temporal.api.enums.v1.IndexedValueType> = {
  TEXT: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  INT: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  DOUBLE: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  BOOL: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  DATETIME: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KEYWORD_LIST: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/** The CLI's spelling of a type (`temporal operator search-attribute create --type Datetime`). */
export const CLI_TYPE_NAMES: Record<SearchAttributeType, string> = { TEXT: 'Text', KEYWORD: 'Keyword', INT: 'Int', DOUBLE: 'Double', BOOL: 'Bool', DATETIME: 'Datetime', KEYWORD_LIST: 'KeywordList' };

/** A search attribute the workflows write: its name and type (the caller's list; lib does not import workflows/). */
export interface SearchAttributeSpec {
  name: string;
  type: SearchAttributeType;
}

/** The services the namespace checks call: a client Connection and the worker's NativeConnection both have them. */
type TemporalServices = Pick<Connection, 'workflowService' | 'operatorService'>;

/**
 * Registers the workflow's search attributes on a cluster that lacks them (self-hosted). Temporal
 * Cloud does not allow this through the SDK: the error message says what to run instead.
 */
export async function ensureSearchAttributes(connection: TemporalServices, namespace: string, keys: readonly SearchAttributeSpec[], log: (msg: string) => void): Promise<void> {
  const have = (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
  // A type cannot be changed in place; one registered wrong (e.g. Bool by an earlier release) fails every workflow task.
  const wrong = keys.filter((k) => k.name in have && have[k.name] !== INDEXED_VALUE_TYPES[k.type]);
  if (wrong.length > 0) {
    const cmds = wrong.flatMap((k) => [
      `temporal operator search-attribute remove --namespace ${namespace} --name ${k.name}`,
      `temporal operator search-attribute create --namespace ${namespace} --name ${k.name} --type ${CLI_TYPE_NAMES[k.type]}`,
    ]);
    const found = wrong.map((k) => `${k.name} is ${temporal.api.enums.v1.IndexedValueType[have[k.name]] ?? have[k.name]}, expected ${CLI_TYPE_NAMES[k.type]}`);
    throw new Error(`search attributes registered with the wrong type (${found.join('; ')}); order workflows cannot run until they are re-created:\n  ${cmds.join('\n  ')}`);
  }
  const missing = keys.filter((k) => !(k.name in have));
  if (missing.length === 0) return;
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((k) => [k.name, INDEXED_VALUE_TYPES[k.type]])),
    });
    log(`registered search attributes ${missing.map((k) => k.name).join(', ')}`);
  } catch (err) {
    const cmds = missing.map((k) => `temporal operator search-attribute create --namespace ${namespace} --name ${k.name} --type ${CLI_TYPE_NAMES[k.type]}`);
    throw new Error(`search attributes ${missing.map((k) => k.name).join(', ')} are missing and could not be registered (${err instanceof Error ? err.message : String(err)}); run:\n  ${cmds.join('\n  ')}`, { cause: err });
  }
}

/** The command that creates a namespace (deploy/temporal-setup.sh runs it, then creates the search attributes). */
export const createNamespaceCommand = (namespace: string) => `temporal operator namespace create --namespace ${namespace} --retention 30d`;

/**
 * The namespace exists and has the workflows' search attributes (missing ones are added where the cluster permits):
 * resolves when order workflows can run there, else throws naming what is missing and the command that creates it.
 */
export async function ensureNamespaceReady(connection: TemporalServices, namespace: string, keys: readonly SearchAttributeSpec[], log: (msg: string) => void): Promise<void> {
  // gRPC NOT_FOUND (5), which the SDK's Connection and the worker's NativeConnection both carry: from the describe, no
  // such namespace; from the attribute calls, one created moments ago that the services' caches do not know yet.
  const missing = (err: unknown, why: string) => {
    if ((err as { code?: number }).code === 5) return new Error(`namespace ${namespace} ${why}; create it: ${createNamespaceCommand(namespace)} (deploy/temporal-setup.sh creates it with the search attributes)`);
    return err;
  };
  try {
    await connection.workflowService.describeNamespace({ namespace });
  } catch (err) {
    throw missing(err, 'does not exist');
  }
  try {
    await ensureSearchAttributes(connection, namespace, keys, log);
  } catch (err) {
    throw missing(err, 'is not served yet (just created? the services learn of a new namespace within seconds)');
  }
}

/**
 * Waits until {@link ensureNamespaceReady} passes, trying every `everyMs` and logging each new reason once: a worker
 * stays unready (polls no task) while its namespace or an attribute is missing, instead of failing every order.
 */
export async function waitForNamespace(
  connection: TemporalServices,
  namespace: string,
  keys: readonly SearchAttributeSpec[],
  log: { info(msg: string): void; warn(msg: string): void },
  opts: { everyMs?: number; signal?: AbortSignal } = {},
): Promise<void> {
  let last = '';
  for (;;) {
    try {
      await ensureNamespaceReady(connection, namespace, keys, (m) => log.info(m));
      if (last) log.info(`namespace ${namespace} is ready`);
      return;
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      if (why !== last) log.warn(`not ready: ${why}`);
      last = why;
    }
    if (opts.signal?.aborted) throw new Error(`stopped while waiting for namespace ${namespace}: ${last}`);
    await new Promise((resolve) => setTimeout(resolve, opts.everyMs ?? 5_000).unref());
  }
}

/**
 * What a plain connection to the cluster meets, for readiness to report when a call fails: the TCP error
 * (ECONNREFUSED...) or, with TLS, the handshake's own (an unknown CA, a name not on the certificate, a client
 * certificate refused), which gRPC's retries otherwise hide behind a deadline. Undefined: the endpoint accepts us.
 */
export async function probeTemporalEndpoint(config: Config, address: string, timeoutMs = 3_000): Promise<string | undefined> {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(i + 1));
  const t = config.temporal;
  return new Promise((resolve) => {
    let socket: net.Socket;
    const done = (why: string | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(why);
    };
    const timer = setTimeout(() => done(`no answer from ${address} within ${timeoutMs} ms`), timeoutMs);
    if (t.tls) {
      const s = tls.connect({
        host,
        port,
        servername: t.tlsServerName ?? (net.isIP(host) ? undefined : host),
        ALPNProtocols: ['h2'],
        ...(t.tlsCaPath ? { ca: readFileSync(t.tlsCaPath) } : {}),
        ...(t.tlsCertPath && t.tlsKeyPath ? { cert: readFileSync(t.tlsCertPath), key: readFileSync(t.tlsKeyPath) } : {}),
      });
      socket = s;
      // With TLS 1.3 a refused client certificate arrives after the handshake: wait for the server's first word.
      s.once('secureConnect', () => setTimeout(() => done(undefined), 200));
      s.once('error', (err: NodeJS.ErrnoException) => done(`TLS to ${address}: ${err.code ? `${err.code}: ` : ''}${err.message}`));
    } else {
      socket = net.connect({ host, port });
      socket.once('connect', () => done(undefined));
      socket.once('error', (err: NodeJS.ErrnoException) => done(`${address}: ${err.code ?? err.message}`));
    }
  });
}
