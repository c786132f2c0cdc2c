/**
 * The API's rate limits: one budget per route class, so one class's traffic (say, junk posted at the
 * webhook) never uses up another's (checkouts). Public classes count per client IP (which `TRUST_PROXY`
 * decides); the admin API counts per authenticated API key; the console login counts failed sign-ins
 * per IP. Every refusal is a 429 with a machine-readable code, a human message and Retry-After.
 */
import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { errorBody, requestIdOf } from './errors';

export type RateLimitClass = 'checkout' | 'webhook' | 'members' | 'storefront' | 'admin';
/** What a 429 names as the budget used up: a class, or the demo shop (its own budget, of the checkout's size). */
export type RateLimitScope = RateLimitClass | 'demo';

export interface RateLimits {
  /** Requests per minute per client IP, each class its own budget. */
  checkout: number;
  webhook: number;
  members: number;
  storefront: number;
  /** Requests per minute per API key on /api/admin (requests without a valid key: per IP). */
  admin: number;
  /** Failed console sign-ins per client IP within `consoleLoginWindowMs`. */
  consoleLoginFailures: number;
  consoleLoginWindowMs: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = {
  checkout: 300,
  webhook: 600,
  members: 300,
  storefront: 300,
  admin: 600,
  consoleLoginFailures: 10,
  consoleLoginWindowMs: 15 * 60_000,
};

/** Seconds until the caller's budget is back (at least 1). */
function retryAfterSeconds(req: Request, windowMs: number): number {
  const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
  const ms = reset ? reset.getTime() - Date.now() : windowMs;
  return Math.max(1, Math.ceil(ms / 1000));
}

/** What a refused caller gets: Retry-After, and the JSON error with the scope and the seconds to wait. */
export function tooManyRequests(req: Request, res: Response, scope: string, windowMs: number, message: string): void {
  const seconds = retryAfterSeconds(req, windowMs);
  res.set('retry-after', String(seconds));
  const text = `${message}; retry after ${seconds} s`;
  res.status(429).json(errorBody('rate_limited', text, { scope, retryAfterSeconds: seconds }, requestIdOf(res)));
}

/** A budget of `limit` requests a minute for one scope, counted by `key` (default: the client IP). */
function minuteLimit(scope: string, limit: number, message: string, key?: (req: Request, res: Response) => string): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier: scope,
    // TRUST_PROXY decides whose X-Forwarded-For counts; a header from an untrusted hop is simply not believed.
    validate: { xForwardedForHeader: false },
    ...(key ? { keyGenerator: key } : {}),
    handler: (req, res) => tooManyRequests(req, res, scope, 60_000, message),
  });
}

/** A per-client-IP budget of `limit` requests a minute for one route class. */
export function perIpLimit(scope: RateLimitScope, limit: number): RequestHandler {
  return minuteLimit(scope, limit, `Too many ${scope} requests from this address`);
}

/**
 * A per-API-key budget: counted by the id of the key `res.locals.rateLimitKeyId` names (set only for a verified key,
 * see api/auth.ts identifyApiKey), so one key's traffic never uses up another's; requests without a valid key share
 * their IP's budget.
 */
export function perKeyLimit(scope: RateLimitClass, limit: number): RequestHandler {
  return minuteLimit(scope, limit, 'Too many requests with this API key', (req, res) => {
    const keyId = res.locals.rateLimitKeyId as string | undefined;
    return keyId ? `key:${keyId}` : `ip:${ipKeyGenerator(req.ip ?? '')}`;
  });
}

/**
 * Failed sign-ins per client IP: an answer of 400 or more counts, a successful sign-in does not. After `max`
 * failures within the window every attempt (right key or not) is refused until the window has passed.
 */
export function loginFailureLimit(max: number, windowMs: number, refuse: (req: Request, res: Response, seconds: number) => void): RequestHandler {
  return rateLimit({
    windowMs,
    limit: max,
    standardHeaders: false,
    legacyHeaders: false,
    identifier: 'console-login',
    validate: { xForwardedForHeader: false },
    skipSuccessfulRequests: true,
    handler: (req, res) => {
      const seconds = retryAfterSeconds(req, windowMs);
      res.set('retry-after', String(seconds));
      refuse(req, res, seconds);
    },
  });
}
