// Demo storefront under /demo: cart, Amazon Pay button, review, confirm and result, using only the public checkout API with a server-held storefront key;
// and the shop's own order list, kept only from the engine's signed events (events.ts), live in the browser.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import express, { Router, type Request, type Response } from 'express';
import { createApiKey, findApiKey } from '../../lib/api-keys';
import { DEFAULT_SHOP_ID } from '../../lib/names';
import type { PrismaClient } from '../../prisma/generated/client';
import type { ShopEventsService } from '../events';
import { callApi, selfBaseUrl, type ApiErrorBody } from './api-client';
import { DEMO_EVENTS_PATH, demoEventRoutes, type Receiving } from './events';
import { ShopOrderBook, type ShopEvent } from './shop-orders';
import { cartPage, checkoutPage, demoLayout, errorPage, resultPage, reviewPage, CUSTOM_FIELDS, PRODUCTS, type Cart, type QuickCustomer, type ReviewView, type StorefrontConfig } from './views';

export interface DemoOptions {
  /** Where the demo keeps its storefront API key between restarts (e.g. DATA_DIR/demo-storefront-key). */
  keyFile?: string;
  /**
   * The URL the engine's relay posts the demo's events to (this server's /demo/events, e.g. http://127.0.0.1:3000/demo/events):
   * given, the demo registers at once; absent, at its first request, on the loopback address and port that request came in on.
   */
  eventsUrl?: string;
  /** How long an order's gap may stay before the demo catches up from the event log (default 2 s). */
  gapWaitMs?: number;
}

/** What the demo needs of the event use-cases (api/events.ts), in-process: its own endpoint, and the log to catch up from. */
export type DemoEventsService = Pick<ShopEventsService, 'listEndpoints' | 'createEndpoint' | 'rotateSecret' | 'updateEndpoint' | 'listEvents'>;

export const DEMO_ENDPOINT_DESCRIPTION = 'デモショップ / demo shop (api/demo)';

/** The demo's own events URL when it was not given: loopback, on the port the request came in on. */
function loopbackEventsUrl(req: Request): string {
  const v6 = (req.socket.localAddress ?? '') === '::1';
  return `http://${v6 ? '[::1]' : '127.0.0.1'}:${req.socket.localPort ?? 80}${DEMO_EVENTS_PATH}`;
}

/**
 * The demo's endpoint for the engine's events: the one it made before for the same URL gets a new secret (the old
 * one died with the process that knew it) and is enabled for every type; otherwise one is made. Answers the secret,
 * which stays in this process's memory only.
 */
async function registerEndpoint(events: DemoEventsService, url: string): Promise<string> {
  const mine = (await events.listEndpoints()).data.find((e) => e.source === 'api' && e.url === url);
  if (!mine) return (await events.createEndpoint({ url, description: DEMO_ENDPOINT_DESCRIPTION, enabled: true })).secret;
  const rotated = await events.rotateSecret(mine.id, { overlapSeconds: 0 });
  if (!mine.enabled || mine.eventTypes.length > 0) await events.updateEndpoint(mine.id, { enabled: true, eventTypes: [] });
  return rotated.secret;
}

/** The order's events from the log after `afterSeq`, oldest first (at most 2,000: a demo's order has far fewer). */
async function eventsFromLog(events: DemoEventsService, orderId: string, afterSeq: number): Promise<ShopEvent[]> {
  const out: ShopEvent[] = [];
  let after: string | undefined;
  for (let page = 0; page < 20; page++) {
    const r = await events.listEvents({ orderId, limit: 100, ...(after ? { after } : {}) });
    out.push(...r.data.filter((e) => e.seq > afterSeq));
    if (!r.hasMore || !r.nextAfter) break;
    after = r.nextAfter;
  }
  return out;
}

interface ButtonAnswer extends ApiErrorBody {
  button: { scriptUrl: string } & Record<string, unknown>;
}

export function demoRoutes(deps: { prisma: PrismaClient; events?: DemoEventsService; options?: DemoOptions }): Router {
  const router = Router();
  const carts = new Map<string, Cart>();
  let key: Promise<string> | undefined;

  // The shop's side of the events: registered once per process, the secret kept here and nowhere else.
  const book = new ShopOrderBook();
  let registration: Promise<string> | undefined;
  let secret: string | undefined;
  let receiving: Receiving = { registered: false, error: deps.events ? undefined : 'this server gave the demo no event service' };
  const register = (url: string): Promise<string> | undefined => {
    const events = deps.events;
    if (!events) return undefined;
    registration ??= registerEndpoint(events, url).then(
      (s) => {
        secret = s;
        receiving = { registered: true, url };
        return s;
      },
      (err: unknown) => {
        registration = undefined;
        receiving = { registered: false, url, error: err instanceof Error ? err.message : String(err) };
        throw err;
      },
    );
    return registration;
  };
  const eventsUrl = deps.options?.eventsUrl;
  if (eventsUrl) register(eventsUrl)?.catch(() => undefined);

  /** The demo shop's own storefront key: kept server-side, never sent to the browser. */
  const storefrontKey = (): Promise<string> => {
    key ??= (async () => {
      const file = deps.options?.keyFile;
      if (file && existsSync(file)) {
        const saved = readFileSync(file, 'utf8').trim();
        const found = await findApiKey(deps.prisma, saved);
        if (found?.role === 'storefront' && found.shopId === DEFAULT_SHOP_ID) return saved;
      }
      // The demo is the default shop's storefront (docs/shops.md).
      const created = await createApiKey(deps.prisma, 'storefront', 'demo storefront', DEFAULT_SHOP_ID);
      if (file) {
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, `${created.key}\n`, { mode: 0o600 });
      }
      return created.key;
    })().catch((err: unknown) => {
      key = undefined;
      throw err;
    });
    return key;
  };

  const api = async <T>(req: Request, method: string, pathname: string, body?: unknown) => callApi<T & ApiErrorBody>(selfBaseUrl(req), await storefrontKey(), method, pathname, body, 40_000);
  const send = (res: Response, status: number, title: string, content: string) => res.status(status).type('html').send(demoLayout(title, content));
  const origin = (req: Request) => `${req.protocol}://${req.get('host') ?? '127.0.0.1'}`;

  router.use('/demo/static', express.static(path.join(__dirname, 'static'), { index: false }));
  router.use('/demo', (req, res, next) => {
    // The confirm form is answered with a redirect to Amazon's payment page (another origin).
    res.set('content-security-policy', "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self' https:; frame-ancestors 'self'; base-uri 'self'; object-src 'none'");
    res.set('cache-control', 'no-store');
    // Not told its URL: the demo registers on its first request (a failed registration is tried again on the next).
    if (!eventsUrl && !secret) register(loopbackEventsUrl(req))?.catch(() => undefined);
    next();
  });
  // Before any body parser of the demo's: the events endpoint reads the raw body.
  router.use(
    demoEventRoutes({
      book,
      secret: async () => secret ?? (registration ? Promise.race([registration.catch(() => undefined), new Promise<undefined>((r) => setTimeout(() => r(undefined), 5_000).unref())]) : undefined),
      receiving: () => receiving,
      ...(deps.events ? { catchUp: (orderId: string, afterSeq: number) => eventsFromLog(deps.events as DemoEventsService, orderId, afterSeq) } : {}),
      gapWaitMs: deps.options?.gapWaitMs,
    }),
  );
  router.use('/demo', express.urlencoded({ extended: false, limit: '16kb' }));

  /** The buttons and fields the shop settings allow (undefined when the engine cannot say: nothing is offered). */
  const storefrontConfig = async (req: Request): Promise<StorefrontConfig | undefined> => {
    const r = await api<StorefrontConfig>(req, 'GET', '/api/storefront/config');
    return r.status === 200 ? r.body : undefined;
  };

  router.get('/demo', async (req, res) => {
    send(res, 200, 'Demo shop', cartPage(req.query.canceled === '1', await storefrontConfig(req)));
  });

  router.post('/demo/checkout', async (req, res) => {
    const form = (req.body ?? {}) as Record<string, unknown>;
    // "Buy now" on a product: a quick checkout of that product alone, from the product placement.
    const buyNow = typeof form.buyNow === 'string' ? PRODUCTS.find((p) => p.id === form.buyNow) : undefined;
    const qtyOf = (id: string) => Math.min(9, Math.max(0, Math.floor(Number(form[`qty-${id}`] ?? 0)) || 0));
    const lines = buyNow ? [{ product: buyNow, qty: Math.max(1, qtyOf(buyNow.id)) }] : PRODUCTS.map((p) => ({ product: p, qty: qtyOf(p.id) })).filter((l) => l.qty > 0);
    const total = lines.reduce((sum, l) => sum + l.product.price * l.qty, 0);
    if (total <= 0) {
      send(res, 422, 'Demo shop', cartPage(false, await storefrontConfig(req), 'カートが空です / The cart is empty'));
      return;
    }
    const quick = buyNow !== undefined || form.mode === 'quick';
    const note = typeof form.note === 'string' && form.note.trim() ? form.note.trim() : undefined;
    const fieldsOf = (kind: keyof typeof CUSTOM_FIELDS) => {
      const v = form[`${kind}.${CUSTOM_FIELDS[kind].key}`];
      return typeof v === 'string' && v ? { [CUSTOM_FIELDS[kind].key]: v } : undefined;
    };
    const order = fieldsOf('order');
    const delivery = fieldsOf('delivery');
    // The quick checkout page's note and custom fields go with the order (the engine refuses them when switched off).
    const quickPage = quick
      ? { placement: buyNow ? 'product' : 'cart', ...(note ? { note } : {}), ...(order || delivery ? { customFields: { ...(order ? { order } : {}), ...(delivery ? { delivery } : {}) } } : {}) }
      : {};
    const stamp = new Date().toISOString().slice(0, 10).replace(/-/g, '');
    const orderId = `DEMO-${stamp}-${randomBytes(4).toString('hex').toUpperCase()}`;
    const cart: Cart = { lines, total: { amount: total, currency: 'JPY' } };
    const r = await api<ButtonAnswer>(req, 'POST', '/api/checkouts', {
      orderId,
      // クイック決済: no address form in the shop; Amazon's buyer and address come back with the order.
      ...(quick ? { mode: 'quick', ...quickPage } : {}),
      amount: cart.total,
      reviewReturnUrl: `${origin(req)}/demo/review/${orderId}`,
      resultReturnUrl: `${origin(req)}/demo/result/${orderId}`,
      cancelUrl: `${origin(req)}/demo?canceled=1`,
    });
    if (r.status !== 201) {
      send(res, r.status, 'Error', errorPage(r.body));
      return;
    }
    carts.set(orderId, cart);
    if (carts.size > 1000) carts.delete(carts.keys().next().value as string);
    const { scriptUrl, ...buttonConfig } = r.body.button;
    // Amazon's script and its form posts come from another origin: allow exactly that origin for scripts.
    const scriptOrigin = new URL(scriptUrl).origin;
    res.set('content-security-policy', `default-src 'self'; script-src 'self' ${scriptOrigin}; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; connect-src 'self' ${scriptOrigin}; form-action 'self' ${scriptOrigin} https:; frame-ancestors 'self'; base-uri 'self'; object-src 'none'`);
    send(res, 200, 'Checkout', checkoutPage(orderId, cart, scriptUrl, buttonConfig));
  });

  router.get('/demo/review/:orderId', async (req, res) => {
    const orderId = String(req.params.orderId);
    const sessionId = typeof req.query.amazonCheckoutSessionId === 'string' ? req.query.amazonCheckoutSessionId : '';
    const r = await api<ReviewView>(req, 'GET', `/api/checkouts/${encodeURIComponent(orderId)}?amazonCheckoutSessionId=${encodeURIComponent(sessionId)}`);
    if (r.status !== 200) {
      send(res, r.status, 'Error', errorPage(r.body));
      return;
    }
    send(res, 200, 'Review', reviewPage(orderId, sessionId, r.body, carts.get(orderId)));
  });

  router.post('/demo/confirm/:orderId', async (req, res) => {
    const orderId = String(req.params.orderId);
    const r = await api<{ amazonPayRedirectUrl: string }>(req, 'POST', `/api/checkouts/${encodeURIComponent(orderId)}/confirm`, {});
    if (r.status !== 200) {
      send(res, r.status, 'Error', errorPage(r.body));
      return;
    }
    res.redirect(303, r.body.amazonPayRedirectUrl);
  });

  router.get('/demo/result/:orderId', async (req, res) => {
    const orderId = String(req.params.orderId);
    const sessionId = typeof req.query.amazonCheckoutSessionId === 'string' ? req.query.amazonCheckoutSessionId : '';
    const r = await api<{ paymentStatus?: string; customer?: QuickCustomer }>(req, 'POST', `/api/checkouts/${encodeURIComponent(orderId)}/complete`, { amazonCheckoutSessionId: sessionId });
    send(res, r.status === 200 ? 200 : r.status, 'Result', resultPage(orderId, r.status, r.body, carts.get(orderId)));
  });

  return router;
}
