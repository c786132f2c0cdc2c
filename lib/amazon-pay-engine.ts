/**
 * The engine's Amazon Pay client as the worker and the API build it: the merchant from the
 * AMAZON_PAY_* variables, else the one entered on the settings screen, else (with the simulator)
 * the dev merchant that `npm start` / `npm run simulator` keep in DATA_DIR; for the simulator,
 * trusting only its certificate.
 */
import { Secret, type AmazonPayConfig, type Config } from './config';
import { createAmazonPayClient, readSimulatorCa, type WebStoreClient } from './amazon-pay-client';
import { readDevMerchant } from './dev-merchant';
import type { StoredCredentials } from './merchant-credentials';

/** Whether the AMAZON_PAY_* variables hold the credentials (they then win over the settings). */
export function credentialsFromEnvironment(config: Config): boolean {
  const ap = config.amazonPay;
  return Boolean(ap.publicKeyId && ap.privateKey && ap.merchantId && ap.storeId);
}

/** The merchant credentials the engine signs with. */
export function resolveAmazonPayConfig(config: Config, stored?: StoredCredentials): AmazonPayConfig {
  const ap = config.amazonPay;
  if (credentialsFromEnvironment(config)) return ap;
  if (stored) return { ...ap, merchantId: stored.merchantId, storeId: stored.storeId, publicKeyId: stored.publicKeyId, privateKey: stored.privateKey };
  if (ap.endpoint === 'amazon') {
    throw new Error('AMAZON_PAY_PUBLIC_KEY_ID: no Amazon Pay credentials: set AMAZON_PAY_MERCHANT_ID, AMAZON_PAY_STORE_ID, AMAZON_PAY_PUBLIC_KEY_ID and AMAZON_PAY_PRIVATE_KEY, or enter them in the settings (PUT /api/admin/settings)');
  }
  const dev = readDevMerchant(config.dataDir);
  if (!dev) {
    throw new Error(`AMAZON_PAY_PUBLIC_KEY_ID: no merchant configured and no simulator dev merchant in ${config.dataDir}/simulator (start the simulator first, or set the AMAZON_PAY_* variables)`);
  }
  return { ...ap, merchantId: dev.merchantId, storeId: dev.storeId, publicKeyId: dev.publicKeyId, privateKey: new Secret(dev.privateKeyPem) };
}

export function createEngineAmazonPayClient(config: Config, ap: AmazonPayConfig = resolveAmazonPayConfig(config)): WebStoreClient {
  if (ap.endpoint === 'amazon') return createAmazonPayClient(ap);
  const ca = readSimulatorCa(config.dataDir);
  if (!ca) throw new Error(`AMAZON_PAY_ENDPOINT: the simulator's certificate is not in ${config.dataDir}/simulator/tls-cert.pem (start the simulator with the same DATA_DIR)`);
  return createAmazonPayClient(ap, { simulatorCaPem: ca });
}
