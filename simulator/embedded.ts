// The simulator as part of `npm start`: started on SIMULATOR_PORT with the dev merchant registered and the engine pointed at it.
import { createPublicKey } from 'node:crypto';
import type { Config } from '../lib/config';
import type { Logger } from '../lib/logger';
import type { StoredCredentials } from '../lib/merchant-credentials';
import { loadOrCreateDevMerchant, registerMerchant, type SimulatorEndpoint } from './dev-merchant';
import { startSimulator, type RunningSimulator } from './index';

/** Where the engine's API receives IPNs (the API must mount its webhook here, or pass another URL). */
export const DEV_NOTIFICATION_PATH = '/api/webhooks/amazon-pay';

interface StopRegistry {
  onStop(name: string, stop: () => Promise<void>): void;
}

/** True when the engine talks to the simulator this process should start (not one elsewhere, not Amazon). */
export function runsLocalSimulator(config: Config): boolean {
  if (config.amazonPay.endpoint !== 'simulator') return false;
  const port = String(config.simulator.port);
  return [`127.0.0.1:${port}`, `localhost:${port}`, `${config.simulator.host}:${port}`].includes(config.amazonPay.simulatorAddress);
}

/**
 * Registers the engine's merchant with the simulator: the configured one, or the dev merchant
 * kept in `<dataDir>/simulator/merchant.json` (created on first use), with its IPN URL.
 */
export async function registerEngineMerchant(sim: SimulatorEndpoint, config: Config, notificationUrl: string, log: Logger, stored?: StoredCredentials): Promise<void> {
  const env = config.amazonPay;
  const fromEnv = env.publicKeyId !== undefined && env.privateKey !== undefined && env.merchantId !== undefined && env.storeId !== undefined;
  // The variables win; else the credentials entered on the settings screen; else the dev merchant.
  const ap = fromEnv || !stored ? env : { ...env, merchantId: stored.merchantId, storeId: stored.storeId, publicKeyId: stored.publicKeyId, privateKey: stored.privateKey };
  if (ap.publicKeyId !== undefined && ap.privateKey !== undefined && ap.merchantId !== undefined && ap.storeId !== undefined) {
    const publicKeyPem = createPublicKey(ap.privateKey.reveal()).export({ type: 'spki', format: 'pem' }).toString();
    await registerMerchant(sim, { merchantId: ap.merchantId, storeId: ap.storeId, publicKeyId: ap.publicKeyId, publicKeyPem }, notificationUrl, { region: ap.region });
    log.info({ merchantId: ap.merchantId }, 'registered the configured merchant with the simulator');
  } else {
    const dev = loadOrCreateDevMerchant(config.dataDir);
    await registerMerchant(sim, dev, notificationUrl, { region: ap.region });
    log.info({ merchantId: dev.merchantId, publicKeyId: dev.publicKeyId }, 'registered the dev merchant (simulator/merchant.json) with the simulator');
  }
}

/**
 * Starts the simulator (unless the engine points at another one) and registers the engine's
 * merchant and IPN URL. The worker then finds the dev merchant and the simulator's CA
 * (`<dataDir>/simulator/tls-cert.pem`) in DATA_DIR.
 */
export async function startLocalSimulator(
  config: Config,
  log: Logger,
  lifecycle: StopRegistry,
  notificationUrl = `${config.api.publicUrl}${DEV_NOTIFICATION_PATH}`,
  stored?: StoredCredentials,
  /** The other shops' merchants (docs/shops.md): each registered too, with the same notification URL. */
  others: readonly StoredCredentials[] = [],
): Promise<RunningSimulator | undefined> {
  if (!runsLocalSimulator(config)) return undefined;
  const sim = await startSimulator({ host: config.simulator.host, port: config.simulator.port, dataDir: config.dataDir, logger: log.child({ part: 'simulator' }) });
  lifecycle.onStop('amazon pay simulator', () => sim.close());
  await registerEngineMerchant(sim, config, notificationUrl, log, stored);
  for (const m of others) {
    const publicKeyPem = createPublicKey(m.privateKey.reveal()).export({ type: 'spki', format: 'pem' }).toString();
    await registerMerchant(sim, { merchantId: m.merchantId, storeId: m.storeId, publicKeyId: m.publicKeyId, publicKeyPem }, notificationUrl, { region: m.region ?? config.amazonPay.region });
  }
  if (others.length > 0) log.info({ merchants: others.length }, "registered the other shops' merchants with the simulator");
  return sim;
}
