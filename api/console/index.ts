// The admin web console under /admin: sign-in with an API key, order list and payment dialog, recovery and settings pages,
// the order's events to the shop and the event endpoints; for a platform key, the shop switcher and the Shops page. Pages and actions call the admin use-cases in-process
// (api/admin-service.ts, api/events.ts), under the console's own session.
import path from 'node:path';
import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { findApiKey, findApiKeyCached } from '../../lib/api-keys';
import { DEFAULT_SHOP_ID, SHOP_ID_PATTERN } from '../../lib/names';
import type { PrismaClient } from '../../prisma/generated/client';
import { CHARGE_WAIT_MS, ORDER_ACTION_PATHS, SUBSCRIPTION_ACTION_PATHS, type ActionReply, type AdminService } from '../admin-service';
import { actorOf } from '../admin';
import { actingShop, canEdit, shopExistsIn, shopOf, type Principal } from '../auth';
import { knownErrorAnswer, type ErrorBody } from '../errors';
import type { EventsService, ShopEventsService } from '../events';
import { readShop } from '../../lib/shops';
import type { PlatformService } from '../platform';
import { detailPage, layout, type DetailView, type NavKey, type SessionShops } from './html';
import { t, type Lang } from './i18n';
import { LOGIN_CSRF_COOKIE, SESSION_COOKIE, SessionSealer, clearCookie, loadOrCreateSessionSecret, newSession, readCookie, setCookie, type ConsoleSession } from './session';
import { ORDER_PAGE, orderListPage, type ListFilters, type OrderRow } from './views-orders';
import { approvalsPage, decisionRefusalText, type ApprovalRow } from './views-approvals';
import { SUBSCRIPTION_PAGE, subscriptionListPage, type SubscriptionRow } from './views-subscriptions';
import { errorPage, loginPage, recoveryPage, settingsPage, type RecoveryEntry, type SettingsView } from './views-pages';
import { deleteConfirmPage, endpointsPage, type EndpointForm, type EndpointsView } from './views-events';
import { randomBytes } from 'node:crypto';
import { settingsPatchFromForm } from './settings-form';
import { listAudit, rememberAuditAnswer, rememberSettingsBefore } from '../audit';
import { shopsPage, type ShopsView } from './views-shops';
import { auditPage, type AuditFilters } from './views-audit';
import { DEFAULT_RATE_LIMITS, loginFailureLimit } from '../rate-limits';

export interface ConsoleOptions {
  /** CONSOLE_SESSION_SECRET; when absent one is generated (and kept in dataDir when given). */
  sessionSecret?: string;
  /** Failed sign-ins per client IP within `loginWindowMs` before sign-in is refused from it (default 10 in 15 minutes). */
  loginMaxFailures?: number;
  loginWindowMs?: number;
  dataDir?: string;
  /** Temporal UI base URL, e.g. http://127.0.0.1:8233. */
  temporalUiUrl?: string;
  namespace?: string;
}

const LANG_COOKIE = 'console_lang';
/** The console's action paths are the API's (ORDER_ACTION_PATHS, SUBSCRIPTION_ACTION_PATHS); charging a subscription waits for the period's order to report (the service's wait). */
const ACTION_WAIT_MS = 15_000;
const SUBSCRIPTION_STATUSES = new Set(['Active', 'Paused', 'Suspended', 'Canceled', 'Closed']);

/** What a use-case answered: its value, or the error answer the API would have sent for it. */
type Outcome<T> = { ok: true; value: T } | { ok: false; status: number; body: ErrorBody; headers?: Record<string, string> };

/** Runs a use-case; an error a request may meet on purpose becomes its answer, anything else goes to the error handler. */
async function attempt<T>(run: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (err) {
    const known = knownErrorAnswer(err);
    if (!known) throw err;
    return { ok: false, ...known };
  }
}

/** Sends an action's reply (or its error) as the page's script reads it. */
function sendOutcome(res: Response, r: Outcome<ActionReply>): void {
  if (r.ok) res.set(r.value.headers).status(r.value.status).json(r.value.body);
  else res.set(r.headers ?? {}).status(r.status).json(r.body);
}

function langOf(req: Request): Lang {
  return readCookie(req, LANG_COOKIE) === 'en' ? 'en' : 'ja';
}

function sessionOf(res: Response): ConsoleSession {
  return res.locals.consoleSession as ConsoleSession;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** An error answer as one line for a page: the message and, for a refused field, which one and why. */
function errorLine(body: ErrorBody): string {
  const details = Array.isArray(body.error.details) ? (body.error.details as { path?: string; message?: string }[]).map((d) => `${d.path ?? ''}: ${d.message ?? ''}`).join('; ') : '';
  return details ? `${body.error.message}: ${details}` : body.error.message;
}

/** The add form's fields as the API takes them (checkboxes arrive as one value or several, or not at all). */
function endpointFromForm(b: Record<string, unknown>): EndpointForm {
  const types = Array.isArray(b.eventTypes) ? b.eventTypes : b.eventTypes === undefined ? [] : [b.eventTypes];
  return {
    url: typeof b.url === 'string' ? b.url.trim() : '',
    ...(str(b.description) ? { description: str(b.description) } : {}),
    eventTypes: types.filter((x): x is string => typeof x === 'string'),
    enabled: b.enabled === 'true',
  };
}

/**
 * The action a console POST names (`:action`), its body and the requestId the page sent with it; undefined once it has
 * answered 404 (no such action) or 400 (the requestId missing or malformed, unless the action is one of `optional`).
 * The page chose the requestId for this intended action and resends it on a retry; one made up here would turn a retry
 * into a second refund.
 */
function readAction<A extends string>(req: Request, res: Response, actions: Readonly<Record<string, A>>, optional: readonly A[] = []): { action: A; body: Record<string, unknown>; requestId: string } | undefined {
  const name = String(req.params.action);
  const action = Object.prototype.hasOwnProperty.call(actions, name) ? actions[name] : undefined;
  if (!action) {
    res.status(404).json({ error: { code: 'not_found', message: 'No such action' } });
    return undefined;
  }
  const body = (req.body ?? {}) as Record<string, unknown>;
  const id = body.requestId;
  if (typeof id === 'string' && /^[A-Za-z0-9_.:-]{1,100}$/.test(id)) return { action, body, requestId: id };
  if (optional.includes(action)) return { action, body, requestId: '' };
  res.status(400).json({ error: { code: 'invalid_request', message: 'requestId is required (1-100 letters, digits and . _ : -)' } });
  return undefined;
}

export interface ConsoleDeps {
  prisma: PrismaClient;
  /** The admin use-cases, called in-process. */
  service: AdminService;
  /** The event use-cases (api/events.ts), called in-process: an order's events, resend, the endpoints. Absent: not shown. */
  events?: EventsService;
  /** The platform's use-cases (api/platform.ts): the shop switcher's list and the Shops page, by the API's rules. */
  platform: PlatformService;
  /** The per-key budget of admin keys (api/rate-limits.ts), shared with the API: every request of a console session counts against its key. */
  keyLimit?: RequestHandler;
  options?: ConsoleOptions;
}

export function consoleRoutes(deps: ConsoleDeps): Router {
  /** The shop the session acts in (docs/shops.md): its key's, or the one a platform key switched to. */
  const service = (res: Response) => deps.service.forShop(shopOf(res));
  const shopExists = shopExistsIn(deps.prisma);
  const keyLimit: RequestHandler = deps.keyLimit ?? ((_req, _res, next) => next());
  const o = deps.options ?? {};
  const sealer = new SessionSealer(o.sessionSecret ?? loadOrCreateSessionSecret(o.dataDir));
  const temporalUi = (o.temporalUiUrl ?? 'http://127.0.0.1:8233').replace(/\/+$/, '');
  const namespace = o.namespace ?? 'default';
  const router = Router();

  router.use('/admin/static', express.static(path.join(__dirname, 'static'), { maxAge: 0, index: false }));
  router.use('/admin', express.urlencoded({ extended: false, limit: '32kb' }));
  router.use('/admin', (_req, res, next) => {
    res.set('cache-control', 'no-store');
    // Browsers send Origin "null" on form posts under "no-referrer"; same-origin keeps it checkable.
    res.set('referrer-policy', 'same-origin');
    // Helmet's default plus no upgrade-insecure-requests, so the console also works over plain http on loopback.
    res.set('content-security-policy', "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'");
    next();
  });

  const html = (req: Request, res: Response, status: number, title: string, content: string, nav?: NavKey) => {
    const s = res.locals.consoleSession as ConsoleSession | undefined;
    res
      .status(status)
      .type('html')
      .send(layout({ lang: langOf(req), title, here: req.originalUrl, nav, user: s ? { name: s.name, role: s.role, csrf: sealer.csrfToken(s.nonce), shops: res.locals.consoleShops as SessionShops | undefined } : undefined }, content));
  };

  /** The header's shop: a platform session's every shop (for its switcher, suspended ones too), a shop key's own. */
  const sessionShops = async (role: string, shopId: string): Promise<SessionShops | undefined> => {
    if (role === 'platform') {
      const shops = await deps.platform.listShops();
      const current = shops.find((x) => x.shopId === shopId);
      return current ? { current, choices: shops } : undefined;
    }
    const current = await readShop(deps.prisma, shopId);
    return current ? { current } : undefined;
  };

  /** Same-origin check: a browser sends Origin on POST; when present it must be this host. */
  const sameOrigin = (req: Request): boolean => {
    const origin = req.get('origin');
    if (!origin) return true;
    try {
      return new URL(origin).host === req.get('host');
    } catch {
      return false;
    }
  };

  const wantsJson = (req: Request) => req.get('x-requested-with') !== undefined || (req.get('accept') ?? '').includes('application/json');

  const authed = (req: Request, res: Response, next: NextFunction) => {
    const s = sealer.open(readCookie(req, SESSION_COOKIE));
    const signIn = () => {
      if (req.method === 'GET' && !wantsJson(req)) res.redirect(303, `/admin/login?next=${encodeURIComponent(req.originalUrl)}`);
      else res.status(401).json({ error: { code: 'unauthorized', message: 'Sign in again' } });
    };
    if (!s) {
      signIn();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const token = req.get('x-csrf-token') ?? (req.body as Record<string, unknown> | undefined)?._csrf;
      if (!sameOrigin(req) || !sealer.checkCsrf(s.nonce, token)) {
        res.status(403).json({ error: { code: 'csrf_failed', message: 'Missing or wrong CSRF token; reload the page' } });
        return;
      }
    }
    // The session holds an API key: a key revoked since sign-in ends the session (checked as the API checks keys, cached 5 s).
    findApiKeyCached(deps.prisma, s.key)
      .then(async (key) => {
        if (!key || key.role === 'storefront') {
          clearCookie(req, res, SESSION_COOKIE);
          signIn();
          return;
        }
        // The session's shop by the API's one rule: a shop's key in its own shop (not while suspended), a platform key in the one it chose.
        const shop = await actingShop(key, s.shopId, shopExists);
        if (!('shopId' in shop)) {
          clearCookie(req, res, SESSION_COOKIE);
          signIn();
          return;
        }
        res.locals.consoleSession = { ...s, role: key.role };
        // The signed-in key is who acts (the order's history and the audit log name it), as for the JSON API.
        res.locals.principal = { keyId: key.id, role: key.role, name: key.name, shopId: shop.shopId } satisfies Principal;
        res.locals.rateLimitKeyId = key.id;
        // Read for pages only: the page scripts' JSON calls render no header.
        if (!wantsJson(req)) res.locals.consoleShops = await sessionShops(key.role, shop.shopId);
        // Every request of the session counts against its key's budget, as each of the key's API requests does.
        keyLimit(req, res, next);
      })
      .catch(next);
  };

  const editorOnly = (req: Request, res: Response, next: NextFunction) => {
    if (!canEdit(sessionOf(res).role)) {
      res.status(403).json({ error: { code: 'forbidden', message: t(langOf(req), 'forbidden') } });
      return;
    }
    next();
  };

  /**
   * The platform's own pages and forms (the Shops page), for platform sessions only. They act on shops, in none: as on
   * the platform API, their audit entries name no shop.
   */
  const platformOnly = (req: Request, res: Response, next: NextFunction) => {
    if (sessionOf(res).role !== 'platform') {
      const lang = langOf(req);
      if (req.method === 'GET' && !wantsJson(req)) html(req, res, 403, t(lang, 'shops'), errorPage(lang, 403, t(lang, 'forbidden')));
      else res.status(403).json({ error: { code: 'forbidden', message: t(lang, 'forbidden') } });
      return;
    }
    res.locals.principal = { ...(res.locals.principal as Principal), shopId: '' } satisfies Principal;
    next();
  };

  router.get('/admin', (_req, res) => res.redirect(303, '/admin/orders'));

  router.get('/admin/lang', (req, res) => {
    const to = req.query.to === 'en' ? 'en' : 'ja';
    res.cookie(LANG_COOKIE, to, { httpOnly: true, sameSite: 'lax', secure: req.secure, path: '/admin', maxAge: 365 * 24 * 3600 * 1000 });
    const back = str(req.query.back);
    res.redirect(303, back && back.startsWith('/admin') && !back.startsWith('//') ? back : '/admin/orders');
  });

  router.get('/admin/login', (req, res) => {
    const csrf = randomBytes(16).toString('base64url');
    setCookie(req, res, LOGIN_CSRF_COOKIE, csrf, { httpOnly: true, maxAgeMs: 3600_000 });
    html(req, res, 200, t(langOf(req), 'signIn'), loginPage(langOf(req), csrf));
  });

  // Sign-in guesses are throttled per client IP: failures count, a successful sign-in does not. API keys are long random
  // secrets, so there is no per-account lockout (which would only let anyone lock an admin out).
  const loginThrottle = loginFailureLimit(o.loginMaxFailures ?? DEFAULT_RATE_LIMITS.consoleLoginFailures, o.loginWindowMs ?? DEFAULT_RATE_LIMITS.consoleLoginWindowMs, (req, res, seconds) => {
    const lang = langOf(req);
    const minutes = Math.ceil(seconds / 60);
    const message = lang === 'en' ? `Too many failed sign-ins from this address; try again in ${minutes} min.` : `サインインの失敗が多すぎます。${minutes} 分後にもう一度お試しください。`;
    if (wantsJson(req)) {
      res.status(429).json({ error: { code: 'rate_limited', message, details: { scope: 'console-login', retryAfterSeconds: seconds } } });
      return;
    }
    const csrf = randomBytes(16).toString('base64url');
    setCookie(req, res, LOGIN_CSRF_COOKIE, csrf, { httpOnly: true, maxAgeMs: 3600_000 });
    html(req, res, 429, t(lang, 'signIn'), loginPage(lang, csrf, message));
  });

  router.post('/admin/login', loginThrottle, async (req, res) => {
    const lang = langOf(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const expected = readCookie(req, LOGIN_CSRF_COOKIE);
    const again = () => {
      const csrf = randomBytes(16).toString('base64url');
      setCookie(req, res, LOGIN_CSRF_COOKIE, csrf, { httpOnly: true, maxAgeMs: 3600_000 });
      return csrf;
    };
    if (!sameOrigin(req) || !expected || body._csrf !== expected) {
      html(req, res, 403, t(lang, 'signIn'), loginPage(lang, again(), 'CSRF check failed; try again.'));
      return;
    }
    const key = str(body.apiKey) ?? '';
    const found = /^[A-Za-z0-9_-]{10,200}$/.test(key) ? await findApiKey(deps.prisma, key) : undefined;
    if (!found || found.role === 'storefront' || found.shopSuspended) {
      html(req, res, 401, t(lang, 'signIn'), loginPage(lang, again(), t(lang, 'badKey')));
      return;
    }
    // A platform key starts in the default shop and switches with the shop switcher (POST /admin/shop).
    const shopId = found.shopId ?? DEFAULT_SHOP_ID;
    setCookie(req, res, SESSION_COOKIE, sealer.seal(newSession(key, found.role, found.name, shopId)), { httpOnly: true });
    // Who signed in (the audit log's entry names them).
    res.locals.principal = { keyId: found.id, role: found.role, name: found.name, shopId } satisfies Principal;
    clearCookie(req, res, LOGIN_CSRF_COOKIE);
    const next = str(req.query.next);
    res.redirect(303, next && next.startsWith('/admin/') && !next.startsWith('//') ? next : '/admin/orders');
  });

  // The platform's shop switcher: the session acts in the chosen shop from the next page on (a shop's key has its own only).
  router.post('/admin/shop', authed, async (req, res) => {
    const s = sessionOf(res);
    const to = str(((req.body ?? {}) as Record<string, unknown>).shopId);
    if (s.role !== 'platform') {
      res.status(403).json({ error: { code: 'forbidden', message: t(langOf(req), 'forbidden') } });
      return;
    }
    if (!to || !SHOP_ID_PATTERN.test(to) || !(await shopExists(to))) {
      res.status(404).json({ error: { code: 'shop_not_found', message: 'No such shop' } });
      return;
    }
    setCookie(req, res, SESSION_COOKIE, sealer.seal({ ...s, shopId: to }), { httpOnly: true });
    res.redirect(303, '/admin/orders');
  });

  // The platform's shops (docs/shops.md): the platform API's use-cases (api/platform.ts), under the console's session.
  const SHOP_DONE = { created: 'shopCreated', suspended: 'shopSuspended', reactivated: 'shopReactivated' } as const;
  const showShops = async (req: Request, res: Response, extra: Partial<Omit<ShopsView, 'shops' | 'csrf'>> = {}, status = 200) => {
    const lang = langOf(req);
    const shops = await deps.platform.listShops();
    html(req, res, status, t(lang, 'shops'), shopsPage(lang, { shops, csrf: sealer.csrfToken(sessionOf(res).nonce), ...extra }), 'shops');
  };
  /** The shop a key form is for, when it exists (an unknown or malformed id shows no form). */
  const keyFormShop = async (shopId: unknown) => {
    const r = await attempt(() => deps.platform.readShop(shopId));
    return r.ok ? { keysFor: r.value } : {};
  };

  router.get('/admin/shops', authed, platformOnly, async (req, res) => {
    const lang = langOf(req);
    const done = str(req.query.done);
    const key = done && Object.hasOwn(SHOP_DONE, done) ? SHOP_DONE[done as keyof typeof SHOP_DONE] : undefined;
    const keysFor = str(req.query.keysFor);
    const form = keysFor === undefined ? {} : await keyFormShop(keysFor);
    if (keysFor !== undefined && !form.keysFor) {
      await showShops(req, res, { message: { ok: false, text: t(lang, 'noSuchShop') } }, 404);
      return;
    }
    await showShops(req, res, { ...form, ...(key ? { message: { ok: true, text: t(lang, key) } } : {}) });
  });

  // A new shop is shown with the form for its first keys.
  router.post('/admin/shops', authed, platformOnly, async (req, res) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const form = { shopId: str(b.shopId) ?? '', name: str(b.name) ?? '' };
    const r = await attempt(() => deps.platform.createShop(form));
    if (r.ok) res.redirect(303, `/admin/shops?done=created&keysFor=${encodeURIComponent(r.value.shop.shopId)}#issue-key`);
    else await showShops(req, res, { message: { ok: false, text: errorLine(r.body) }, form }, r.status);
  });

  for (const [segment, status, done] of [['suspend', 'suspended', 'suspended'], ['reactivate', 'active', 'reactivated']] as const) {
    router.post(`/admin/shops/:shopId/${segment}`, authed, platformOnly, async (req, res) => {
      const r = await attempt(() => deps.platform.setStatus(req.params.shopId, status));
      if (r.ok) res.redirect(303, `/admin/shops?done=${done}`);
      else await showShops(req, res, { message: { ok: false, text: errorLine(r.body) } }, r.status);
    });
  }

  // The key is on this answer only (a page, never cached): not in a redirect, a log line or the audit log, which gets its id.
  router.post('/admin/shops/:shopId/keys', authed, platformOnly, async (req, res) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const r = await attempt(() => deps.platform.issueKey(req.params.shopId, { role: str(b.role) ?? '', name: str(b.name) ?? '' }));
    if (!r.ok) {
      await showShops(req, res, { message: { ok: false, text: errorLine(r.body) }, ...(await keyFormShop(req.params.shopId)) }, r.status);
      return;
    }
    rememberAuditAnswer(res, { createdId: r.value.key.id });
    await showShops(req, res, { issued: r.value, ...(await keyFormShop(r.value.key.shopId)) }, 201);
  });

  router.post('/admin/logout', authed, (req, res) => {
    clearCookie(req, res, SESSION_COOKIE);
    res.redirect(303, '/admin/login');
  });

  router.get('/admin/orders', authed, async (req, res) => {
    const lang = langOf(req);
    const f: ListFilters = {
      paymentStatus: str(req.query.paymentStatus),
      orderStatus: str(req.query.orderStatus),
      from: str(req.query.from),
      to: str(req.query.to),
      q: str(req.query.q),
      expiringDays: str(req.query.expiringDays),
    };
    const limit = Math.min(200, Math.max(1, Number(str(req.query.limit) ?? 20) || 20));
    const qs = new URLSearchParams({ limit: String(limit) });
    const expiringDays = f.expiringDays !== undefined && /^\d{1,2}$/.test(f.expiringDays) ? Number(f.expiringDays) : undefined;
    if (expiringDays !== undefined) qs.set('paymentStatus', 'Authorized');
    else if (f.paymentStatus) qs.set('paymentStatus', f.paymentStatus);
    if (f.orderStatus) qs.set('orderStatus', f.orderStatus);
    // Dates are the shop's days in Japan time; "to" includes the whole day.
    if (f.from && /^\d{4}-\d{2}-\d{2}$/.test(f.from)) qs.set('from', `${f.from}T00:00:00+09:00`);
    if (f.to && /^\d{4}-\d{2}-\d{2}$/.test(f.to)) qs.set('to', new Date(Date.parse(`${f.to}T00:00:00+09:00`) + 86_400_000).toISOString());
    if (f.q) qs.set('q', f.q);
    let cursor = str(req.query.cursor);
    const rows: OrderRow[] = [];
    let error: string | undefined;
    let nextCursor: string | null = null;
    // The expiry filter is applied here, so it may take a few pages of the list to fill one screen.
    for (let round = 0; round < (expiringDays === undefined ? 1 : 10); round++) {
      if (cursor) qs.set('cursor', cursor);
      const r = await attempt(() => service(res).listOrders(Object.fromEntries(qs)));
      if (!r.ok) {
        error = r.body.error.message;
        break;
      }
      const page = r.value as unknown as { orders: OrderRow[]; nextCursor: string | null };
      const limitAt = Date.now() + (expiringDays ?? 0) * 86_400_000;
      rows.push(...page.orders.filter((o) => expiringDays === undefined || (o.authorizationExpiresAt !== null && Date.parse(o.authorizationExpiresAt) <= limitAt)));
      nextCursor = page.nextCursor;
      cursor = nextCursor ?? undefined;
      if (!nextCursor || rows.length >= limit) break;
    }
    const nextParams = new URLSearchParams(Object.entries(f).filter((e): e is [string, string] => Boolean(e[1])));
    if (nextCursor) nextParams.set('cursor', nextCursor);
    html(req, res, 200, t(lang, 'orders'), orderListPage(lang, f, rows, nextCursor ? `/admin/orders?${nextParams.toString()}` : null, !str(req.query.cursor), error), 'orders');
  });

  /**
   * One order's or subscription's page, and its panel alone (the page's script re-renders it after an action): the
   * detail the service answers, or its error as the page or as JSON for the script.
   */
  const detailRoutes = <D>(view: DetailView<D>, loadDetail: (id: unknown, res: Response) => Promise<unknown>, workflowUrlOf: (d: D) => string) => {
    const load = async (req: Request, res: Response): Promise<{ status: number; detail?: D; message?: string }> => {
      const r = await attempt(() => loadDetail(req.params[view.param], res));
      if (!r.ok) return { status: r.status, message: r.body.error.message };
      return { status: 200, detail: r.value as D };
    };
    router.get(`${view.list}/:${view.param}`, authed, async (req, res) => {
      const lang = langOf(req);
      const r = await load(req, res);
      if (!r.detail) {
        html(req, res, r.status, t(lang, view.title), errorPage(lang, r.status, r.message ?? ''), view.nav);
        return;
      }
      html(req, res, 200, `${t(lang, view.title)} ${view.idOf(r.detail)}`, detailPage(lang, view, r.detail, canEdit(sessionOf(res).role), workflowUrlOf(r.detail)), view.nav);
    });
    router.get(`${view.list}/:${view.param}/panel`, authed, async (req, res) => {
      const r = await load(req, res);
      if (!r.detail) {
        res.status(r.status).json({ error: { code: 'unavailable', message: r.message } });
        return;
      }
      res.type('html').send(view.panel(langOf(req), r.detail, canEdit(sessionOf(res).role), workflowUrlOf(r.detail)));
    });
  };
  const workflowUrl = (workflowId: string) => `${temporalUi}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;

  // The order's events are read beside its detail; when they cannot be, the page says so and shows the rest. The
  // viewer's key and CSRF token go with it: the refunds waiting for approval that they asked for themselves they cannot decide.
  const orderWithEvents = async (id: unknown, res: Response) => {
    const events = deps.events;
    const [detail, ev] = await Promise.all([service(res).orderDetail(id), events ? attempt(() => events.forShop(shopOf(res)).orderEvents(id)) : undefined]);
    const viewer = { keyId: actorOf(res).keyId, csrf: sealer.csrfToken(sessionOf(res).nonce) };
    if (!ev) return { ...detail, viewer };
    return ev.ok ? { ...detail, viewer, events: ev.value.data } : { ...detail, viewer, eventsError: ev.body.error.message };
  };
  detailRoutes(ORDER_PAGE, orderWithEvents, (d) => workflowUrl(d.workflowId));

  /** The event use-cases, or a 503 page (or JSON) saying this server has none. */
  const eventsOf = (req: Request, res: Response): ShopEventsService | undefined => {
    if (deps.events) return deps.events.forShop(shopOf(res));
    const lang = langOf(req);
    if (wantsJson(req) && req.method !== 'GET') res.status(503).json({ error: { code: 'events_unavailable', message: t(lang, 'eventsNotWired') } });
    else html(req, res, 503, t(lang, 'eventEndpoints'), errorPage(lang, 503, t(lang, 'eventsNotWired')), 'eventEndpoints');
    return undefined;
  };

  // A resend from the order's page: the page's script posts it with the CSRF token and re-renders the panel.
  router.post('/admin/events/:eventId/resend', authed, editorOnly, async (req, res) => {
    const events = eventsOf(req, res);
    if (!events) return;
    const endpointId = str((req.body as Record<string, unknown> | undefined)?.endpointId);
    const r = await attempt(() => events.resend(req.params.eventId, endpointId ? { endpointId } : {}));
    if (r.ok) res.status(202).json(r.value);
    else res.set(r.headers ?? {}).status(r.status).json(r.body);
  });

  /** The endpoints page: the list, the add form (editor), a message, and a secret just made (this answer only). */
  const showEndpoints = async (req: Request, res: Response, extra: Partial<Pick<EndpointsView, 'message' | 'secret' | 'form'>> = {}, status = 200) => {
    const events = eventsOf(req, res);
    if (!events) return;
    const lang = langOf(req);
    const s = sessionOf(res);
    const r = await attempt(() => events.listEndpoints());
    if (!r.ok) {
      html(req, res, r.status, t(lang, 'eventEndpoints'), errorPage(lang, r.status, r.body.error.message), 'eventEndpoints');
      return;
    }
    const view: EndpointsView = { endpoints: r.value.data, canEdit: canEdit(s.role), csrf: sealer.csrfToken(s.nonce), ...extra };
    html(req, res, status, t(lang, 'eventEndpoints'), endpointsPage(lang, view), 'eventEndpoints');
  };
  const DONE_MESSAGES = { enabled: 'endpointEnabled', disabled: 'endpointDisabled', deleted: 'endpointDeleted' } as const;

  router.get('/admin/event-endpoints', authed, (req, res) => {
    const done = str(req.query.done);
    const key = done && Object.prototype.hasOwnProperty.call(DONE_MESSAGES, done) ? DONE_MESSAGES[done as keyof typeof DONE_MESSAGES] : undefined;
    return showEndpoints(req, res, key ? { message: { ok: true, text: t(langOf(req), key) } } : {});
  });

  // Adding and rotating answer with the page itself: the secret is in this one answer (no-store), never stored or shown again.
  router.post('/admin/event-endpoints', authed, editorOnly, async (req, res) => {
    const events = eventsOf(req, res);
    if (!events) return;
    const lang = langOf(req);
    const form = endpointFromForm((req.body ?? {}) as Record<string, unknown>);
    const r = await attempt(() => events.createEndpoint(form));
    if (r.ok) await showEndpoints(req, res, { message: { ok: true, text: t(lang, 'endpointCreated') }, secret: { value: r.value.secret, endpoint: r.value.endpoint } }, 201);
    else await showEndpoints(req, res, { message: { ok: false, text: errorLine(r.body) }, form }, r.status);
  });

  router.post('/admin/event-endpoints/:id/rotate', authed, editorOnly, async (req, res) => {
    const events = eventsOf(req, res);
    if (!events) return;
    const lang = langOf(req);
    const raw = str((req.body as Record<string, unknown> | undefined)?.overlapSeconds);
    const r = await attempt(() => events.rotateSecret(req.params.id, raw === undefined ? {} : { overlapSeconds: /^\d{1,7}$/.test(raw) ? Number(raw) : raw }));
    if (r.ok) await showEndpoints(req, res, { message: { ok: true, text: t(lang, 'endpointRotated') }, secret: { value: r.value.secret, endpoint: r.value.endpoint } });
    else await showEndpoints(req, res, { message: { ok: false, text: errorLine(r.body) } }, r.status);
  });

  router.post('/admin/event-endpoints/:id/enabled', authed, editorOnly, async (req, res) => {
    const events = eventsOf(req, res);
    if (!events) return;
    const enabled = (req.body as Record<string, unknown> | undefined)?.enabled === 'true';
    const r = await attempt(() => events.updateEndpoint(req.params.id, { enabled }));
    if (r.ok) res.redirect(303, `/admin/event-endpoints?done=${enabled ? 'enabled' : 'disabled'}`);
    else await showEndpoints(req, res, { message: { ok: false, text: errorLine(r.body) } }, r.status);
  });

  // A delete is asked once more on a page of its own (what it cancels), then done with confirm=yes.
  router.post('/admin/event-endpoints/:id/delete', authed, editorOnly, async (req, res) => {
    const events = eventsOf(req, res);
    if (!events) return;
    const lang = langOf(req);
    if ((req.body as Record<string, unknown> | undefined)?.confirm !== 'yes') {
      const list = await attempt(() => events.listEndpoints());
      const found = list.ok ? list.value.data.find((e) => e.id === req.params.id && e.source !== 'env') : undefined;
      if (!found) {
        await showEndpoints(req, res, { message: { ok: false, text: list.ok ? t(lang, 'noSuchEndpoint') : errorLine(list.body) } }, list.ok ? 404 : list.status);
        return;
      }
      const s = sessionOf(res);
      html(req, res, 200, t(lang, 'deleteConfirm'), deleteConfirmPage(lang, found, sealer.csrfToken(s.nonce)), 'eventEndpoints');
      return;
    }
    const r = await attempt(() => events.deleteEndpoint(req.params.id));
    if (r.ok) res.redirect(303, '/admin/event-endpoints?done=deleted');
    else await showEndpoints(req, res, { message: { ok: false, text: errorLine(r.body) } }, r.status);
  });

  router.post('/admin/orders/:orderId/:action', authed, editorOnly, async (req, res) => {
    const read = readAction(req, res, ORDER_ACTION_PATHS, ['status']);
    if (!read) return;
    const { action, body: b, requestId } = read;
    const orderId = req.params.orderId;
    if (action === 'status') {
      sendOutcome(res, await attempt(() => service(res).setOrderStatus(orderId, { status: b.status }, ACTION_WAIT_MS, actorOf(res))));
      return;
    }
    // The page sends the amount with the panel's currency; the order's workflow refuses any other.
    const payload = action === 'cancel' ? { requestId, ...(str(b.reason) ? { reason: str(b.reason) } : {}) } : { amount: b.currency === undefined ? b.amount : { amount: b.amount, currency: b.currency }, requestId };
    sendOutcome(res, await attempt(() => service(res).act(orderId, action, payload, ACTION_WAIT_MS, actorOf(res))));
  });

  // Second approval for large refunds (docs/product-rules.md, Refund approval): what waits, across orders, and another
  // editor's decision. The order's workflow refuses the requester's own; the console says why in its own words.
  const APPROVAL_DONE = { approved: 'approvalDone', rejected: 'approvalRejected', accepted: 'approvalAccepted' } as const;
  const showApprovals = async (req: Request, res: Response, message?: { ok: boolean; text: string }, status = 200) => {
    const lang = langOf(req);
    const s = sessionOf(res);
    const r = await attempt(() => service(res).pendingApprovals());
    if (!r.ok) {
      html(req, res, r.status, t(lang, 'approvalsTitle'), errorPage(lang, r.status, r.body.error.message), 'approvals');
      return;
    }
    const who = { canEdit: canEdit(s.role), keyId: actorOf(res).keyId, csrf: sealer.csrfToken(s.nonce) };
    html(req, res, status, t(lang, 'approvalsTitle'), approvalsPage(lang, { approvals: r.value.approvals as unknown as ApprovalRow[], who, message }), 'approvals');
  };

  router.get('/admin/refund-approvals', authed, (req, res) => {
    const done = str(req.query.done);
    const key = done && Object.prototype.hasOwnProperty.call(APPROVAL_DONE, done) ? APPROVAL_DONE[done as keyof typeof APPROVAL_DONE] : undefined;
    return showApprovals(req, res, key ? { ok: true, text: t(langOf(req), key) } : undefined);
  });

  // The order page's script sends it as JSON (and re-renders the panel); a plain form post comes back to the approvals page.
  router.post('/admin/orders/:orderId/refund-approvals/:approvalId/:decision', authed, editorOnly, async (req, res) => {
    const decision = req.params.decision;
    if (decision !== 'approve' && decision !== 'reject') {
      res.status(404).json({ error: { code: 'not_found', message: 'No such decision' } });
      return;
    }
    const lang = langOf(req);
    const reason = decision === 'reject' ? str((req.body as Record<string, unknown> | undefined)?.reason) : undefined;
    const r = await attempt(() => service(res).decideApproval(req.params.orderId, req.params.approvalId, decision, reason ? { reason } : {}, actorOf(res), ACTION_WAIT_MS));
    const refusal = r.ok ? undefined : decisionRefusalText(lang, r.body.error.code);
    const outcome: Outcome<ActionReply> = r.ok || !refusal ? r : { ...r, body: { error: { ...r.body.error, message: refusal } } };
    if (wantsJson(req)) {
      sendOutcome(res, outcome);
      return;
    }
    if (outcome.ok) res.redirect(303, `/admin/refund-approvals?done=${outcome.value.status === 202 ? 'accepted' : decision === 'approve' ? 'approved' : 'rejected'}`);
    else await showApprovals(req, res, { ok: false, text: errorLine(outcome.body) }, outcome.status);
  });

  router.get('/admin/subscriptions', authed, async (req, res) => {
    const lang = langOf(req);
    const status = str(req.query.status);
    const r = await attempt(() => service(res).listSubscriptions({ limit: '200', ...(status && SUBSCRIPTION_STATUSES.has(status) ? { status } : {}) }));
    const error = r.ok ? undefined : r.body.error.message;
    html(req, res, 200, t(lang, 'subscriptionList'), subscriptionListPage(lang, status, r.ok ? (r.value.subscriptions as unknown as SubscriptionRow[]) : [], error), 'subscriptions');
  });

  detailRoutes(SUBSCRIPTION_PAGE, (id, res) => service(res).subscriptionDetail(id), (d) => workflowUrl(d.workflowId));

  router.post('/admin/subscriptions/:subscriptionId/:action', authed, editorOnly, async (req, res) => {
    const read = readAction(req, res, SUBSCRIPTION_ACTION_PATHS);
    if (!read) return;
    const { action, body: b, requestId } = read;
    const payload =
      action === 'cancel'
        ? { requestId, ...(str(b.reason) ? { reason: str(b.reason) } : {}) }
        : action === 'charge'
          ? { requestId, ...(b.amount !== undefined && b.amount !== null && b.amount !== '' ? { amount: { amount: b.amount, currency: b.currency } } : {}) }
          : { requestId };
    const waitMs = action === 'charge' ? CHARGE_WAIT_MS : ACTION_WAIT_MS;
    sendOutcome(res, await attempt(() => service(res).subscriptionAct(req.params.subscriptionId, action, payload, waitMs)));
  });

  router.get('/admin/recovery', authed, async (req, res) => {
    const lang = langOf(req);
    const r = await attempt(() => service(res).recovery());
    if (!r.ok) {
      html(req, res, r.status, t(lang, 'recovery'), errorPage(lang, r.status, r.body.error.message), 'recovery');
      return;
    }
    html(req, res, 200, t(lang, 'recovery'), recoveryPage(lang, r.value.entries as unknown as RecoveryEntry[], canEdit(sessionOf(res).role)), 'recovery');
  });

  router.post('/admin/recovery/:id/redrive', authed, editorOnly, async (req, res) => {
    sendOutcome(res, await attempt(() => service(res).redrive(req.params.id)));
  });

  const showSettings = async (req: Request, res: Response, message?: { ok: boolean; text: string }, status = 200) => {
    const lang = langOf(req);
    const s = sessionOf(res);
    const r = await attempt(() => service(res).settings());
    if (!r.ok) {
      html(req, res, r.status, t(lang, 'settings'), errorPage(lang, r.status, r.body.error.message), 'settings');
      return;
    }
    html(req, res, status, t(lang, 'settings'), settingsPage(lang, r.value as unknown as SettingsView, canEdit(s.role), sealer.csrfToken(s.nonce), message), 'settings');
  };

  router.get('/admin/settings', authed, (req, res) => showSettings(req, res, req.query.saved === '1' ? { ok: true, text: t(langOf(req), 'saved') } : undefined));

  router.post('/admin/settings', authed, editorOnly, async (req, res) => {
    const patch = settingsPatchFromForm((req.body ?? {}) as Record<string, unknown>);
    await rememberSettingsBefore(deps.prisma, res, shopOf(res));
    const r = await attempt(() => service(res).updateSettings(patch));
    if (r.ok) {
      res.redirect(303, '/admin/settings?saved=1');
      return;
    }
    const details = Array.isArray(r.body.error.details) ? (r.body.error.details as { path: string; message: string }[]).map((d) => `${d.path}: ${d.message}`).join('; ') : '';
    await showSettings(req, res, { ok: false, text: `${r.body.error.message} ${details}` }, r.status);
  });

  // The audit log (docs/audit.md), read only: the filters as GET /api/admin/audit takes them, dates as the shop's days in Japan time.
  router.get('/admin/audit', authed, async (req, res) => {
    const lang = langOf(req);
    const f: AuditFilters = { actor: str(req.query.actor), orderId: str(req.query.orderId), action: str(req.query.action), from: str(req.query.from), to: str(req.query.to) };
    const day = /^\d{4}-\d{2}-\d{2}$/;
    const query = {
      limit: '50',
      ...(f.actor ? { actor: f.actor } : {}),
      ...(f.orderId ? { orderId: f.orderId } : {}),
      ...(f.action ? { action: f.action } : {}),
      ...(f.from && day.test(f.from) ? { from: `${f.from}T00:00:00+09:00` } : {}),
      ...(f.to && day.test(f.to) ? { to: new Date(Date.parse(`${f.to}T00:00:00+09:00`) + 86_400_000).toISOString() } : {}),
      ...(str(req.query.cursor) ? { cursor: str(req.query.cursor) } : {}),
    };
    const r = await attempt(() => listAudit(deps.prisma, shopOf(res), query));
    const nextParams = new URLSearchParams(Object.entries(f).filter((e): e is [string, string] => Boolean(e[1])));
    if (r.ok && r.value.nextCursor) nextParams.set('cursor', r.value.nextCursor);
    const next = r.ok && r.value.nextCursor ? `/admin/audit?${nextParams.toString()}` : null;
    html(req, res, r.ok ? 200 : r.status, t(lang, 'audit'), auditPage(lang, f, r.ok ? r.value.entries : [], next, !str(req.query.cursor), r.ok ? undefined : errorLine(r.body)), 'audit');
  });

  return router;
}
