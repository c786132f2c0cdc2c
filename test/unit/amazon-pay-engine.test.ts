/**
 * Which merchant the engine signs with: the AMAZON_PAY_* variables, else the credentials entered
 * on the settings screen, else (simulator only) the dev merchant; real Amazon with none is refused.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveAmazonPayConfig } from '../../lib/amazon-pay-engine';
import { loadConfig, Secret } from '../../lib/config';
import { loadOrCreateDevMerchant } from '../../simulator/dev-merchant';

const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const stored = { merchantId: 'A2STORED000JP9', storeId: `amzn1.application-oa2-client.${'c'.repeat(32)}`, publicKeyId: 'SANDBOX-ASTOREDKEY00000001', privateKey: new Secret(pem), updatedAt: new Date() };
const env = { AMAZON_PAY_MERCHANT_ID: 'A2ENVIRON00JP9', AMAZON_PAY_STORE_ID: `amzn1.application-oa2-client.${'d'.repeat(32)}`, AMAZON_PAY_PUBLIC_KEY_ID: 'SANDBOX-AENVKEY00000000001', AMAZON_PAY_PRIVATE_KEY: pem };

describe('resolveAmazonPayConfig', () => {
  it('prefers the variables, then the stored credentials, then the dev merchant', () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'merchant-'));
    const dev = loadOrCreateDevMerchant(dataDir);
    expect(resolveAmazonPayConfig(loadConfig({ ...env, DATA_DIR: dataDir }), stored).publicKeyId).toBe(env.AMAZON_PAY_PUBLIC_KEY_ID);
    expect(resolveAmazonPayConfig(loadConfig({ DATA_DIR: dataDir }), stored).publicKeyId).toBe(stored.publicKeyId);
    expect(resolveAmazonPayConfig(loadConfig({ DATA_DIR: dataDir })).publicKeyId).toBe(dev.publicKeyId);
  });

  it('refuses real Amazon Pay without credentials, naming what to set', () => {
    expect(() => resolveAmazonPayConfig(loadConfig({ AMAZON_PAY_ENDPOINT: 'amazon' }))).toThrow(/AMAZON_PAY_PUBLIC_KEY_ID: no Amazon Pay credentials/);
    expect(resolveAmazonPayConfig(loadConfig({ AMAZON_PAY_ENDPOINT: 'amazon' }), stored)).toMatchObject({ endpoint: 'amazon', merchantId: stored.merchantId });
  });
});
