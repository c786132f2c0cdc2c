// The local sandbox merchant: an RSA key pair and realistic ids made once in <dataDir>/simulator/merchant.json (its
// format is lib/dev-merchant.ts, which the engine reads), and its registration with a running simulator.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { devMerchantFile, generateMerchant, readDevMerchant, type DevMerchant } from '../lib/dev-merchant';

export type { DevMerchant };

/** Reads `<dataDir>/simulator/merchant.json`, or creates it (mode 0600) with a fresh RSA-2048 key pair. */
export function loadOrCreateDevMerchant(dataDir: string): DevMerchant {
  const existing = readDevMerchant(dataDir);
  if (existing) return existing;
  const file = devMerchantFile(dataDir);
  const merchant = generateMerchant();
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(merchant, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return merchant;
}

export { generateMerchant, registerMerchant, simRequest, type SimulatorEndpoint } from '../lib/dev-merchant';
