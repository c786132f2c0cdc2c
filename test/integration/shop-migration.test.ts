/**
 * A single-shop database becomes the default shop (docs/shops.md): its orders, keys, settings, events and
 * endpoints are the default shop's, its plain credentials in `settings` are moved into the shop's row sealed at the
 * first start, and nothing plain is left. `npm run reencrypt` seals every secret again under a new master key
 * while the old one still opens (ENGINE_MASTER_KEY_PREVIOUS), and a secret under a key neither opens stops it with
 * nothing written.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createShopMerchants } from '../../lib/amazon-pay-engine';
import { Secret } from '../../lib/config';
import { createPrismaClient } from '../../lib/database';
import { adoptLegacyCredentials, readStoredCredentials } from '../../lib/merchant-credentials';
import { applyMigrations, readMigrations } from '../../lib/migrate';
import { createSecretBox } from '../../lib/secret-box';
import { reencryptSecrets } from '../../lib/shops';
import { createEmptyDatabase } from '../helpers/database';

const pem = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

describe('the shops migration', () => {
  it("puts a single-shop engine's data in the default shop and moves its plain credentials into it, sealed", async () => {
    const empty = await createEmptyDatabase();
    const key = pem();
    try {
      const all = readMigrations();
      const at = all.findIndex((m) => m.name === '20261204000000_shops');
      await applyMigrations(empty.url, undefined, all.slice(0, at));
      const db = new Client({ connectionString: empty.url });
      await db.connect();
      try {
        // What a single-shop engine had: an order with its history, a key, settings, and the credentials in plain JSON.
        await db.query(`INSERT INTO orders (order_id, workflow_id, currency, amount, updated_at) VALUES ('1001', 'order-1001', 'JPY', 1200, now())`);
        await db.query(`INSERT INTO payment_history (order_id, kind, result, dedupe_key) VALUES ('1001', 'authorize', 'OK', 'k-1')`);
        await db.query(`INSERT INTO api_keys (id, name, key_prefix, key_hash, role) VALUES (gen_random_uuid(), 'old editor', 'apk_ed_x', 'hash-1', 'editor')`);
        await db.query(`INSERT INTO settings (key, value, updated_at) VALUES ('shop', '{"merchantStoreName": "Old shop"}', now())`);
        const creds = { merchantId: 'A1OLDMERCHANT1', storeId: `amzn1.application-oa2-client.${'a'.repeat(32)}`, publicKeyId: 'SANDBOX-OLDKEY00001', privateKeyPem: key };
        await db.query(`INSERT INTO settings (key, value, updated_at) VALUES ('amazonPayCredentials', $1::jsonb, now())`, [JSON.stringify(creds)]);

        await applyMigrations(empty.url, undefined, all);
        expect((await db.query(`SELECT shop_id, order_id, workflow_id FROM orders`)).rows).toEqual([{ shop_id: 'default', order_id: '1001', workflow_id: 'order-1001' }]);
        expect((await db.query(`SELECT shop_id FROM payment_history`)).rows).toEqual([{ shop_id: 'default' }]);
        expect((await db.query(`SELECT shop_id, role FROM api_keys`)).rows).toEqual([{ shop_id: 'default', role: 'editor' }]);
        // The same order id is free in another shop, and taken in the default one.
        await db.query(`INSERT INTO shops (shop_id, name, updated_at) VALUES ('other', 'Other', now())`);
        await db.query(`INSERT INTO orders (shop_id, order_id, workflow_id, currency, amount, updated_at) VALUES ('other', '1001', 'other/order-1001', 'JPY', 1, now())`);
        await expect(db.query(`INSERT INTO orders (shop_id, order_id, workflow_id, currency, amount, updated_at) VALUES ('default', '1001', 'x', 'JPY', 1, now())`)).rejects.toThrow(/orders_pkey/);
        // A platform key has no shop; a shop's key has one.
        await expect(db.query(`INSERT INTO api_keys (id, name, key_prefix, key_hash, role, shop_id) VALUES (gen_random_uuid(), 'p', 'p', 'h2', 'platform', 'default')`)).rejects.toThrow(/api_keys_shop/);
        await expect(db.query(`INSERT INTO api_keys (id, name, key_prefix, key_hash, role) VALUES (gen_random_uuid(), 'v', 'v', 'h3', 'viewer')`)).rejects.toThrow(/api_keys_shop/);
      } finally {
        await db.end();
      }

      // The first start seals the plain credentials into the default shop and drops the plain row.
      const prisma = createPrismaClient(empty.url, { max: 2 });
      try {
        const box = createSecretBox(randomBytes(32));
        expect(await adoptLegacyCredentials(prisma, box)).toBe(true);
        expect(await adoptLegacyCredentials(prisma, box)).toBe(false);
        const dump = JSON.stringify(await prisma.$queryRaw`SELECT * FROM settings`) + JSON.stringify(await prisma.$queryRaw`SELECT * FROM shops`);
        expect(dump).not.toContain('PRIVATE KEY');
        expect(dump).not.toContain(key.split('\n')[1]);
        const stored = await readStoredCredentials(prisma, box, 'default');
        expect(stored).toMatchObject({ merchantId: 'A1OLDMERCHANT1', publicKeyId: 'SANDBOX-OLDKEY00001' });
        expect(stored?.privateKey.reveal().trim()).toBe(key.trim());
        // The default shop now signs as it (no variables set; not the simulator's dev merchant).
        const merchants = createShopMerchants({ config: { dataDir: '/nonexistent', amazonPay: { endpoint: 'amazon', simulatorAddress: '', region: 'jp', sandbox: true, algorithm: 'AMZN-PAY-RSASSA-PSS-V2' } }, prisma, box, build: () => ({}) as never });
        expect((await merchants.forShop('default')).config.merchantId).toBe('A1OLDMERCHANT1');
        await expect(merchants.forShop('other')).rejects.toMatchObject({ code: 'shop_not_configured' });
        await expect(merchants.forShop('no-such-shop')).rejects.toMatchObject({ code: 'shop_not_configured' });
        expect(await merchants.shopOfMerchant('A1OLDMERCHANT1')).toBe('default');
        expect(await merchants.shopOfMerchant('A9SOMEONEELSE')).toBeUndefined();
      } finally {
        await prisma.$disconnect();
      }
    } finally {
      await empty.drop();
    }
  }, 60_000);
});

describe('npm run reencrypt', () => {
  it('seals every secret again under the new master key while the old one still opens, once', async () => {
    const empty = await createEmptyDatabase();
    try {
      await applyMigrations(empty.url);
      const prisma = createPrismaClient(empty.url, { max: 2 });
      try {
        const oldKey = randomBytes(32);
        const newKey = randomBytes(32);
        const old = createSecretBox(oldKey);
        const key = pem();
        await prisma.shop.update({ where: { shopId: 'default' }, data: { merchantId: 'A1SHOPMERCHANT', storeId: 's', publicKeyId: 'SANDBOX-K1', privateKeySealed: old.seal(key), credentialsUpdatedAt: new Date() } });
        await prisma.eventEndpoint.create({ data: { shopId: 'default', url: 'https://shop.example/e', source: 'api', secretSealed: old.seal('whsec_one'), previousSecretSealed: old.seal('whsec_zero'), previousSecretExpiresAt: new Date(Date.now() + 60_000) } });

        // Only the new key: nothing opens, nothing is written.
        await expect(reencryptSecrets(prisma, createSecretBox(newKey))).rejects.toThrow(/ENGINE_MASTER_KEY_PREVIOUS/);
        expect(old.open((await prisma.shop.findUniqueOrThrow({ where: { shopId: 'default' } })).privateKeySealed!)).toBe(key);

        const rolling = createSecretBox(newKey, [oldKey]);
        expect(await reencryptSecrets(prisma, rolling)).toEqual({ shops: 1, endpointSecrets: 2 });
        expect(await reencryptSecrets(prisma, rolling)).toEqual({ shops: 0, endpointSecrets: 0 });
        // Now the new key alone opens everything, and the old one nothing.
        const fresh = createSecretBox(newKey);
        const shop = await prisma.shop.findUniqueOrThrow({ where: { shopId: 'default' } });
        expect(fresh.open(shop.privateKeySealed!)).toBe(key);
        expect(() => old.open(shop.privateKeySealed!)).toThrow();
        const ep = await prisma.eventEndpoint.findFirstOrThrow();
        expect([fresh.open(ep.secretSealed!), fresh.open(ep.previousSecretSealed!)]).toEqual(['whsec_one', 'whsec_zero']);
        expect((await readStoredCredentials(prisma, fresh, 'default'))?.privateKey).toBeInstanceOf(Secret);
      } finally {
        await prisma.$disconnect();
      }
    } finally {
      await empty.drop();
    }
  }, 60_000);
});
