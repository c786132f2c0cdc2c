/**
 * Which shop a notification's merchant is (lib/amazon-pay-engine.ts shopOfMerchant), on a real database: the default
 * shop's merchant from the AMAZON_PAY_* variables is remembered like a shop row's, for MERCHANT_REVALIDATE_MS, so a
 * single-shop engine's every notification does not ask the database again; an invented merchant id is asked each
 * time and remembered never; forgetting the default shop (its credentials changed) asks again.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createShopMerchants, MERCHANT_REVALIDATE_MS } from '../../lib/amazon-pay-engine';
import { Secret } from '../../lib/config';
import { createPrismaClient, type PrismaClient } from '../../lib/database';
import { applyMigrations } from '../../lib/migrate';
import { createSecretBox } from '../../lib/secret-box';
import { createEmptyDatabase } from '../helpers/database';

/** The prisma client with its shop lookups by merchant id counted. */
function countingLookups(prisma: PrismaClient): { prisma: PrismaClient; lookups: () => number } {
  let n = 0;
  const shop = new Proxy(prisma.shop, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (prop !== 'findUnique' || typeof v !== 'function') return v;
      return (args: { where: { merchantId?: string } }) => {
        if (args.where.merchantId !== undefined) n += 1;
        return (v as (a: unknown) => unknown).call(target, args);
      };
    },
  });
  return { prisma: new Proxy(prisma, { get: (t, p, r) => (p === 'shop' ? shop : Reflect.get(t, p, r)) }), lookups: () => n };
}

test("the default shop's merchant from its variables is remembered like a row's; an invented one never", async () => {
  const empty = await createEmptyDatabase();
  const base = createPrismaClient(empty.url, { max: 2 });
  try {
    await applyMigrations(empty.url);
    const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const { prisma, lookups } = countingLookups(base);
    let clock = 1_000_000;
    const merchants = createShopMerchants({
      config: { dataDir: '/nonexistent', amazonPay: { endpoint: 'amazon', simulatorAddress: '', region: 'jp', sandbox: true, algorithm: 'AMZN-PAY-RSASSA-PSS-V2', merchantId: 'A1ENVMERCHANT', storeId: 'amzn1.application-oa2-client.env', publicKeyId: 'SANDBOX-ENVKEY00001', privateKey: new Secret(key) } },
      prisma,
      box: createSecretBox(randomBytes(32)),
      build: () => ({}) as never,
      now: () => clock,
    });
    expect(await merchants.shopOfMerchant('A1ENVMERCHANT')).toBe('default');
    expect(lookups()).toBe(1);
    // Within the bound: answered without the database.
    clock += MERCHANT_REVALIDATE_MS - 1;
    expect(await merchants.shopOfMerchant('A1ENVMERCHANT')).toBe('default');
    expect(lookups()).toBe(1);
    // Past it: asked again (a shop row that took this merchant id would now be found first).
    clock += 2;
    expect(await merchants.shopOfMerchant('A1ENVMERCHANT')).toBe('default');
    expect(lookups()).toBe(2);
    // The default shop forgotten (its credentials changed): asked again at once.
    merchants.forget('default');
    expect(await merchants.shopOfMerchant('A1ENVMERCHANT')).toBe('default');
    expect(lookups()).toBe(3);
    // A merchant id nobody has is asked every time and fills nothing.
    for (let i = 0; i < 3; i++) expect(await merchants.shopOfMerchant('A9INVENTED')).toBeUndefined();
    expect(lookups()).toBe(6);
  } finally {
    await base.$disconnect();
    await empty.drop();
  }
}, 60_000);
