// The admin web console under /admin: sign-in with an API key, order list and payment dialog, recovery and settings pages.
import path from 'node:path';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { findApiKey } from '../../lib/api-keys';
import { orderWorkflowId } from '../../lib/names';
import type { PrismaClient } from '../../prisma/generated/client';
import { callApi, selfBaseUrl, type ApiErrorBody } from './engine-client';
import { layout, type NavKey } from './html';
import { t, type Lang } from './i18n';
import { LOGIN_CSRF_COOKIE, SESSION_COOKIE, SessionSealer, clearCookie, loadOrCreateSessionSecret, newSession, readCookie, setCookie, type ConsoleSession } from './session';
import { orderDetailPage, orderListPage, orderPanel, type ListFilters, type OrderDetail, type OrderRow } from './views-orders';
import { subscriptionDetailPage, subscriptionListPage, subscriptionPanel, type SubscriptionDetail, type SubscriptionRow } from './views-subscriptions';
import { errorPage, loginPage, recoveryPage, settingsPage, type RecoveryEntry, type SettingsView } from './views-pages';
import { randomBytes } from 'node:crypto';
import { settingsPatchFromForm } from './settings-form';
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
const ACTIONS = new Set(['capture', 'cancel', 'refunds', 'status']);
const ACTION_WAIT_MS = 15_000;
/** 継続課金: the editor's actions on a subscription; charging waits for the period's order to report. */
const SUBSCRIPTION_ACTIONS = new Set(['pause', 'resume', 'cancel', 'charges']);
const SUBSCRIPTION_STATUSES = new Set(['Active', 'Paused', 'Suspended', 'Canceled', 'Closed']);
const CHARGE_WAIT_MS = 25_000;

function langOf(req: Request): Lang {
  return readCookie(req, LANG_COOKIE) === 'en' ? 'en' : 'ja';
}

function sessionOf(res: Response): ConsoleSession {
  return res.locals.consoleSession as ConsoleSession;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** The requestId the page sent with an action (null when missing or malformed; `optional`: an action that needs none). */
function consoleRequestId(body: Record<string, unknown>, optional: boolean): string | null {
  const id = body.requestId;
  if (typeof id === 'string' && /^[A-Za-z0-9_.:-]{1,100}$/.test(id)) return id;
  return optional ? '' : null;
}

export function consoleRoutes(deps: { prisma: PrismaClient; options?: ConsoleOptions }): Router {
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
      .send(layout({ lang: langOf(req), title, here: req.originalUrl, nav, user: s ? { name: s.name, role: s.role, csrf: sealer.csrfToken(s.nonce) } : undefined }, content));
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
    if (!s) {
      if (req.method === 'GET' && !wantsJson(req)) res.redirect(303, `/admin/login?next=${encodeURIComponent(req.originalUrl)}`);
      else res.status(401).json({ error: { code: 'unauthorized', message: 'Sign in again' } });
      return;
    }
    res.locals.consoleSession = s;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const token = req.get('x-csrf-token') ?? (req.body as Record<string, unknown> | undefined)?._csrf;
      if (!sameOrigin(req) || !sealer.checkCsrf(s.nonce, token)) {
        res.status(403).json({ error: { code: 'csrf_failed', message: 'Missing or wrong CSRF token; reload the page' } });
        return;
      }
    }
    next();
  };

  const editorOnly = (req: Request, res: Response, next: NextFunction) => {
    if (sessionOf(res).role !== 'editor') {
      res.status(403).json({ error: { code: 'forbidden', message: t(langOf(req), 'forbidden') } });
      return;
    }
    next();
  };

  /** An API answer of 401 means the key was revoked: the session ends. */
  const signedOut = (req: Request, res: Response, status: number): boolean => {
    if (status !== 401) return false;
    clearCookie(req, res, SESSION_COOKIE);
    res.redirect(303, '/admin/login');
    return true;
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
    if (!found || found.role === 'storefront') {
      html(req, res, 401, t(lang, 'signIn'), loginPage(lang, again(), t(lang, 'badKey')));
      return;
    }
    setCookie(req, res, SESSION_COOKIE, sealer.seal(newSession(key, found.role, found.name)), { httpOnly: true });
    clearCookie(req, res, LOGIN_CSRF_COOKIE);
    const next = str(req.query.next);
    res.redirect(303, next && next.startsWith('/admin/') && !next.startsWith('//') ? next : '/admin/orders');
  });

  router.post('/admin/logout', authed, (req, res) => {
    clearCookie(req, res, SESSION_COOKIE);
    res.redirect(303, '/admin/login');
  });

  router.get('/admin/orders', authed, async (req, res) => {
    const lang = langOf(req);
    const s = sessionOf(res);
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
    const base = selfBaseUrl(req);
    let error: string | undefined;
    let nextCursor: string | null = null;
    // The expiry filter is applied here, so it may take a few API pages to fill one screen.
    for (let round = 0; round < (expiringDays === undefined ? 1 : 10); round++) {
      if (cursor) qs.set('cursor', cursor);
      const r = await callApi<{ orders: OrderRow[]; nextCursor: string | null } & ApiErrorBody>(base, s.key, 'GET', `/api/admin/orders?${qs.toString()}`);
      if (signedOut(req, res, r.status)) return;
      if (r.status !== 200) {
        error = r.body.error?.message ?? `HTTP ${r.status}`;
        break;
      }
      const limitAt = Date.now() + (expiringDays ?? 0) * 86_400_000;
      rows.push(...r.body.orders.filter((o) => expiringDays === undefined || (o.authorizationExpiresAt !== null && Date.parse(o.authorizationExpiresAt) <= limitAt)));
      nextCursor = r.body.nextCursor;
      cursor = nextCursor ?? undefined;
      if (!nextCursor || rows.length >= limit) break;
    }
    const nextParams = new URLSearchParams(Object.entries(f).filter((e): e is [string, string] => Boolean(e[1])));
    if (nextCursor) nextParams.set('cursor', nextCursor);
    html(req, res, 200, t(lang, 'orders'), orderListPage(lang, f, rows, nextCursor ? `/admin/orders?${nextParams.toString()}` : null, !str(req.query.cursor), error), 'orders');
  });

  const loadDetail = async (req: Request, res: Response): Promise<{ status: number; detail?: OrderDetail; message?: string }> => {
    const r = await callApi<OrderDetail & ApiErrorBody>(selfBaseUrl(req), sessionOf(res).key, 'GET', `/api/admin/orders/${encodeURIComponent(String(req.params.orderId))}`);
    if (r.status !== 200) return { status: r.status, message: r.body.error?.message ?? `HTTP ${r.status}` };
    return { status: 200, detail: r.body };
  };
  const workflowUrl = (orderId: string) => `${temporalUi}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(orderWorkflowId(orderId))}`;

  router.get('/admin/orders/:orderId', authed, async (req, res) => {
    const lang = langOf(req);
    const r = await loadDetail(req, res);
    if (signedOut(req, res, r.status)) return;
    if (!r.detail) {
      html(req, res, r.status, t(lang, 'paymentInfo'), errorPage(lang, r.status, r.message ?? ''), 'orders');
      return;
    }
    html(req, res, 200, `${t(lang, 'paymentInfo')} ${r.detail.orderId}`, orderDetailPage(lang, r.detail, sessionOf(res).role === 'editor', workflowUrl(r.detail.orderId)), 'orders');
  });

  router.get('/admin/orders/:orderId/panel', authed, async (req, res) => {
    const r = await loadDetail(req, res);
    if (!r.detail) {
      res.status(r.status).json({ error: { code: 'unavailable', message: r.message } });
      return;
    }
    res.type('html').send(orderPanel(langOf(req), r.detail, sessionOf(res).role === 'editor', workflowUrl(r.detail.orderId)));
  });

  router.post('/admin/orders/:orderId/:action', authed, editorOnly, async (req, res) => {
    const action = String(req.params.action);
    if (!ACTIONS.has(action)) {
      res.status(404).json({ error: { code: 'not_found', message: 'No such action' } });
      return;
    }
    const b = (req.body ?? {}) as Record<string, unknown>;
    // The page chose the requestId for this intended action and resends it on a retry; one made up here would turn a
    // retry into a second refund.
    const requestId = consoleRequestId(b, action === 'status');
    if (requestId === null) {
      res.status(400).json({ error: { code: 'invalid_request', message: 'requestId is required (1-100 letters, digits and . _ : -)' } });
      return;
    }
    const payload =
      action === 'status' ? { status: b.status } : action === 'cancel' ? { requestId, ...(str(b.reason) ? { reason: str(b.reason) } : {}) } : { amount: b.amount, requestId };
    const r = await callApi(selfBaseUrl(req), sessionOf(res).key, 'POST', `/api/admin/orders/${encodeURIComponent(String(req.params.orderId))}/${action}?waitMs=${ACTION_WAIT_MS}`, payload, ACTION_WAIT_MS + 10_000);
    res.status(r.status).json(r.body);
  });

  router.get('/admin/subscriptions', authed, async (req, res) => {
    const lang = langOf(req);
    const status = str(req.query.status);
    const qs = new URLSearchParams({ limit: '200' });
    if (status && SUBSCRIPTION_STATUSES.has(status)) qs.set('status', status);
    const r = await callApi<{ subscriptions: SubscriptionRow[] } & ApiErrorBody>(selfBaseUrl(req), sessionOf(res).key, 'GET', `/api/admin/subscriptions?${qs.toString()}`);
    if (signedOut(req, res, r.status)) return;
    const error = r.status === 200 ? undefined : (r.body.error?.message ?? `HTTP ${r.status}`);
    html(req, res, 200, t(lang, 'subscriptionList'), subscriptionListPage(lang, status, r.status === 200 ? r.body.subscriptions : [], error), 'subscriptions');
  });

  const loadSubscription = async (req: Request, res: Response): Promise<{ status: number; detail?: SubscriptionDetail; message?: string }> => {
    const r = await callApi<SubscriptionDetail & ApiErrorBody>(selfBaseUrl(req), sessionOf(res).key, 'GET', `/api/admin/subscriptions/${encodeURIComponent(String(req.params.subscriptionId))}`);
    if (r.status !== 200) return { status: r.status, message: r.body.error?.message ?? `HTTP ${r.status}` };
    return { status: 200, detail: r.body };
  };
  const subscriptionWorkflowUrl = (d: SubscriptionDetail) => `${temporalUi}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(d.workflowId)}`;

  router.get('/admin/subscriptions/:subscriptionId', authed, async (req, res) => {
    const lang = langOf(req);
    const r = await loadSubscription(req, res);
    if (signedOut(req, res, r.status)) return;
    if (!r.detail) {
      html(req, res, r.status, t(lang, 'subscription'), errorPage(lang, r.status, r.message ?? ''), 'subscriptions');
      return;
    }
    html(req, res, 200, `${t(lang, 'subscription')} ${r.detail.subscriptionId}`, subscriptionDetailPage(lang, r.detail, sessionOf(res).role === 'editor', subscriptionWorkflowUrl(r.detail)), 'subscriptions');
  });

  router.get('/admin/subscriptions/:subscriptionId/panel', authed, async (req, res) => {
    const r = await loadSubscription(req, res);
    if (!r.detail) {
      res.status(r.status).json({ error: { code: 'unavailable', message: r.message } });
      return;
    }
    res.type('html').send(subscriptionPanel(langOf(req), r.detail, sessionOf(res).role === 'editor', subscriptionWorkflowUrl(r.detail)));
  });

  router.post('/admin/subscriptions/:subscriptionId/:action', authed, editorOnly, async (req, res) => {
    const action = String(req.params.action);
    if (!SUBSCRIPTION_ACTIONS.has(action)) {
      res.status(404).json({ error: { code: 'not_found', message: 'No such action' } });
      return;
    }
    const b = (req.body ?? {}) as Record<string, unknown>;
    const requestId = consoleRequestId(b, false);
    if (requestId === null) {
      res.status(400).json({ error: { code: 'invalid_request', message: 'requestId is required (1-100 letters, digits and . _ : -)' } });
      return;
    }
    const payload =
      action === 'cancel'
        ? { requestId, ...(str(b.reason) ? { reason: str(b.reason) } : {}) }
        : action === 'charges'
          ? { requestId, ...(b.amount !== undefined && b.amount !== null && b.amount !== '' ? { amount: { amount: b.amount, currency: b.currency } } : {}) }
          : { requestId };
    const waitMs = action === 'charges' ? CHARGE_WAIT_MS : ACTION_WAIT_MS;
    const r = await callApi(selfBaseUrl(req), sessionOf(res).key, 'POST', `/api/admin/subscriptions/${encodeURIComponent(String(req.params.subscriptionId))}/${action}?waitMs=${waitMs}`, payload, waitMs + 10_000);
    res.status(r.status).json(r.body);
  });

  router.get('/admin/recovery', authed, async (req, res) => {
    const lang = langOf(req);
    const r = await callApi<{ entries: RecoveryEntry[] } & ApiErrorBody>(selfBaseUrl(req), sessionOf(res).key, 'GET', '/api/admin/recovery');
    if (signedOut(req, res, r.status)) return;
    if (r.status !== 200) {
      html(req, res, r.status, t(lang, 'recovery'), errorPage(lang, r.status, r.body.error?.message ?? ''), 'recovery');
      return;
    }
    html(req, res, 200, t(lang, 'recovery'), recoveryPage(lang, r.body.entries, sessionOf(res).role === 'editor'), 'recovery');
  });

  router.post('/admin/recovery/:id/redrive', authed, editorOnly, async (req, res) => {
    const r = await callApi(selfBaseUrl(req), sessionOf(res).key, 'POST', `/api/admin/recovery/${encodeURIComponent(String(req.params.id))}/redrive`, {}, 20_000);
    res.status(r.status).json(r.body);
  });

  const showSettings = async (req: Request, res: Response, message?: { ok: boolean; text: string }, status = 200) => {
    const lang = langOf(req);
    const s = sessionOf(res);
    const r = await callApi<SettingsView & ApiErrorBody>(selfBaseUrl(req), s.key, 'GET', '/api/admin/settings');
    if (signedOut(req, res, r.status)) return;
    if (r.status !== 200) {
      html(req, res, r.status, t(lang, 'settings'), errorPage(lang, r.status, r.body.error?.message ?? ''), 'settings');
      return;
    }
    html(req, res, status, t(lang, 'settings'), settingsPage(lang, r.body, s.role === 'editor', sealer.csrfToken(s.nonce), message), 'settings');
  };

  router.get('/admin/settings', authed, (req, res) => showSettings(req, res, req.query.saved === '1' ? { ok: true, text: t(langOf(req), 'saved') } : undefined));

  router.post('/admin/settings', authed, editorOnly, async (req, res) => {
    const patch = settingsPatchFromForm((req.body ?? {}) as Record<string, unknown>);
    const r = await callApi<ApiErrorBody>(selfBaseUrl(req), sessionOf(res).key, 'PUT', '/api/admin/settings', patch);
    if (r.status === 200) {
      res.redirect(303, '/admin/settings?saved=1');
      return;
    }
    const details = Array.isArray(r.body.error?.details) ? (r.body.error.details as { path: string; message: string }[]).map((d) => `${d.path}: ${d.message}`).join('; ') : '';
    await showSettings(req, res, { ok: false, text: `${r.body.error?.message ?? `HTTP ${r.status}`} ${details}` }, r.status);
  });

  return router;
}
