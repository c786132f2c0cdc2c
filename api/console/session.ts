// Console sessions: the API key sealed (AES-256-GCM) in an HttpOnly SameSite=Strict cookie, plus CSRF tokens bound to the session.
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Request, Response } from 'express';
import type { Role } from '../../lib/api-keys';

export const SESSION_COOKIE = 'console_session';
export const LOGIN_CSRF_COOKIE = 'console_login_csrf';
const SESSION_TTL_MS = 8 * 3600 * 1000;

export interface ConsoleSession {
  /** The API key itself: only ever inside the sealed cookie, never in a page. */
  key: string;
  role: Exclude<Role, 'storefront'>;
  name: string;
  /** The shop the session acts in: the key's own; for a platform key, the one its shop switcher chose (docs/shops.md). */
  shopId: string;
  /** Random per sign-in; CSRF tokens are derived from it. */
  nonce: string;
  expiresAt: number;
}

/** Seals and opens session cookies and derives CSRF tokens with one secret. */
export class SessionSealer {
  readonly #encKey: Buffer;
  readonly #macKey: Buffer;
  constructor(secret: string) {
    this.#encKey = createHash('sha256').update(`enc:${secret}`).digest();
    this.#macKey = createHash('sha256').update(`csrf:${secret}`).digest();
  }

  seal(s: ConsoleSession): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#encKey, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(s), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  open(token: string | undefined, now = Date.now()): ConsoleSession | undefined {
    if (!token || token.length > 4096) return undefined;
    try {
      const raw = Buffer.from(token, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', this.#encKey, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      const s = JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as ConsoleSession;
      if (typeof s.key !== 'string' || (s.role !== 'viewer' && s.role !== 'editor' && s.role !== 'platform') || typeof s.shopId !== 'string' || typeof s.expiresAt !== 'number' || s.expiresAt < now) return undefined;
      return s;
    } catch {
      return undefined;
    }
  }

  csrfToken(nonce: string): string {
    return createHmac('sha256', this.#macKey).update(nonce).digest('base64url');
  }

  checkCsrf(nonce: string, token: unknown): boolean {
    if (typeof token !== 'string') return false;
    const want = Buffer.from(this.csrfToken(nonce));
    const got = Buffer.from(token);
    return want.length === got.length && timingSafeEqual(want, got);
  }
}

export function newSession(key: string, role: ConsoleSession['role'], name: string, shopId: string): ConsoleSession {
  return { key, role, name, shopId, nonce: randomBytes(16).toString('base64url'), expiresAt: Date.now() + SESSION_TTL_MS };
}

/** The secret from CONSOLE_SESSION_SECRET, else one generated once and kept in DATA_DIR (never logged). */
export function loadOrCreateSessionSecret(dataDir: string | undefined): string {
  if (!dataDir) return randomBytes(32).toString('base64url');
  const file = path.join(dataDir, 'console-session-secret');
  if (existsSync(file)) {
    const s = readFileSync(file, 'utf8').trim();
    if (s.length >= 32) return s;
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

export function setCookie(req: Request, res: Response, name: string, value: string, opts: { httpOnly: boolean; maxAgeMs?: number }): void {
  res.cookie(name, value, { httpOnly: opts.httpOnly, sameSite: 'strict', secure: req.secure, path: '/admin', ...(opts.maxAgeMs === undefined ? {} : { maxAge: opts.maxAgeMs }) });
}

export function clearCookie(req: Request, res: Response, name: string): void {
  res.clearCookie(name, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/admin' });
}
