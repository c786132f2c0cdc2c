// startSimulator(): the Amazon Pay Checkout API v2 simulator over HTTPS, with its /__sim control API and buyer pages.
import type { AddressInfo } from 'node:net';
import https from 'node:https';
import path from 'node:path';
import express from 'express';
import type { Logger } from 'pino';
import { createLogger } from '../lib/logger';
import { API_PATH, createApiHandler } from './api-router';
import { createBuyerPages } from './buyer-pages';
import { loadCertificates } from './certificates';
import { SimClock, type ClockMode } from './clock';
import { createControlRouter } from './control-router';
import { DEFAULT_DELAYS, SimCore, ZERO_DELAYS, type Delays } from './core';
import { FaultTable } from './faults';
import { IpnDispatcher } from './ipn';
import { acceptedHosts } from './signature';
import { loadSnapshot, saveSnapshot } from './snapshot';
import { sweep } from './transitions';

export type { Delays } from './core';
export { DEFAULT_DELAYS, ZERO_DELAYS } from './core';

export interface SimulatorOptions {
  /** Address to bind; default 127.0.0.1 (control endpoints then answer loopback only anyway). */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** Keeps the TLS/SNS certificates and the state snapshot in `<dataDir>/simulator/`; without it all is in memory. */
  dataDir?: string;
  logLevel?: string;
  logger?: Logger;
  /** 'zero' for benchmarks; partial values override the defaults. */
  delays?: Partial<Delays> | 'zero';
  /** 'real' (default): simulated time = wall clock + advances; 'manual': time moves only by /__sim/clock/advance. */
  clock?: ClockMode;
  /** Save state.json in dataDir (default true when dataDir is set). */
  snapshot?: boolean;
  snapshotIntervalMs?: number;
  /** How often due transitions (pending resolution, expiry) are applied without a request; default 250 ms. */
  sweepIntervalMs?: number;
  /** Real-time waits between IPN attempts (default 1, 2, 4, 8, 16, 32 s: 7 attempts). */
  ipnRetryDelaysMs?: number[];
  ipnRequestTimeoutMs?: number;
  /** Let non-loopback clients use /__sim (default false). */
  allowRemoteControl?: boolean;
}

export interface RunningSimulator {
  /** host:port for the SDK's overrideServiceUrl, e.g. 127.0.0.1:8443. */
  address: string;
  /** https://host:port */
  baseUrl: string;
  host: string;
  port: number;
  /** The simulator's self-signed certificate: the only CA the engine's SDK client should trust. */
  caCertPem: string;
  /** Certificate that verifies IPN (SNS) signatures, also served at snsCertUrl. */
  snsCertPem: string;
  snsCertUrl: string;
  core: SimCore;
  close(): Promise<void>;
}

function delaysFrom(opt: SimulatorOptions['delays']): Delays {
  if (opt === 'zero') return { ...ZERO_DELAYS };
  return { ...DEFAULT_DELAYS, ...(opt ?? {}) };
}

function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

export async function startSimulator(opts: SimulatorOptions): Promise<RunningSimulator> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.logger ?? createLogger(opts.logLevel ?? 'info', 'amazon-pay-simulator');
  const dir = opts.dataDir === undefined ? undefined : path.join(path.resolve(opts.dataDir), 'simulator');
  const certs = await loadCertificates(dir);
  const clock = new SimClock(opts.clock ?? 'real');
  const sim = new SimCore(clock, delaysFrom(opts.delays));
  const snapshotOn = dir !== undefined && opts.snapshot !== false;
  if (snapshotOn && loadSnapshot(sim, dir)) log.info({ dir }, 'simulator state restored from snapshot');

  let port = opts.port;
  const address = () => `${displayHost(host)}:${port}`;
  const baseUrl = () => `https://${address()}`;
  const snsCertUrl = () => `${baseUrl()}/__sim/sns/SimpleNotificationService-simulator.pem`;
  const held = new Set<NodeJS.Timeout>();
  const faults = new FaultTable();
  const ipn = new IpnDispatcher(sim, log, {
    signingKeyPem: certs.sns.keyPem,
    certUrl: snsCertUrl,
    baseUrl,
    retryDelaysMs: opts.ipnRetryDelaysMs ?? [1_000, 2_000, 4_000, 8_000, 16_000, 32_000],
    requestTimeoutMs: opts.ipnRequestTimeoutMs ?? 10_000,
  });
  const save = () => {
    if (snapshotOn) saveSnapshot(sim, dir);
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use('/__sim', createControlRouter({ sim, faults, ipn, snsCertPem: certs.sns.certPem, allowRemoteControl: opts.allowRemoteControl ?? false, saveSnapshot: save }));
  app.use(createBuyerPages({ sim, baseUrl }));
  app.use(API_PATH, express.raw({ type: () => true, limit: '1mb' }));
  // The names a client may sign as x-amz-pay-host (bare or with the port: see acceptedHosts).
  const hosts = () => acceptedHosts([displayHost(host), '127.0.0.1', 'localhost', '[::1]', host], port);
  app.all(API_PATH, createApiHandler({ sim, faults, log, held, baseUrl, hosts }));
  app.use((_req: express.Request, res: express.Response) => {
    res.status(404).json({ reasonCode: 'ResourceNotFound', message: 'No such resource.' });
  });

  const server = https.createServer({ key: certs.tls.keyPem, cert: certs.tls.certPem }, app);
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      const why = err.code === 'EADDRINUSE' ? `port ${opts.port} on ${host} is already in use (set SIMULATOR_PORT to a free port)` : err.code === 'EACCES' ? `no permission to bind ${host}:${opts.port}` : err.message;
      reject(new Error(`Amazon Pay simulator cannot listen: ${why}`, { cause: err }));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(opts.port, host);
  });
  port = (server.address() as AddressInfo).port;

  const sweeper = setInterval(() => sweep(sim), opts.sweepIntervalMs ?? 250);
  sweeper.unref();
  const saver = snapshotOn
    ? setInterval(() => {
        if (sim.dirty) {
          try {
            save();
          } catch (err) {
            log.warn({ err }, 'simulator snapshot failed');
          }
        }
      }, opts.snapshotIntervalMs ?? 1_000)
    : undefined;
  saver?.unref();
  log.info({ baseUrl: baseUrl() }, 'Amazon Pay simulator listening');

  let closed: Promise<void> | undefined;
  return {
    address: address(),
    baseUrl: baseUrl(),
    host,
    port,
    caCertPem: certs.tls.certPem,
    snsCertPem: certs.sns.certPem,
    snsCertUrl: snsCertUrl(),
    core: sim,
    close() {
      closed ??= (async () => {
        clearInterval(sweeper);
        if (saver) clearInterval(saver);
        for (const t of held) clearTimeout(t);
        held.clear();
        ipn.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        save();
      })();
      return closed;
    },
  };
}
