/**
 * Bearer-key authentication with roles: 401 for a missing, malformed, unknown or revoked key,
 * 403 for a key whose role may not use the route. `editor` may do everything a `viewer` may.
 * A verified key is remembered for 5 s (API_KEY_CACHE_MS): a revoked key stops working within 5 s.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { findApiKeyCached, type Role } from '../lib/api-keys';
import type { PrismaClient } from '../prisma/generated/client';
import { errorBody } from './errors';

export interface Principal {
  keyId: string;
  role: Role;
  name: string;
}

/** Roles that include others: an editor is also a viewer. */
const INCLUDES: Record<Role, Role[]> = { editor: ['editor', 'viewer'], viewer: ['viewer'], storefront: ['storefront'] };

export function principalOf(res: Response): Principal {
  return res.locals.principal as Principal;
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

export function requireRole(prisma: PrismaClient, ...allowed: Role[]): RequestHandler {
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
        res.locals.principal = { keyId: key.id, role: key.role, name: key.name } satisfies Principal;
        next();
      })
      .catch(next);
  };
}
