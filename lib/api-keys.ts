/**
 * API keys: random 256-bit secrets shown once at creation and stored only as a SHA-256 hash (a
 * slow password hash adds nothing for keys of this entropy and would cost every request). Each
 * key has a role: `storefront` (checkout endpoints), `viewer` (read admin), `editor` (viewer plus
 * money-moving admin actions and settings), each of one shop (docs/shops.md); or `platform` (the platform's operator:
 * shops, and any shop's admin when it names the shop), of no shop.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { PrismaClient } from '../prisma/generated/client';
import { DEFAULT_SHOP_ID } from './names';

export const SHOP_ROLES = ['storefront', 'viewer', 'editor'] as const;
export const ROLES = [...SHOP_ROLES, 'platform'] as const;
export type Role = (typeof ROLES)[number];
export type ShopRole = (typeof SHOP_ROLES)[number];

export interface CreatedKey {
  id: string;
  name: string;
  role: Role;
  /** The key's shop; null for a platform key. */
  shopId: string | null;
  prefix: string;
  /** The key itself: returned once, never stored. */
  key: string;
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A key of a shop (shopId), or of the platform (role `platform`, shopId null): the database refuses any other pairing. */
export async function createApiKey(prisma: Pick<PrismaClient, 'apiKey'>, role: Role, name: string, shopId: string | null = role === 'platform' ? null : DEFAULT_SHOP_ID): Promise<CreatedKey> {
  const secret = randomBytes(32).toString('base64url');
  const key = `apk_${role.slice(0, 2)}_${secret}`;
  const prefix = key.slice(0, 12);
  const row = await prisma.apiKey.create({ data: { name, role, keyPrefix: prefix, keyHash: hashKey(key), shopId } });
  return { id: row.id, name, role, shopId, prefix, key };
}

export interface ApiKeyInfo {
  id: string;
  name: string;
  role: Role;
  shopId: string | null;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** The keys of one shop (`shopId`), of the platform (null), or every key (undefined). */
export async function listApiKeys(prisma: PrismaClient, shopId?: string | null): Promise<ApiKeyInfo[]> {
  const rows = await prisma.apiKey.findMany({ where: shopId === undefined ? {} : { shopId }, orderBy: { createdAt: 'asc' } });
  return rows.map((r) => ({ id: r.id, name: r.name, role: r.role, shopId: r.shopId, prefix: r.keyPrefix, createdAt: r.createdAt, lastUsedAt: r.lastUsedAt, revokedAt: r.revokedAt }));
}

/** Revokes by id or by the printed prefix (only among `shopId`'s keys when given); returns how many keys were revoked. */
export async function revokeApiKey(prisma: PrismaClient, idOrPrefix: string, shopId?: string): Promise<number> {
  const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrPrefix);
  const where = isUuid ? { id: idOrPrefix } : { keyPrefix: idOrPrefix };
  const result = await prisma.apiKey.updateMany({ where: { ...where, ...(shopId !== undefined ? { shopId } : {}), revokedAt: null }, data: { revokedAt: new Date() } });
  return result.count;
}

/** A verified key: its id, role, name, shop (null: the platform's) and whether that shop is suspended. */
export interface FoundKey {
  id: string;
  role: Role;
  name: string;
  shopId: string | null;
  shopSuspended: boolean;
}

/** The active key, or undefined for an unknown or revoked key. */
export async function findApiKey(prisma: PrismaClient, key: string): Promise<FoundKey | undefined> {
  const row = await prisma.apiKey.findUnique({ where: { keyHash: hashKey(key) }, include: { shop: { select: { status: true } } } });
  if (!row || row.revokedAt) return undefined;
  return { id: row.id, role: row.role, name: row.name, shopId: row.shopId, shopSuspended: row.shop?.status === 'suspended' };
}

/**
 * How long a verified key is remembered by the process that checked it (checkout start, admin calls: one database
 * read saved per request). A key revoked, or a shop suspended, meanwhile keeps working for at most this long in a
 * process that saw it just before; unknown and revoked keys are never remembered, so a revoked key is refused at once by a process
 * that had not used it in the last 5 s.
 */
export const API_KEY_CACHE_MS = 5_000;
const CACHE_MAX_KEYS = 1_000;
const keyCache = new WeakMap<PrismaClient, Map<string, { key: FoundKey; until: number }>>();

/** findApiKey with the short in-process cache above. */
export async function findApiKeyCached(prisma: PrismaClient, key: string, now = Date.now()): Promise<FoundKey | undefined> {
  let cache = keyCache.get(prisma);
  if (!cache) keyCache.set(prisma, (cache = new Map()));
  const hash = hashKey(key);
  const hit = cache.get(hash);
  if (hit && hit.until > now) return hit.key;
  cache.delete(hash);
  const found = await findApiKey(prisma, key);
  if (found) {
    if (cache.size >= CACHE_MAX_KEYS) cache.delete(cache.keys().next().value as string);
    cache.set(hash, { key: found, until: now + API_KEY_CACHE_MS });
  }
  return found;
}
