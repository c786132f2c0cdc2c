/**
 * Bearer-key authentication with roles: 401 for a missing, malformed, unknown or revoked key,
 * 403 for a key whose role may not use the route. `editor` may do everything a `viewer` may.
 * A verified key is remembered for 5 s (API_KEY_CACHE_MS): a revoked key stops working within 5 s.
 *
 * Every key acts in one shop (docs/shops.md), and every route reads that shop from the principal, never from the
 * request: a shop's key acts in its own shop (403 `shop_suspended` while it is suspended); a platform key may use the
 * admin routes of the shop its `X-Shop-Id` header names, as an editor. actingShop is that one rule.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { findApiKeyCached, type FoundKey, type Role } from '../lib/api-keys';
import { SHOP_ID_PATTERN } from '../lib/names';
import type { PrismaClient } from '../prisma/generated/client';
import { errorBody } from './errors';

export interface Principal {
  keyId: string;
  role: Role;
  name: string;
  /** The shop the request acts in: the key's own, or for a platform key the one X-Shop-Id names. */
  shopId: string;
}

/** Roles that include others: an editor is also a viewer; a platform key is both in the shop it names. */
const INCLUDES: Record<Role, Role[]> = { editor: ['editor', 'viewer'], viewer: ['viewer'], storefront: ['storefront'], platform: ['platform', 'editor', 'viewer'] };

/** Whether a role may do what an editor may (the console asks this for its forms; the API's routes through requireRole). */
export function canEdit(role: Role): boolean {
  return INCLUDES[role].includes('editor');
}

/** The header a platform key names the shop it acts in with (the console's shop switcher sets it from its session). */
export const SHOP_HEADER = 'x-shop-id';

/**
 * The one rule of which shop a verified key acts in: its own (refused while suspended), or for a platform key the
 * shop it names (which must exist; checked by the caller's `shopExists`). Another shop named by a shop's key is
 * answered as if it did not exist. Returns the shop, or the refusal to send.
 */
export async function actingShop(
  key: FoundKey,
  named: string | undefined,
  shopExists: (shopId: string) => Promise<boolean>,
): Promise<{ shopId: string } | { status: 400 | 403 | 404; code: string; message: string }> {
  if (key.shopId !== null) {
    if (named !== undefined && named !== key.shopId) return { status: 404, code: 'shop_not_found', message: 'No such shop for this key' };
    if (key.shopSuspended) return { status: 403, code: 'shop_suspended', message: 'This shop is suspended; ask the platform to reactivate it' };
    return { shopId: key.shopId };
  }
  if (named === undefined) return { status: 400, code: 'shop_required', message: 'A platform key names the shop it acts in with the X-Shop-Id header' };
  if (!SHOP_ID_PATTERN.test(named) || !(await shopExists(named))) return { status: 404, code: 'shop_not_found', message: `No shop ${named.slice(0, 40)}` };
  return { shopId: named };
}

export function principalOf(res: Response): Principal {
  return res.locals.principal as Principal;
}

/** The shop a request acts in (set by requireRole or the console's session; never taken from the request itself). */
export function shopOf(res: Response): string {
  const shopId = (res.locals.principal as Principal | undefined)?.shopId;
  if (!shopId) throw new Error('shopOf: the route has no authenticated shop (requireRole must run before it)');
  return shopId;
}

const BEARER = /^Bearer\s+([A-Za-z0-9_-]{10,200})\s*$/i;

/** The key a request's Authorization header carries (its shape checked, not the key), or undefined. */
export function bearerToken(req: Request): string | undefined {
  return BEARER.exec(req.get('authorization') ?? '')?.[1];
}

/**
 * Names the verified API key of a request (its id in `res.locals.rateLimitKeyId`) for the per-key rate limit, which
 * runs before the route's requireRole; refuses nothing itself (requireRole answers 401/403). The key is looked up
 * through the same cache as requireRole, so this adds no database read.
 */
export function identifyApiKey(prisma: PrismaClient): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const match = BEARER.exec(req.get('authorization') ?? '');
    if (!match) {
      next();
      return;
    }
    const lookup = findApiKeyCached(prisma, match[1]);
    // requireRole reuses this lookup: an unknown key (never cached) costs one database read, not two.
    res.locals.apiKeyLookup = { token: match[1], lookup };
    lookup
      .then((key) => {
        if (key) res.locals.rateLimitKeyId = key.id;
        next();
      })
      .catch(next);
  };
}

/** Whether a shop exists (one primary-key read; platform requests only). */
export const shopExistsIn = (prisma: PrismaClient) => async (shopId: string) => (await prisma.shop.count({ where: { shopId } })) > 0;

export function requireRole(prisma: PrismaClient, ...allowed: Role[]): RequestHandler {
  const exists = shopExistsIn(prisma);
  return (req: Request, res: Response, next: NextFunction) => {
    const match = BEARER.exec(req.get('authorization') ?? '');
    if (!match) {
      res.status(401).set('www-authenticate', 'Bearer').json(errorBody('unauthorized', 'Send an API key as "Authorization: Bearer <key>"'));
      return;
    }
    const earlier = res.locals.apiKeyLookup as { token: string; lookup: ReturnType<typeof findApiKeyCached> } | undefined;
    (earlier?.token === match[1] ? earlier.lookup : findApiKeyCached(prisma, match[1]))
      .then((key) => {
        if (!key) {
          res.status(401).set('www-authenticate', 'Bearer error="invalid_token"').json(errorBody('unauthorized', 'The API key is unknown or revoked'));
          return;
        }
        if (!INCLUDES[key.role].some((r) => allowed.includes(r))) {
          res.status(403).json(errorBody('forbidden', `A ${key.role} key may not use this endpoint (needs ${allowed.join(' or ')})`));
          return;
        }
        // The platform's own routes (shops) act in no shop.
        if (key.role === 'platform' && allowed.includes('platform')) {
          res.locals.principal = { keyId: key.id, role: key.role, name: key.name, shopId: '' } satisfies Principal;
          next();
          return;
        }
        return actingShop(key, req.get(SHOP_HEADER) ?? undefined, exists).then((shop) => {
          if (!('shopId' in shop)) {
            res.status(shop.status).json(errorBody(shop.code, shop.message));
            return;
          }
          res.locals.principal = { keyId: key.id, role: key.role, name: key.name, shopId: shop.shopId } satisfies Principal;
          next();
        });
      })
      .catch(next);
  };
}
