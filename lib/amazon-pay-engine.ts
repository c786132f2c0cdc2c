/**
 * The engine's Amazon Pay clients, one per shop (docs/shops.md), as the worker and the API build them. A shop signs
 * with the credentials stored in its row. The default shop differs in two ways: the AMAZON_PAY_* variables win over
 * what is stored for it, and with the simulator and nothing configured it signs as the dev merchant that
 * `npm start` / `npm run simulator` keep in DATA_DIR. For the simulator, only its certificate is trusted.
 */
import type { PrismaClient } from '../prisma/generated/client';
import { Secret, type AmazonPayConfig, type Config } from './config';
import { createAmazonPayClient, readSimulatorCa, type WebStoreClient } from './amazon-pay-client';
import { readDevMerchant } from './dev-merchant';
import { adoptLegacyCredentials, MerchantTakenError, readStoredCredentials, type StoredCredentials } from './merchant-credentials';
import { DEFAULT_SHOP_ID } from './names';
import { secretBoxFor, type SecretBox } from './secret-box';
import { ensureDefaultShop } from './shops';

/** What the merchants are resolved from: the AMAZON_PAY_* variables and DATA_DIR (the dev merchant, the simulator's CA). */
export type EngineMerchantConfig = Pick<Config, 'amazonPay' | 'dataDir'>;

/** Whether the AMAZON_PAY_* variables hold the credentials (they then win over the default shop's stored ones). */
export function credentialsFromEnvironment(config: Pick<Config, 'amazonPay'>): boolean {
  const ap = config.amazonPay;
  return Boolean(ap.publicKeyId && ap.privateKey && ap.merchantId && ap.storeId);
}

/** A shop that has no Amazon Pay credentials yet: it can take no payment until they are entered. */
export class ShopNotConfiguredError extends Error {
  readonly code = 'shop_not_configured';
  constructor(readonly shopId: string) {
    super(`Shop ${shopId} has no Amazon Pay credentials yet: enter them in its settings (PUT /api/admin/settings, amazonPay)`);
  }
}

/** The merchant credentials a shop signs with. */
export function resolveAmazonPayConfig(config: EngineMerchantConfig, stored?: StoredCredentials, shopId: string = DEFAULT_SHOP_ID): AmazonPayConfig {
  const ap = config.amazonPay;
  if (shopId === DEFAULT_SHOP_ID && credentialsFromEnvironment(config)) return ap;
  if (stored) {
    return {
      ...ap,
      merchantId: stored.merchantId,
      storeId: stored.storeId,
      publicKeyId: stored.publicKeyId,
      privateKey: stored.privateKey,
      region: stored.region ?? ap.region,
      sandbox: stored.sandbox ?? ap.sandbox,
    };
  }
  if (shopId !== DEFAULT_SHOP_ID) throw new ShopNotConfiguredError(shopId);
  if (ap.endpoint === 'amazon') {
    throw new Error('AMAZON_PAY_PUBLIC_KEY_ID: no Amazon Pay credentials: set AMAZON_PAY_MERCHANT_ID, AMAZON_PAY_STORE_ID, AMAZON_PAY_PUBLIC_KEY_ID and AMAZON_PAY_PRIVATE_KEY, or enter them in the settings (PUT /api/admin/settings)');
  }
  const dev = readDevMerchant(config.dataDir);
  if (!dev) {
    throw new Error(`AMAZON_PAY_PUBLIC_KEY_ID: no merchant configured and no simulator dev merchant in ${config.dataDir}/simulator (start the simulator first, or set the AMAZON_PAY_* variables)`);
  }
  return { ...ap, merchantId: dev.merchantId, storeId: dev.storeId, publicKeyId: dev.publicKeyId, privateKey: new Secret(dev.privateKeyPem) };
}

export function createEngineAmazonPayClient(config: Pick<Config, 'dataDir'>, ap: AmazonPayConfig): WebStoreClient {
  if (ap.endpoint === 'amazon') return createAmazonPayClient(ap);
  const ca = readSimulatorCa(config.dataDir);
  if (!ca) throw new Error(`AMAZON_PAY_ENDPOINT: the simulator's certificate is not in ${config.dataDir}/simulator/tls-cert.pem (start the simulator with the same DATA_DIR)`);
  return createAmazonPayClient(ap, { simulatorCaPem: ca });
}

export interface ShopMerchant {
  shopId: string;
  /** Never log it: it holds the private key (a Secret, which prints as [redacted]). */
  config: AmazonPayConfig;
  client: WebStoreClient;
}

export interface ShopMerchants {
  /** The shop's merchant and a client signing as it; throws ShopNotConfiguredError for a shop without credentials. */
  forShop(shopId: string): Promise<ShopMerchant>;
  /** The shop whose merchant this is (notifications are routed by it); undefined for a merchant of no shop. */
  shopOfMerchant(merchantId: string): Promise<string | undefined>;
  /** Drops what this process keeps of a shop (after it changed the shop's credentials itself). */
  forget(shopId: string): void;
}

/**
 * How long a shop's credentials are used before the shop's row is asked whether they changed. A change made in any
 * process reaches every later Amazon call within this bound, with no restart; one made in this process at once.
 */
export const MERCHANT_REVALIDATE_MS = 1_000;

/**
 * The per-shop merchants of one process. Each shop's client is built once and kept while its row's
 * credentials_updated_at stays the same (asked at most once per MERCHANT_REVALIDATE_MS; concurrent callers share one
 * read). `build` makes a client (tests inject one).
 */
export function createShopMerchants(deps: {
  config: EngineMerchantConfig;
  prisma: PrismaClient;
  box: SecretBox;
  build?: (ap: AmazonPayConfig, shopId: string) => WebStoreClient;
  now?: () => number;
}): ShopMerchants {
  const build = deps.build ?? ((ap) => createEngineAmazonPayClient(deps.config, ap));
  const now = deps.now ?? Date.now;
  interface Entry {
    version: number;
    checkedAt: number;
    merchant: Promise<ShopMerchant>;
  }
  const cache = new Map<string, Entry>();
  const checking = new Map<string, Promise<number | undefined>>();
  /** Merchant id → shop, from the shops' rows (at most one entry per shop's merchant). */
  const shopsByMerchant = new Map<string, { shopId: string; checkedAt: number }>();

  async function versionOf(shopId: string): Promise<number | undefined> {
    const row = await deps.prisma.shop.findUnique({ where: { shopId }, select: { credentialsUpdatedAt: true } });
    if (!row) return undefined;
    return row.credentialsUpdatedAt?.getTime() ?? 0;
  }

  async function load(shopId: string): Promise<ShopMerchant> {
    const stored = await readStoredCredentials(deps.prisma, deps.box, shopId);
    const config = resolveAmazonPayConfig(deps.config, stored, shopId);
    return { shopId, config, client: build(config, shopId) };
  }

  async function forShop(shopId: string): Promise<ShopMerchant> {
    const hit = cache.get(shopId);
    if (hit && now() - hit.checkedAt < MERCHANT_REVALIDATE_MS) return hit.merchant;
    let check = checking.get(shopId);
    if (!check) {
      check = versionOf(shopId).finally(() => checking.delete(shopId));
      checking.set(shopId, check);
    }
    const version = await check;
    if (version === undefined) {
      cache.delete(shopId);
      throw new ShopNotConfiguredError(shopId);
    }
    const current = cache.get(shopId);
    if (current && current.version === version) {
      current.checkedAt = now();
      return current.merchant;
    }
    const merchant = load(shopId);
    const entry: Entry = { version, checkedAt: now(), merchant };
    cache.set(shopId, entry);
    merchant.catch(() => {
      if (cache.get(shopId) === entry) cache.delete(shopId);
    });
    return merchant;
  }

  return {
    forShop,
    async shopOfMerchant(merchantId) {
      // Known merchants are remembered for the same bound as credentials (every notification asks), the default shop's
      // from its variables too; an unknown one is asked each time, so a sender inventing merchant ids fills nothing.
      const known = shopsByMerchant.get(merchantId);
      if (known && now() - known.checkedAt < MERCHANT_REVALIDATE_MS) return known.shopId;
      const row = await deps.prisma.shop.findUnique({ where: { merchantId }, select: { shopId: true } });
      if (row) {
        shopsByMerchant.set(merchantId, { shopId: row.shopId, checkedAt: now() });
        return row.shopId;
      }
      shopsByMerchant.delete(merchantId);
      // The default shop's merchant may come from the variables or the dev merchant, not from its row.
      try {
        const def = await forShop(DEFAULT_SHOP_ID);
        if (def.config.merchantId !== merchantId) return undefined;
        shopsByMerchant.set(merchantId, { shopId: DEFAULT_SHOP_ID, checkedAt: now() });
        return DEFAULT_SHOP_ID;
      } catch {
        return undefined;
      }
    },
    forget(shopId) {
      cache.delete(shopId);
      for (const [merchantId, known] of shopsByMerchant) if (known.shopId === shopId) shopsByMerchant.delete(merchantId);
    },
  };
}

/**
 * Each Amazon Pay merchant is one shop's (notifications are routed by it). The database's unique index guards the
 * merchants stored in shops' rows; the default shop's may instead come from the variables or the dev merchant, which
 * no row holds: another shop entering that one would take the default shop's notifications. Refused here.
 */
export async function assertMerchantOfNoOtherShop(merchants: ShopMerchants, shopId: string, credentials: unknown): Promise<void> {
  if (shopId === DEFAULT_SHOP_ID || typeof credentials !== 'object' || credentials === null) return;
  const { merchantId, publicKeyId } = credentials as { merchantId?: unknown; publicKeyId?: unknown };
  const def = await merchants.forShop(DEFAULT_SHOP_ID).catch(() => undefined);
  if (!def) return;
  if (typeof merchantId === 'string' && merchantId === def.config.merchantId) throw new MerchantTakenError('merchantId');
  // A public key id names the merchant's key pair too (the simulator and Amazon look keys up by it).
  if (typeof publicKeyId === 'string' && publicKeyId === def.config.publicKeyId) throw new MerchantTakenError('publicKeyId');
}

/**
 * The start-up check of the merchants: the default shop's must resolve (a single-shop engine misconfigured says so
 * at start, not at its first checkout), unless other shops have credentials: a platform may leave `default` unused.
 */
export async function checkMerchantsAtStart(merchants: ShopMerchants, prisma: PrismaClient, warn: (message: string) => void): Promise<void> {
  try {
    await merchants.forShop(DEFAULT_SHOP_ID);
  } catch (err) {
    const others = await prisma.shop.count({ where: { shopId: { not: DEFAULT_SHOP_ID }, privateKeySealed: { not: null } } });
    if (others === 0) throw err;
    warn(`the default shop has no Amazon Pay credentials (${err instanceof Error ? err.message : String(err)}); it takes no payment, the other ${others} shop(s) do`);
  }
}

/**
 * What the API and the worker do first about shops: the master key's box (ENGINE_MASTER_KEY, else DATA_DIR's), the
 * default shop made sure of, credentials left plain in `settings` by a single-shop engine moved into it sealed, and
 * this process's per-shop merchants.
 */
export async function startShops(config: Config, prisma: PrismaClient): Promise<{ box: SecretBox; merchants: ShopMerchants }> {
  const box = secretBoxFor({ ...config.events, dataDir: config.dataDir });
  await ensureDefaultShop(prisma);
  await adoptLegacyCredentials(prisma, box);
  return { box, merchants: createShopMerchants({ config, prisma, box }) };
}
