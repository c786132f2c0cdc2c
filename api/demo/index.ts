// Demo storefront: cart, Amazon Pay button, review, confirm and result, using only the public checkout API with a server-held storefront key;
// and the shop's own order list, kept only from the engine's signed events (events.ts), live in the browser.
// The default shop's store is at /demo; with the bundled simulator every other active shop has one at
// /demo/shops/<shopId> (paths.ts), each with its own key, event endpoint and order list.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { createApiKey, findApiKey } from '../../lib/api-keys';
import { DEFAULT_SHOP_ID, SHOP_ID_PATTERN } from '../../lib/names';
import { listShops, readShop } from '../../lib/shops';
import type { PrismaClient } from '../../prisma/generated/client';
import type { ShopEventsService } from '../events';
import { callApi, selfBaseUrl, type ApiErrorBody } from './api-client';
import { demoEventRoutes, type Receiving } from './events';
import { DEFAULT_DEMO_PATHS, DEMO_ASSETS_PATH, DEMO_BASE_PATH, DEMO_SHOPS_PATH, demoEventsPath, demoShopPaths, type DemoPaths } from './paths';
import { ShopOrderBook, type ShopEvent } from './shop-orders';
import {
  cartPage,
  checkoutPage,
  demoLayout,
  errorPage,
  notFoundPage,
  resultPage,
  reviewPage,
  CUSTOM_FIELDS,
  PRODUCTS,
  type Cart,
  type DemoShopLink,
  type DemoShopName,
  type QuickCustomer,
  type ReviewView,
  type StorefrontConfig,
} from './views';

export interface DemoOptions {
  /**
   * Where the demo keeps the default shop's storefront API key between restarts (e.g. DATA_DIR/demo-storefront-key);
   * another shop's demo keeps its own next to it, in `<keyFile>.<shopId>`. Absent: each key lives in memory only.
   */
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

/** A store's own events URL when it was not given: loopback, on the port the request came in on. */
function loopbackEventsUrl(req: Request, paths: DemoPaths): string {
  const v6 = (req.socket.localAddress ?? '') === '::1';
  return `http://${v6 ? '[::1]' : '127.0.0.1'}:${req.socket.localPort ?? 80}${demoEventsPath(paths.base)}`;
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

/** One shop's demo store: its routes are relative to `paths.base`, where it is mounted. */
interface DemoStoreDeps {
  prisma: PrismaClient;
  shopId: string;
  paths: DemoPaths;
  /** Named in the header (none for the default shop's demo, as before there were shops). */
  shop?: DemoShopName;
  /** The shop's event use-cases (events.forShop(shopId)). */
  events?: DemoEventsService;
  keyFile?: string;
  eventsUrl?: string;
  gapWaitMs?: number;
  /** The other shops' demos for the cart page's list (absent: no list). */
  otherShops?: () => Promise<DemoShopLink[]>;
}

function demoStore(deps: DemoStoreDeps): Router {
  const router = Router();
  const paths = deps.paths;
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
  const eventsUrl = deps.eventsUrl;
  if (eventsUrl) register(eventsUrl)?.catch(() => undefined);

  /** The store's own storefront key, of its shop: kept server-side, never sent to the browser. */
  const storefrontKey = (): Promise<string> => {
    key ??= (async () => {
      const file = deps.keyFile;
      if (file && existsSync(file)) {
        const saved = readFileSync(file, 'utf8').trim();
        const found = await findApiKey(deps.prisma, saved);
        if (found?.role === 'storefront' && found.shopId === deps.shopId) return saved;
      }
      const created = await createApiKey(deps.prisma, 'storefront', 'demo storefront', deps.shopId);
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
  const send = (res: Response, status: number, title: string, content: string) => res.status(status).type('html').send(demoLayout(paths, title, content, deps.shop));
  /** A page's absolute URL on the origin the buyer used (Amazon sends the buyer back there). */
  const pageUrl = (req: Request, pathname: string) => `${req.protocol}://${req.get('host') ?? '127.0.0.1'}${paths.base}${pathname}`;

  router.use((req, res, next) => {
    // The confirm form is answered with a redirect to Amazon's payment page (another origin).
    res.set('content-security-policy', "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self' https:; frame-ancestors 'self'; base-uri 'self'; object-src 'none'");
    res.set('cache-control', 'no-store');
    // Not told its URL: the demo registers on its first request (a failed registration is tried again on the next).
    if (!eventsUrl && !secret) register(loopbackEventsUrl(req, paths))?.catch(() => undefined);
    next();
  });
  // Before any body parser of the demo's: the events endpoint reads the raw body.
  router.use(
    demoEventRoutes({
      paths,
      ...(deps.shop ? { shop: deps.shop } : {}),
      book,
      secret: async () => secret ?? (registration ? Promise.race([registration.catch(() => undefined), new Promise<undefined>((r) => setTimeout(() => r(undefined), 5_000).unref())]) : undefined),
      receiving: () => receiving,
      ...(deps.events ? { catchUp: (orderId: string, afterSeq: number) => eventsFromLog(deps.events as DemoEventsService, orderId, afterSeq) } : {}),
      gapWaitMs: deps.gapWaitMs,
    }),
  );
  router.use(express.urlencoded({ extended: false, limit: '16kb' }));

  /** The buttons and fields the shop settings allow (undefined when the engine cannot say: nothing is offered). */
  const storefrontConfig = async (req: Request): Promise<StorefrontConfig | undefined> => {
    const r = await api<StorefrontConfig>(req, 'GET', '/api/storefront/config');
    return r.status === 200 ? r.body : undefined;
  };

  const otherShops = async () => (deps.otherShops ? deps.otherShops() : undefined);

  router.get('/', async (req, res) => {
    const [cfg, others] = await Promise.all([storefrontConfig(req), otherShops()]);
    send(res, 200, 'Demo shop', cartPage(paths, req.query.canceled === '1', cfg, undefined, others));
  });

  router.post('/checkout', async (req, res) => {
    const form = (req.body ?? {}) as Record<string, unknown>;
    // "Buy now" on a product: a quick checkout of that product alone, from the product placement.
    const buyNow = typeof form.buyNow === 'string' ? PRODUCTS.find((p) => p.id === form.buyNow) : undefined;
    const qtyOf = (id: string) => Math.min(9, Math.max(0, Math.floor(Number(form[`qty-${id}`] ?? 0)) || 0));
    const lines = buyNow ? [{ product: buyNow, qty: Math.max(1, qtyOf(buyNow.id)) }] : PRODUCTS.map((p) => ({ product: p, qty: qtyOf(p.id) })).filter((l) => l.qty > 0);
    const total = lines.reduce((sum, l) => sum + l.product.price * l.qty, 0);
    if (total <= 0) {
      const [cfg, others] = await Promise.all([storefrontConfig(req), otherShops()]);
      send(res, 422, 'Demo shop', cartPage(paths, false, cfg, 'カートが空です / The cart is empty', others));
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
      reviewReturnUrl: pageUrl(req, `/review/${orderId}`),
      resultReturnUrl: pageUrl(req, `/result/${orderId}`),
      cancelUrl: pageUrl(req, '?canceled=1'),
    });
    if (r.status !== 201) {
      send(res, r.status, 'Error', errorPage(paths, r.body));
      return;
    }
    carts.set(orderId, cart);
    if (carts.size > 1000) carts.delete(carts.keys().next().value as string);
    const { scriptUrl, ...buttonConfig } = r.body.button;
    // Amazon's script and its form posts come from another origin: allow exactly that origin for scripts.
    const scriptOrigin = new URL(scriptUrl).origin;
    res.set('content-security-policy', `default-src 'self'; script-src 'self' ${scriptOrigin}; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; connect-src 'self' ${scriptOrigin}; form-action 'self' ${scriptOrigin} https:; frame-ancestors 'self'; base-uri 'self'; object-src 'none'`);
    send(res, 200, 'Checkout', checkoutPage(paths, orderId, cart, scriptUrl, buttonConfig));
  });

  router.get('/review/:orderId', async (req, res) => {
    const orderId = String(req.params.orderId);
    const sessionId = typeof req.query.amazonCheckoutSessionId === 'string' ? req.query.amazonCheckoutSessionId : '';
    const r = await api<ReviewView>(req, 'GET', `/api/checkouts/${encodeURIComponent(orderId)}?amazonCheckoutSessionId=${encodeURIComponent(sessionId)}`);
    if (r.status !== 200) {
      send(res, r.status, 'Error', errorPage(paths, r.body));
      return;
    }
    send(res, 200, 'Review', reviewPage(paths, orderId, sessionId, r.body, carts.get(orderId)));
  });

  router.post('/confirm/:orderId', async (req, res) => {
    const orderId = String(req.params.orderId);
    const r = await api<{ amazonPayRedirectUrl: string }>(req, 'POST', `/api/checkouts/${encodeURIComponent(orderId)}/confirm`, {});
    if (r.status !== 200) {
      send(res, r.status, 'Error', errorPage(paths, r.body));
      return;
    }
    res.redirect(303, r.body.amazonPayRedirectUrl);
  });

  router.get('/result/:orderId', async (req, res) => {
    const orderId = String(req.params.orderId);
    const sessionId = typeof req.query.amazonCheckoutSessionId === 'string' ? req.query.amazonCheckoutSessionId : '';
    const r = await api<{ paymentStatus?: string; customer?: QuickCustomer }>(req, 'POST', `/api/checkouts/${encodeURIComponent(orderId)}/complete`, { amazonCheckoutSessionId: sessionId });
    send(res, r.status === 200 ? 200 : r.status, 'Result', resultPage(paths, orderId, r.status, r.body, carts.get(orderId)));
  });

  return router;
}

/**
 * Every other shop's demo (docs/shops.md), only with the bundled simulator: the demo takes orders without any key, so
 * with real Amazon it must never make a storefront key for whichever shop a visitor names (api/engine-app.ts gives
 * this only then).
 */
export interface DemoShopsDeps {
  /** One shop's event use-cases (events.forShop(shopId)): its demo's endpoint and catch-up, in that shop only. */
  events(shopId: string): DemoEventsService;
}

/** Shops listed on a cart page at most (the demo is for a few shops side by side). */
const OTHER_SHOPS_LISTED = 20;

/**
 * The other shops' demos for the cart page: active shops (the default shop's at /demo), never the store's own. A
 * failed read lists none: the cart still works.
 */
async function otherShopLinks(prisma: PrismaClient, ownShopId: string): Promise<DemoShopLink[]> {
  const shops = await listShops(prisma, { status: 'active', limit: OTHER_SHOPS_LISTED + 1 }).catch(() => []);
  return shops
    .filter((s) => s.shopId !== ownShopId)
    .slice(0, OTHER_SHOPS_LISTED)
    .map((s) => ({ shopId: s.shopId, name: s.name, href: s.shopId === DEFAULT_SHOP_ID ? DEMO_BASE_PATH : demoShopPaths(s.shopId).base }));
}

/**
 * /demo/shops/:shopId/…: the shop's own store, made at the first request for a shop that exists and is active (one per
 * shop, so what the demo keeps is bounded by the shops there are: an id that is malformed, unknown, suspended or the
 * default shop's is answered 404 and leaves nothing behind, no key, no endpoint, no order book). The id is checked
 * against SHOP_ID_PATTERN before any lookup. The shop is read on every request, so a suspension closes its pages at once;
 * only its event receiver stays open while suspended (the engine goes on sending its events, signed, as its payments go
 * on), and answers 503, retried, when no store was made yet.
 */
function shopDemos(deps: { prisma: PrismaClient; shops: DemoShopsDeps; options?: DemoOptions }): RequestHandler {
  const stores = new Map<string, Router>();
  const notFound = (res: Response) => {
    res.set('cache-control', 'no-store');
    res.status(404).type('html').send(demoLayout(DEFAULT_DEMO_PATHS, 'Not found', notFoundPage(DEFAULT_DEMO_PATHS)));
  };
  return async (req, res, next) => {
    const shopId = String(req.params.shopId ?? '');
    if (!SHOP_ID_PATTERN.test(shopId) || shopId === DEFAULT_SHOP_ID) {
      notFound(res);
      return;
    }
    const shop = await readShop(deps.prisma, shopId);
    let store = stores.get(shopId);
    if (shop?.status !== 'active') {
      const receiver = req.method === 'POST' && req.path === '/events';
      if (!shop || !receiver) notFound(res);
      else if (store) store(req, res, (err?: unknown) => (err ? next(err) : notFound(res)));
      else res.status(503).json({ error: { code: 'not_ready', message: 'The demo shop has not registered its endpoint yet' } });
      return;
    }
    if (!store) {
      const paths = demoShopPaths(shopId);
      store = demoStore({
        prisma: deps.prisma,
        shopId,
        paths,
        shop: { shopId, name: shop.name },
        events: deps.shops.events(shopId),
        ...(deps.options?.keyFile ? { keyFile: `${deps.options.keyFile}.${shopId}` } : {}),
        gapWaitMs: deps.options?.gapWaitMs,
        otherShops: () => otherShopLinks(deps.prisma, shopId),
      });
      stores.set(shopId, store);
    }
    // Nothing under a shop's path falls through to the default shop's store.
    store(req, res, (err?: unknown) => (err ? next(err) : notFound(res)));
  };
}

/**
 * The demo: the default shop's store at /demo, and with `shops` every other active shop's at /demo/shops/<shopId>;
 * their static files at /demo/static.
 */
export function demoRoutes(deps: { prisma: PrismaClient; events?: DemoEventsService; options?: DemoOptions; shops?: DemoShopsDeps }): Router {
  const router = Router();
  router.use(DEMO_ASSETS_PATH, express.static(path.join(__dirname, 'static'), { index: false }));
  const shops = deps.shops;
  if (shops) router.use(`${DEMO_SHOPS_PATH}/:shopId`, shopDemos({ prisma: deps.prisma, shops, ...(deps.options ? { options: deps.options } : {}) }));
  router.use(
    DEMO_BASE_PATH,
    demoStore({
      prisma: deps.prisma,
      shopId: DEFAULT_SHOP_ID,
      paths: DEFAULT_DEMO_PATHS,
      ...(deps.events ? { events: deps.events } : {}),
      keyFile: deps.options?.keyFile,
      eventsUrl: deps.options?.eventsUrl,
      gapWaitMs: deps.options?.gapWaitMs,
      ...(shops ? { otherShops: () => otherShopLinks(deps.prisma, DEFAULT_SHOP_ID) } : {}),
    }),
  );
  return router;
}
