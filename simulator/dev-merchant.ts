// The local sandbox merchant: an RSA key pair and realistic ids made once in <dataDir>/simulator/merchant.json (its
// format is lib/dev-merchant.ts, which the engine reads), and its registration with a running simulator.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { devMerchantFile, readDevMerchant, type DevMerchant } from '../lib/dev-merchant';
import { alnumUpper } from './ids';

export type { DevMerchant };

/** Reads `<dataDir>/simulator/merchant.json`, or creates it (mode 0600) with a fresh RSA-2048 key pair. */
export function loadOrCreateDevMerchant(dataDir: string): DevMerchant {
  const existing = readDevMerchant(dataDir);
  if (existing) return existing;
  const file = devMerchantFile(dataDir);
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const merchant: DevMerchant = {
    merchantId: `A${alnumUpper(13)}`,
    storeId: `amzn1.application-oa2-client.${randomBytes(16).toString('hex')}`,
    publicKeyId: `SANDBOX-${alnumUpper(24)}`,
    privateKeyPem: privateKey,
    publicKeyPem: publicKey,
  };
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(merchant, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return merchant;
}

export interface SimulatorEndpoint {
  baseUrl: string;
  caCertPem: string;
}

/** POSTs JSON to a /__sim endpoint, trusting only the simulator's certificate. */
export function simRequest(sim: SimulatorEndpoint, method: string, pathname: string, body?: unknown): Promise<{ status: number; data: unknown }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      new URL(pathname, sim.baseUrl),
      {
        method,
        ca: sim.caCertPem,
        timeout: 10_000,
        headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let data: unknown = text;
          try {
            data = text === '' ? null : JSON.parse(text);
          } catch {
            /* not JSON: keep the text */
          }
          resolve({ status: res.statusCode ?? 0, data });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`simulator request ${method} ${pathname} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Registers (or updates) the merchant's public key and IPN URL with a running simulator. */
export async function registerMerchant(sim: SimulatorEndpoint, merchant: Omit<DevMerchant, 'privateKeyPem'>, notificationUrl?: string, options?: { ipnSignatureVersion?: '1' | '2'; region?: 'na' | 'eu' | 'jp' }): Promise<void> {
  const res = await simRequest(sim, 'POST', '/__sim/merchants', {
    merchantId: merchant.merchantId,
    storeId: merchant.storeId,
    publicKeyId: merchant.publicKeyId,
    publicKeyPem: merchant.publicKeyPem,
    ...(notificationUrl === undefined ? {} : { notificationUrl }),
    ...(options ?? {}),
  });
  if (res.status !== 201) throw new Error(`registering merchant ${merchant.merchantId} with the simulator failed: HTTP ${res.status} ${JSON.stringify(res.data)}`);
}
