/**
 * Amazon Pay credentials entered on the settings screen (docs/product-rules.md, Settings): stored in the settings table,
 * the private key write-only (never returned by any API, never logged). Variables
 * (AMAZON_PAY_*) take precedence; stored credentials are used by the worker and the API from
 * their next start.
 */
import { createPrivateKey } from 'node:crypto';
import { z } from 'zod';
import type { PrismaClient } from '../prisma/generated/client';
import { Secret } from './config';

const KEY = 'amazonPayCredentials';

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
});
export type CredentialsInput = z.infer<typeof credentialsInputSchema>;

export interface StoredCredentials {
  merchantId: string;
  storeId: string;
  publicKeyId: string;
  privateKey: Secret;
  updatedAt: Date;
}

const storedSchema = z.object({ merchantId: z.string(), storeId: z.string(), publicKeyId: z.string(), privateKeyPem: z.string() });

export async function readStoredCredentials(prisma: PrismaClient): Promise<StoredCredentials | undefined> {
  const row = await prisma.setting.findUnique({ where: { key: KEY } });
  const parsed = storedSchema.safeParse(row?.value);
  if (!row || !parsed.success) return undefined;
  const { privateKeyPem, ...ids } = parsed.data;
  return { ...ids, privateKey: new Secret(privateKeyPem), updatedAt: row.updatedAt };
}

/** A Prisma client or the transaction client `prisma.$transaction` hands its callback. */
type Db = Pick<PrismaClient, 'setting'>;

/** Stores validated credentials; lib/settings.ts calls it inside the settings update's transaction. */
export async function writeCredentials(db: Db, input: CredentialsInput): Promise<void> {
  const value = { merchantId: input.merchantId, storeId: input.storeId, publicKeyId: input.publicKeyId, privateKeyPem: input.privateKey };
  await db.setting.upsert({ where: { key: KEY }, create: { key: KEY, value }, update: { value } });
}
