/**
 * A shop's Amazon Pay credentials (docs/shops.md): merchant id, store id, public key id, private key, region and
 * sandbox, kept in the shop's row with the private key sealed under the master key (lib/secret-box.ts). The key is
 * write-only: no API returns it and no log shows it; a database dump alone does not reveal it. The default shop's
 * AMAZON_PAY_* variables take precedence over what is stored for it (lib/shop-merchants.ts).
 */
import { createPrivateKey } from 'node:crypto';
import { z } from 'zod';
import type { PrismaClient } from '../prisma/generated/client';
import { Secret, type Region } from './config';
import { DEFAULT_SHOP_ID } from './names';
import type { SecretBox } from './secret-box';

export const credentialsInputSchema = z.strictObject({
  merchantId: z.string().regex(/^[A-Z0-9]{8,20}$/, 'expected a merchant (seller) id such as A1B2C3D4E5F6G7'),
  storeId: z.string().regex(/^amzn1\.application-oa2-client\.[0-9a-f]{32}$/, 'expected a store id like amzn1.application-oa2-client.<32 hex>'),
  publicKeyId: z.string().regex(/^[A-Za-z0-9-]{10,64}$/, 'expected a public key id such as SANDBOX-AEXAMPLE…'),
  privateKey: z
    .string()
    .max(10_000)
    .transform((v) => v.replace(/\\n/g, '\n').trim())
    .refine((pem) => {
      try {
        createPrivateKey(pem);
        return true;
      } catch {
        return false;
      }
    }, 'expected a PEM private key (-----BEGIN PRIVATE KEY-----…); the value is not shown'),
  /** jp, eu or na; absent: AMAZON_PAY_REGION. */
  region: z.enum(['jp', 'eu', 'na']).optional(),
  /** Absent: AMAZON_PAY_SANDBOX. */
  sandbox: z.boolean().optional(),
});
export type CredentialsInput = z.infer<typeof credentialsInputSchema>;

export interface StoredCredentials {
  merchantId: string;
  storeId: string;
  publicKeyId: string;
  privateKey: Secret;
  region?: Region;
  sandbox?: boolean;
  updatedAt: Date;
}

/** A Prisma client or the transaction client `prisma.$transaction` hands its callback. */
type Db = Pick<PrismaClient, 'shop' | '$executeRaw'>;

/** The shop's stored credentials, the private key opened; undefined when it has none. */
export async function readStoredCredentials(prisma: Pick<PrismaClient, 'shop'>, box: SecretBox, shopId: string): Promise<StoredCredentials | undefined> {
  const row = await prisma.shop.findUnique({ where: { shopId } });
  if (!row?.merchantId || !row.storeId || !row.publicKeyId || !row.privateKeySealed) return undefined;
  return {
    merchantId: row.merchantId,
    storeId: row.storeId,
    publicKeyId: row.publicKeyId,
    privateKey: new Secret(box.open(row.privateKeySealed)),
    ...(row.region ? { region: row.region as Region } : {}),
    ...(row.sandbox !== null ? { sandbox: row.sandbox } : {}),
    updatedAt: row.credentialsUpdatedAt ?? row.updatedAt,
  };
}

/** Every shop's stored credentials, by shop (the private keys opened: for the local simulator's registration only). */
export async function readAllStoredCredentials(prisma: Pick<PrismaClient, 'shop'>, box: SecretBox): Promise<Map<string, StoredCredentials>> {
  const rows = await prisma.shop.findMany({ where: { privateKeySealed: { not: null } }, select: { shopId: true }, orderBy: { createdAt: 'asc' } });
  const out = new Map<string, StoredCredentials>();
  for (const { shopId } of rows) {
    const c = await readStoredCredentials(prisma, box, shopId);
    if (c) out.set(shopId, c);
  }
  return out;
}

/** A merchant id or public key id another shop already has (the unique indexes refuse it; this names it). */
export class MerchantTakenError extends Error {
  constructor(readonly field: 'merchantId' | 'publicKeyId') {
    super(`This ${field === 'merchantId' ? 'merchant id' : 'public key id'} belongs to another shop: each Amazon Pay merchant is one shop's`);
  }
}

/** Stores validated credentials in the shop's row, the private key sealed. */
export async function writeCredentials(db: Db, box: SecretBox, shopId: string, input: CredentialsInput): Promise<void> {
  try {
    await db.shop.update({
      where: { shopId },
      data: {
        merchantId: input.merchantId,
        storeId: input.storeId,
        publicKeyId: input.publicKeyId,
        privateKeySealed: box.seal(input.privateKey),
        region: input.region ?? null,
        sandbox: input.sandbox ?? null,
        credentialsUpdatedAt: new Date(),
      },
    });
  } catch (err) {
    const target = (err as { code?: string; meta?: { target?: unknown } }).code === 'P2002' ? String((err as { meta?: { target?: unknown } }).meta?.target ?? '') : undefined;
    if (target !== undefined) throw new MerchantTakenError(/public_key|publicKey/.test(target) ? 'publicKeyId' : 'merchantId');
    throw err;
  }
}

const legacySchema = z.object({ merchantId: z.string(), storeId: z.string(), publicKeyId: z.string(), privateKeyPem: z.string() });
const LEGACY_KEY = 'amazonPayCredentials';

/**
 * Before shops, credentials entered on the settings screen sat in `settings` as plain JSON. The first process to start
 * moves them into the default shop's row, sealed, and deletes the plain row, in one transaction (the database refuses
 * any new settings row holding a PEM). Returns whether it moved anything.
 */
export async function adoptLegacyCredentials(prisma: PrismaClient, box: SecretBox): Promise<boolean> {
  return prisma.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ value: unknown }[]>`SELECT value FROM settings WHERE shop_id = ${DEFAULT_SHOP_ID} AND key = ${LEGACY_KEY} FOR UPDATE`;
    if (rows.length === 0) return false;
    const parsed = legacySchema.safeParse(rows[0].value);
    if (parsed.success) {
      const shop = await tx.shop.findUnique({ where: { shopId: DEFAULT_SHOP_ID } });
      // Credentials entered since (sealed already) win over the old plain ones.
      if (!shop?.privateKeySealed) {
        const { privateKeyPem, ...ids } = parsed.data;
        await writeCredentials(tx, box, DEFAULT_SHOP_ID, { ...ids, privateKey: privateKeyPem });
      }
    }
    await tx.$executeRaw`DELETE FROM settings WHERE shop_id = ${DEFAULT_SHOP_ID} AND key = ${LEGACY_KEY}`;
    return true;
  });
}
