// The simulator as part of `npm start`: started on SIMULATOR_PORT with the dev merchant registered and the engine pointed at it.
import { createPublicKey } from 'node:crypto';
import { Secret, type Config } from '../lib/config';
import type { Logger } from '../lib/logger';
import { loadOrCreateDevMerchant, registerMerchant } from './dev-merchant';
import { startSimulator, type RunningSimulator } from './index';

/** Where the engine's API receives IPNs (the API must mount its webhook here, or pass another URL). */
export const DEV_NOTIFICATION_PATH = '/webhooks/amazon-pay';

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
 * Starts the simulator (unless the engine points at another one), registers the merchant and its
 * IPN URL, and, when no Amazon Pay credentials are configured, fills `config.amazonPay` with the
 * dev merchant from `<dataDir>/simulator/merchant.json`. The simulator's CA is then in
 * `<dataDir>/simulator/tls-cert.pem` (lib/amazon-pay-client readSimulatorCa).
 */
export async function startLocalSimulator(config: Config, log: Logger, lifecycle: StopRegistry, notificationUrl = `${config.api.publicUrl}${DEV_NOTIFICATION_PATH}`): Promise<RunningSimulator | undefined> {
  if (!runsLocalSimulator(config)) return undefined;
  const sim = await startSimulator({ host: config.simulator.host, port: config.simulator.port, dataDir: config.dataDir, logger: log.child({ part: 'simulator' }) });
  lifecycle.onStop('amazon pay simulator', () => sim.close());
  const ap = config.amazonPay;
  if (ap.publicKeyId !== undefined && ap.privateKey !== undefined && ap.merchantId !== undefined && ap.storeId !== undefined) {
    const publicKeyPem = createPublicKey(ap.privateKey.reveal()).export({ type: 'spki', format: 'pem' }).toString();
    await registerMerchant(sim, { merchantId: ap.merchantId, storeId: ap.storeId, publicKeyId: ap.publicKeyId, publicKeyPem }, notificationUrl, { region: ap.region });
  } else {
    const dev = loadOrCreateDevMerchant(config.dataDir);
    await registerMerchant(sim, dev, notificationUrl, { region: ap.region });
    config.amazonPay = { ...ap, merchantId: dev.merchantId, storeId: dev.storeId, publicKeyId: dev.publicKeyId, privateKey: new Secret(dev.privateKeyPem) };
    log.info({ merchantId: dev.merchantId, publicKeyId: dev.publicKeyId }, 'using the simulator dev merchant');
  }
  return sim;
}
