// The local sandbox merchant's file, <dataDir>/simulator/merchant.json: its shape, where it is, and reading it. The
// simulator creates it (simulator/dev-merchant.ts); the engine reads it to sign as that merchant when no other
// credentials are configured (lib/amazon-pay-engine.ts). A new sandbox merchant (another shop's, docs/shops.md) is
// made and registered over the simulator's /__sim API: the engine never imports the simulator.
import { generateKeyPairSync, randomBytes, randomInt } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';

export interface DevMerchant {
  merchantId: string;
  storeId: string;
  publicKeyId: string;
  privateKeyPem: string;
  publicKeyPem: string;
}

function isDevMerchant(v: unknown): v is DevMerchant {
  if (v === null || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return ['merchantId', 'storeId', 'publicKeyId', 'privateKeyPem', 'publicKeyPem'].every((k) => typeof o[k] === 'string');
}

export function devMerchantFile(dataDir: string): string {
  return path.join(path.resolve(dataDir), 'simulator', 'merchant.json');
}

/** The merchant in `<dataDir>/simulator/merchant.json`, or undefined when there is no such file. */
export function readDevMerchant(dataDir: string): DevMerchant | undefined {
  const file = devMerchantFile(dataDir);
  if (!existsSync(file)) return undefined;
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (isDevMerchant(parsed)) return parsed;
  throw new Error(`${file} is not a simulator merchant file; delete it to generate a new one`);
}

/** `n` upper-case letters and digits, as Amazon's merchant and key ids are made of. */
export function alnumUpper(n: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let out = '';
  for (let i = 0; i < n; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** A new sandbox merchant: realistic ids and a fresh RSA-2048 key pair (what Seller Central would hand a shop). */
export function generateMerchant(): DevMerchant {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return {
    merchantId: `A${alnumUpper(13)}`,
    storeId: `amzn1.application-oa2-client.${randomBytes(16).toString('hex')}`,
    publicKeyId: `SANDBOX-${alnumUpper(24)}`,
    privateKeyPem: privateKey,
    publicKeyPem: publicKey,
  };
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
