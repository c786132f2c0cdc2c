/**
 * The engine's Amazon Pay client as the worker builds it from configuration: real Amazon with the
 * configured merchant, or the simulator with the configured merchant or the dev merchant that
 * `npm start` / `npm run simulator` keep in DATA_DIR, trusting only the simulator's certificate.
 */
import { Secret, type AmazonPayConfig, type Config } from './config';
import { createAmazonPayClient, readSimulatorCa, type WebStoreClient } from './amazon-pay-client';
import { devMerchantFile, loadOrCreateDevMerchant } from '../simulator/dev-merchant';
import { existsSync } from 'node:fs';

/** The merchant credentials the engine signs with (the dev merchant when none are configured). */
export function resolveAmazonPayConfig(config: Config): AmazonPayConfig {
  const ap = config.amazonPay;
  if (ap.endpoint === 'amazon' || (ap.publicKeyId && ap.privateKey && ap.merchantId && ap.storeId)) return ap;
  if (!existsSync(devMerchantFile(config.dataDir))) {
    throw new Error(`AMAZON_PAY_PUBLIC_KEY_ID: no merchant configured and no simulator dev merchant in ${config.dataDir}/simulator (start the simulator first, or set the AMAZON_PAY_* variables)`);
  }
  const dev = loadOrCreateDevMerchant(config.dataDir);
  return { ...ap, merchantId: dev.merchantId, storeId: dev.storeId, publicKeyId: dev.publicKeyId, privateKey: new Secret(dev.privateKeyPem) };
}

export function createEngineAmazonPayClient(config: Config, ap: AmazonPayConfig = resolveAmazonPayConfig(config)): WebStoreClient {
  if (ap.endpoint === 'amazon') return createAmazonPayClient(ap);
  const ca = readSimulatorCa(config.dataDir);
  if (!ca) throw new Error(`AMAZON_PAY_ENDPOINT: the simulator's certificate is not in ${config.dataDir}/simulator/tls-cert.pem (start the simulator with the same DATA_DIR)`);
  return createAmazonPayClient(ap, { simulatorCaPem: ca });
}
