// The local sandbox merchant's file, <dataDir>/simulator/merchant.json: its shape, where it is, and reading it. The
// simulator creates it (simulator/dev-merchant.ts); the engine reads it to sign as that merchant when no other
// credentials are configured (lib/amazon-pay-engine.ts). The engine never imports the simulator.
import { existsSync, readFileSync } from 'node:fs';
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
