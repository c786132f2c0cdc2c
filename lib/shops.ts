/**
 * Shops (docs/shops.md): the unit of tenancy. The platform creates, lists and suspends them; each has its own Amazon
 * Pay merchant (lib/merchant-credentials.ts), settings, keys and data. `npm start` and every process make sure the
 * default shop exists (the migration made it too), so a single-shop engine needs no shop anywhere.
 */
import { z } from 'zod';
import type { PrismaClient } from '../prisma/generated/client';
import { credentialsInputSchema, writeCredentials, type CredentialsInput } from './merchant-credentials';
import { DEFAULT_SHOP_ID, SHOP_ID_PATTERN } from './names';
import type { SecretBox } from './secret-box';

export const SHOP_STATUSES = ['active', 'suspended'] as const;
export type ShopStatus = (typeof SHOP_STATUSES)[number];

export const shopIdSchema = z.string().regex(SHOP_ID_PATTERN, 'expected a shop id: 1-32 lower-case letters, digits and dashes, starting with a letter or digit').describe('The shop id');

export const createShopSchema = z.strictObject({
  shopId: shopIdSchema,
  name: z.string().trim().min(1).max(100),
  /** The shop's Amazon Pay merchant; it may be entered later on its settings screen. */
  amazonPay: credentialsInputSchema.optional(),
});

export interface ShopView {
  shopId: string;
  name: string;
  status: ShopStatus;
  /** The merchant's ids (never the private key); null until credentials are entered. */
  merchant: { merchantId: string; storeId: string; publicKeyId: string; region: string | null; sandbox: boolean | null; updatedAt: Date | null } | null;
  createdAt: Date;
  updatedAt: Date;
}

type ShopRow = NonNullable<Awaited<ReturnType<PrismaClient['shop']['findUnique']>>>;

export function shopView(row: ShopRow): ShopView {
  return {
    shopId: row.shopId,
    name: row.name,
    status: row.status,
    merchant:
      row.merchantId && row.storeId && row.publicKeyId
        ? { merchantId: row.merchantId, storeId: row.storeId, publicKeyId: row.publicKeyId, region: row.region, sandbox: row.sandbox, updatedAt: row.credentialsUpdatedAt }
        : null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** Makes the default shop if it is missing (a fresh database got it from the migration; this is for one restored without). */
export async function ensureDefaultShop(prisma: PrismaClient): Promise<void> {
  await prisma.$executeRaw`INSERT INTO shops (shop_id, name, updated_at) VALUES (${DEFAULT_SHOP_ID}, 'Default shop', now()) ON CONFLICT (shop_id) DO NOTHING`;
}

export class ShopExistsError extends Error {
  constructor(shopId: string) {
    super(`A shop with id ${shopId} already exists`);
  }
}

/** Creates a shop (and its credentials, sealed) in one transaction; a taken id or merchant changes nothing. */
export async function createShop(prisma: PrismaClient, box: SecretBox, input: { shopId: string; name: string; amazonPay?: CredentialsInput }): Promise<ShopView> {
  return prisma.$transaction(async (tx) => {
    const inserted = await tx.$executeRaw`INSERT INTO shops (shop_id, name, updated_at) VALUES (${input.shopId}, ${input.name}, now()) ON CONFLICT (shop_id) DO NOTHING`;
    if (inserted === 0) throw new ShopExistsError(input.shopId);
    if (input.amazonPay) await writeCredentials(tx, box, input.shopId, input.amazonPay);
    return shopView((await tx.shop.findUnique({ where: { shopId: input.shopId } }))!);
  });
}

/** The shops, oldest first; only those of one status, and at most `limit`, when asked. */
export async function listShops(prisma: Pick<PrismaClient, 'shop'>, opts: { status?: ShopStatus; limit?: number } = {}): Promise<ShopView[]> {
  return (await prisma.shop.findMany({ ...(opts.status ? { where: { status: opts.status } } : {}), orderBy: { createdAt: 'asc' }, ...(opts.limit !== undefined ? { take: opts.limit } : {}) })).map(shopView);
}

export async function readShop(prisma: Pick<PrismaClient, 'shop'>, shopId: string): Promise<ShopView | undefined> {
  const row = await prisma.shop.findUnique({ where: { shopId } });
  return row ? shopView(row) : undefined;
}

/** Suspends or reactivates a shop; undefined when there is no such shop. */
export async function setShopStatus(prisma: PrismaClient, shopId: string, status: ShopStatus): Promise<ShopView | undefined> {
  const result = await prisma.shop.updateMany({ where: { shopId }, data: { status } });
  return result.count === 0 ? undefined : readShop(prisma, shopId);
}

/**
 * Seals every stored secret again under the box's master key (docs/shops.md, Secrets): each shop's private key and
 * each event endpoint's secrets. A secret already under that key is left as it is, so running it twice changes
 * nothing; one the box cannot open (a key neither ENGINE_MASTER_KEY nor ENGINE_MASTER_KEY_PREVIOUS) stops it with
 * nothing written. One transaction, the rows locked: a secret entered meanwhile waits for it.
 */
export async function reencryptSecrets(prisma: PrismaClient, box: SecretBox): Promise<{ shops: number; endpointSecrets: number }> {
  const again = (sealed: string | null): string | null | undefined => (sealed === null || !box.sealedUnderOtherKey(sealed) ? undefined : box.seal(box.open(sealed)));
  return prisma.$transaction(
    async (tx) => {
      let shops = 0;
      let endpointSecrets = 0;
      await tx.$queryRaw`SELECT shop_id FROM shops WHERE private_key_sealed IS NOT NULL FOR UPDATE`;
      for (const row of await tx.shop.findMany({ where: { privateKeySealed: { not: null } }, select: { shopId: true, privateKeySealed: true } })) {
        const next = again(row.privateKeySealed);
        if (next === undefined) continue;
        await tx.shop.update({ where: { shopId: row.shopId }, data: { privateKeySealed: next } });
        shops += 1;
      }
      await tx.$queryRaw`SELECT id FROM event_endpoints WHERE secret_sealed IS NOT NULL OR previous_secret_sealed IS NOT NULL FOR UPDATE`;
      for (const row of await tx.eventEndpoint.findMany({ where: { OR: [{ secretSealed: { not: null } }, { previousSecretSealed: { not: null } }] }, select: { id: true, secretSealed: true, previousSecretSealed: true } })) {
        const secret = again(row.secretSealed);
        const previous = again(row.previousSecretSealed);
        if (secret === undefined && previous === undefined) continue;
        await tx.eventEndpoint.update({ where: { id: row.id }, data: { ...(secret !== undefined ? { secretSealed: secret } : {}), ...(previous !== undefined ? { previousSecretSealed: previous } : {}) } });
        endpointSecrets += (secret !== undefined ? 1 : 0) + (previous !== undefined ? 1 : 0);
      }
      return { shops, endpointSecrets };
    },
    { maxWait: 15_000, timeout: 120_000 },
  );
}
