// The demo shop's side of the engine's events (docs/events.md): the endpoint the engine POSTs them to, checked with the
// shared verifier on the raw body, fed into the shop's own order list (shop-orders.ts), and that list live in the
// browser through server-sent events. An event ahead of a gap waits; when the gap stays, the shop catches up from the
// event log (GET /api/events for the order), as docs/events.md tells a shop that missed some.
import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { DEFAULT_TOLERANCE_SECONDS, SIGNATURE_HEADER, verifyEventSignature } from '../../lib/event-signature';
import type { Logger } from '../../lib/logger';
import type { ShopEvent, ShopOrder, ShopOrderBook } from './shop-orders';
import { demoEventsPath, type DemoPaths } from './paths';
import { demoLayout, shopOrderRow, shopOrdersPage, type DemoShopName } from './views';

export { DEMO_EVENTS_PATH } from './paths';

/** Where the demo stands with the engine: registered as an endpoint (its secret known) or not yet. */
export interface Receiving {
  registered: boolean;
  url?: string;
  error?: string;
}

export interface DemoEventsDeps {
  /** The store's paths: its routes are relative to `paths.base`, where its router is mounted. */
  paths: DemoPaths;
  /** The shop named in the pages' header (none for the default shop's demo). */
  shop?: DemoShopName;
  book: ShopOrderBook;
  /** The endpoint's signing secret, once the demo has registered (kept in memory only); undefined before. */
  secret(): Promise<string | undefined>;
  receiving(): Receiving;
  /** The order's events from the event log after `afterSeq` (the catch-up when a gap stays open). */
  catchUp?(orderId: string, afterSeq: number): Promise<ShopEvent[]>;
  /** How long a gap may stay before the shop catches up (default 2 s). */
  gapWaitMs?: number;
  /** How far a signature's time may be from now (default the verifier's, 300 s). */
  toleranceSeconds?: number;
  nowSeconds?: () => number;
  /** Live pages at most (each holds a connection). */
  maxStreams?: number;
}

const eventSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_.:-]{1,200}$/),
  type: z.string().min(1).max(100),
  orderId: z.string().min(1).max(200),
  seq: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  paymentStatus: z.string().max(100).nullable(),
  occurredAt: z.string().max(40),
  data: z.record(z.string(), z.unknown()).optional(),
});

const logOf = (res: Response) => res.locals.log as Logger | undefined;
const refuse = (res: Response, status: number, code: string, message: string) => res.status(status).json({ error: { code, message } });

export function demoEventRoutes(deps: DemoEventsDeps): Router {
  const router = Router();
  const book = deps.book;
  const gapWaitMs = deps.gapWaitMs ?? 2_000;
  const tolerance = deps.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;

  // ---------------------------------------------------------------- catching up a gap that stays open
  const catchingUp = new Set<string>();
  const scheduleCatchUp = (orderId: string, log: Logger | undefined) => {
    const catchUp = deps.catchUp;
    if (!catchUp || catchingUp.has(orderId)) return;
    catchingUp.add(orderId);
    setTimeout(() => {
      const { lastSeq, waiting } = book.position(orderId);
      if (waiting === 0) {
        catchingUp.delete(orderId);
        return;
      }
      catchUp(orderId, lastSeq)
        .then((events) => {
          for (const e of [...events].sort((a, b) => a.seq - b.seq)) book.receive(e);
        })
        .catch((err: unknown) => log?.warn({ orderId, err: err instanceof Error ? err.message : String(err) }, 'demo shop: catching up the event log failed'))
        .finally(() => catchingUp.delete(orderId));
    }, gapWaitMs).unref();
  };

  // ---------------------------------------------------------------- the endpoint
  router.post('/events', express.raw({ type: () => true, limit: '256kb' }), async (req: Request, res: Response) => {
    if (!Buffer.isBuffer(req.body)) {
      // A JSON parser ahead of this route took the body: the signature can only be checked on the bytes as sent.
      logOf(res)?.error(`demo shop: the raw body of an event was consumed before the receiver (skip JSON parsing for ${demoEventsPath(deps.paths.base)})`);
      refuse(res, 500, 'raw_body_unavailable', 'The raw request body was not kept for the signature check');
      return;
    }
    const secret = await deps.secret();
    // Not registered yet: the engine tries again later (5xx is retried).
    if (!secret) {
      refuse(res, 503, 'not_ready', 'The demo shop has not registered its endpoint yet');
      return;
    }
    const raw = req.body.toString('utf8');
    const nowSeconds = deps.nowSeconds?.();
    if (!verifyEventSignature(raw, req.get(SIGNATURE_HEADER), secret, { toleranceSeconds: tolerance, ...(nowSeconds === undefined ? {} : { nowSeconds }) })) {
      logOf(res)?.warn({ eventId: req.get('x-engine-event-id')?.slice(0, 200) }, 'demo shop: event refused, its signature does not verify');
      refuse(res, 400, 'signature_invalid', `${SIGNATURE_HEADER} does not match the body with this endpoint's secret, or its time is more than ${tolerance} s from now`);
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      refuse(res, 400, 'invalid_json', 'The body is not JSON');
      return;
    }
    const event = eventSchema.safeParse(parsed);
    if (!event.success) {
      refuse(res, 400, 'invalid_event', `Not an event: ${event.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      return;
    }
    const outcome = book.receive(event.data as ShopEvent);
    if (outcome === 'overflow') {
      // Too many waiting behind this order's gap: the engine sends it again later, by then the gap may be filled.
      refuse(res, 503, 'too_many_waiting', 'Too many events wait for an earlier one of this order');
      scheduleCatchUp(event.data.orderId, logOf(res));
      return;
    }
    if (outcome === 'held') scheduleCatchUp(event.data.orderId, logOf(res));
    res.status(outcome === 'held' ? 202 : 200).json({ received: true, outcome });
  });

  // ---------------------------------------------------------------- the list, live
  const streams = new Set<Response>();
  let heartbeat: NodeJS.Timeout | undefined;
  const write = (res: Response, chunk: string) => {
    if (!res.writableEnded) res.write(chunk);
  };
  const message = (o: ShopOrder) => `event: order\ndata: ${JSON.stringify({ orderId: o.orderId, html: shopOrderRow(o) })}\n\n`;
  book.onChange((o) => {
    for (const s of streams) write(s, message(o));
  });

  router.get('/orders', (_req, res) => {
    res.status(200).type('html').send(demoLayout(deps.paths, 'Orders', shopOrdersPage(deps.paths, book.list(), deps.receiving()), deps.shop));
  });

  router.get('/orders/stream', (req, res) => {
    if (streams.size >= (deps.maxStreams ?? 50)) {
      refuse(res, 503, 'too_many_streams', 'Too many live pages are open; reload later');
      return;
    }
    res.status(200).set({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    res.flushHeaders();
    // Every row first (what changed since the page was rendered, or while a reconnect took), then each change as it comes.
    write(res, 'retry: 3000\n\n');
    for (const o of book.list().reverse()) write(res, message(o));
    streams.add(res);
    heartbeat ??= setInterval(() => {
      for (const s of streams) write(s, ': keep-alive\n\n');
    }, 20_000).unref();
    req.on('close', () => {
      streams.delete(res);
      if (streams.size === 0 && heartbeat) {
        clearInterval(heartbeat);
        heartbeat = undefined;
      }
    });
  });

  return router;
}
