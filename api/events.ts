/**
 * The event log through the API (docs/events.md): `GET /api/events` for the shop to catch up (storefront key, admin
 * roles too), an order's events with their deliveries and a resend (admin), and the endpoints events go to (admin).
 */
import { randomBytes } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { EVENT_TYPES, type EventType } from '../lib/event-types';
import { eventView } from '../lib/events';
import type { Event, EventDelivery, EventEndpoint, Prisma, PrismaClient } from '../prisma/generated/client';
import { requireRole, shopOf } from './auth';
import { ApiError } from './errors';
import { orderIdSchema } from './schemas';

export interface EventsDeps {
  prisma: PrismaClient;
  /** Seals a new endpoint secret for the database (lib/secret-box.ts): the plain secret is never stored. */
  sealSecret(plain: string): string;
}

// ---------------------------------------------------------------- views

export function deliveryView(d: EventDelivery & { endpoint: Pick<EventEndpoint, 'url'> }) {
  return {
    id: String(d.id),
    endpointId: d.endpointId,
    endpointUrl: d.endpoint.url,
    status: d.status,
    attempts: d.attempts,
    lastAttemptAt: d.lastAttemptAt?.toISOString() ?? null,
    nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt.toISOString() : null,
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    deliveredAt: d.deliveredAt?.toISOString() ?? null,
  };
}

type EventWithDeliveries = Event & { deliveries: Array<EventDelivery & { endpoint: Pick<EventEndpoint, 'url'> }> };

/** Where an event stands with the shop, over all its deliveries: what the console's one-word column shows. */
export function deliverySummary(deliveries: ReadonlyArray<Pick<EventDelivery, 'status'>>): 'pending' | 'delivered' | 'refused' | 'failed' | 'canceled' | 'recorded' {
  if (deliveries.length === 0) return 'recorded';
  for (const s of ['pending', 'failed', 'refused'] as const) if (deliveries.some((d) => d.status === s)) return s;
  return deliveries.every((d) => d.status === 'canceled') ? 'canceled' : 'delivered';
}

export function eventWithDeliveriesView(e: EventWithDeliveries) {
  return { ...eventView(e), delivery: deliverySummary(e.deliveries), deliveries: e.deliveries.map(deliveryView) };
}

/** Events with their deliveries, newest first unless asked otherwise. */
export async function eventsWithDeliveries(prisma: PrismaClient, where: Prisma.EventWhereInput, opts: { take?: number; oldestFirst?: boolean } = {}) {
  const rows = await prisma.event.findMany({
    where,
    orderBy: { id: opts.oldestFirst ? 'asc' : 'desc' },
    take: opts.take ?? 200,
    include: { deliveries: { include: { endpoint: { select: { url: true } } }, orderBy: { id: 'asc' } } },
  });
  return rows.map(eventWithDeliveriesView);
}

// ---------------------------------------------------------------- the shop's catch-up list

export const listEventsQuerySchema = z.strictObject({
  after: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,200}$/, 'expected the id of an event (evt_…)')
    .optional()
    .describe('The id of the last event handled: the list starts after it'),
  type: z
    .enum(EVENT_TYPES as [EventType, ...EventType[]])
    .optional()
    .describe('Only events of this type'),
  orderId: orderIdSchema.optional().describe('Only the events of this order'),
  limit: z.coerce.number().int('expected a whole number').min(1).max(100).default(50),
});

export async function listEvents(prisma: PrismaClient, shopId: string, query: unknown) {
  const q = listEventsQuerySchema.parse(query);
  let afterId: bigint | undefined;
  if (q.after !== undefined) {
    // Another shop's event id is no cursor here: as unknown as a made-up one.
    const cursor = await prisma.event.findFirst({ where: { eventId: q.after, shopId }, select: { id: true } });
    if (!cursor) throw new ApiError(404, 'event_not_found', 'No event with the id given in after');
    afterId = cursor.id;
  }
  const rows = await prisma.event.findMany({
    where: { shopId, ...(afterId !== undefined ? { id: { gt: afterId } } : {}), ...(q.type ? { type: q.type } : {}), ...(q.orderId ? { orderId: q.orderId } : {}) },
    orderBy: { id: 'asc' },
    take: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  return { data: page.map(eventView), hasMore: rows.length > q.limit, nextAfter: page.length > 0 ? page[page.length - 1].eventId : (q.after ?? null) };
}

// ---------------------------------------------------------------- endpoints

/** A shop may name this many endpoints: each event is one delivery per endpoint. */
/** Per shop. */
export const MAX_EVENT_ENDPOINTS = 20;
/** Serializes endpoint creation (the limit above) and rotations. */
const ENDPOINTS_LOCK = 7_261_204;
/** How long a rotated secret keeps signing beside the new one, by default and at most. */
export const DEFAULT_ROTATION_OVERLAP_SECONDS = 86_400;
export const MAX_ROTATION_OVERLAP_SECONDS = 7 * 86_400;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** An endpoint's URL: https (http only on this machine's loopback, for development), no credentials, no fragment. */
/** C0 control characters and DEL: refused in what an admin names (the database refuses NUL; a URL parser drops tabs). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

export const endpointUrlSchema = z
  .string()
  .trim()
  .max(2000, 'expected a URL of at most 2000 characters')
  .refine((raw) => !CONTROL_CHARACTERS.test(raw), 'expected a URL without control characters (tabs, newlines, NUL)')
  .refine((raw) => {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      return false;
    }
    if (u.username || u.password || u.hash) return false;
    return u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK_HOSTS.has(u.hostname));
  }, 'expected an https URL without credentials or #fragment (http only for localhost), such as https://shop.example.com/amazon-pay/events')
  // What is stored, shown and called is the one URL the parser read.
  .transform((raw) => new URL(raw).href);

const descriptionSchema = z.string().trim().max(200).refine((d) => !CONTROL_CHARACTERS.test(d), 'expected a description without control characters');

const eventTypesSchema = z
  .array(z.enum(EVENT_TYPES as [EventType, ...EventType[]]))
  .max(EVENT_TYPES.length)
  .refine((types) => new Set(types).size === types.length, 'expected each event type once')
  .describe('The types the endpoint wants; empty or absent: every type');

export const createEndpointSchema = z.strictObject({
  url: endpointUrlSchema,
  description: descriptionSchema.optional(),
  eventTypes: eventTypesSchema.optional(),
  enabled: z.boolean().optional(),
});

export const updateEndpointSchema = z
  .strictObject({
    url: endpointUrlSchema.optional(),
    description: descriptionSchema.nullable().optional(),
    eventTypes: eventTypesSchema.optional(),
    enabled: z.boolean().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'expected at least one of url, description, eventTypes, enabled');

export const rotateSecretSchema = z.strictObject({
  overlapSeconds: z
    .number()
    .int('expected a whole number of seconds')
    .min(0)
    .max(MAX_ROTATION_OVERLAP_SECONDS, `expected at most ${MAX_ROTATION_OVERLAP_SECONDS} seconds (7 days)`)
    .default(DEFAULT_ROTATION_OVERLAP_SECONDS)
    .describe('How long the previous secret keeps signing beside the new one (0: stops at once)'),
});

export const resendSchema = z.strictObject({
  endpointId: z.uuid('expected an endpoint id').optional().describe('Only to this endpoint; absent: every delivery of the event'),
});

const endpointIdSchema = z.uuid('expected an endpoint id');
const eventIdSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,200}$/, 'expected the id of an event (evt_…)');

export function endpointView(e: EventEndpoint, now: Date) {
  const overlap = e.previousSecretSealed !== null && e.previousSecretExpiresAt !== null && e.previousSecretExpiresAt > now;
  return {
    id: e.id,
    url: e.url,
    description: e.description,
    eventTypes: e.eventTypes,
    enabled: e.enabled,
    source: e.source,
    secretRotation: overlap ? { previousExpiresAt: (e.previousSecretExpiresAt as Date).toISOString() } : null,
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
  };
}

/** A new signing secret: 32 random bytes, shown to the caller once. */
export function newEndpointSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/** The event use-cases of every shop; `forShop(shopId)` is one shop's, and reaches nothing of another shop. */
export interface EventsService {
  forShop(shopId: string): ShopEventsService;
}

export interface ShopEventsService {
  listEvents(query: unknown): ReturnType<typeof listEvents>;
  orderEvents(orderId: unknown): Promise<{ data: ReturnType<typeof eventWithDeliveriesView>[] }>;
  resend(eventId: unknown, body: unknown): Promise<{ deliveries: ReturnType<typeof deliveryView>[] }>;
  listEndpoints(): Promise<{ data: ReturnType<typeof endpointView>[] }>;
  createEndpoint(body: unknown): Promise<{ endpoint: ReturnType<typeof endpointView>; secret: string }>;
  updateEndpoint(id: unknown, body: unknown): Promise<{ endpoint: ReturnType<typeof endpointView> }>;
  rotateSecret(id: unknown, body: unknown): Promise<{ endpoint: ReturnType<typeof endpointView>; secret: string }>;
  deleteEndpoint(id: unknown): Promise<{ endpoint: ReturnType<typeof endpointView> }>;
}

/** The event use-cases, called in-process by the JSON API and the console alike. */
export function createEventsService(deps: EventsDeps & { clock?: () => Date }): EventsService {
  const shops = new Map<string, ShopEventsService>();
  return {
    forShop(shopId) {
      let s = shops.get(shopId);
      if (!s) shops.set(shopId, (s = shopEventsService(deps, shopId)));
      return s;
    },
  };
}

function shopEventsService(deps: EventsDeps & { clock?: () => Date }, shopId: string): ShopEventsService {
  const { prisma } = deps;
  const now = deps.clock ?? (() => new Date());

  /** An endpoint of this shop the API may change: not deleted, not the environment's. */
  async function changeable(idInput: unknown): Promise<EventEndpoint> {
    const id = endpointIdSchema.parse(idInput);
    const row = await prisma.eventEndpoint.findFirst({ where: { id, shopId, deletedAt: null } });
    if (!row) throw new ApiError(404, 'endpoint_not_found', `No event endpoint ${id}`);
    if (row.source === 'env') throw new ApiError(409, 'endpoint_managed_by_environment', 'This endpoint is SHOP_WEBHOOK_URL: change it in the environment, not through the API');
    return row;
  }

  return {
    listEvents: (query) => listEvents(prisma, shopId, query),

    async orderEvents(orderIdInput) {
      const orderId = orderIdSchema.parse(orderIdInput);
      const [order, data] = await Promise.all([prisma.order.findUnique({ where: { shopId_orderId: { shopId, orderId } }, select: { orderId: true } }), eventsWithDeliveries(prisma, { shopId, orderId }, { oldestFirst: true, take: 1000 })]);
      if (!order && data.length === 0) throw new ApiError(404, 'order_not_found', `No order ${orderId}`);
      return { data };
    },

    async resend(eventIdInput, bodyInput) {
      const eventId = eventIdSchema.parse(eventIdInput);
      const body = resendSchema.parse(bodyInput ?? {});
      const event = await prisma.event.findFirst({ where: { eventId, shopId }, select: { id: true, orderId: true, seq: true } });
      if (!event) throw new ApiError(404, 'event_not_found', `No event ${eventId}`);
      const endpoints = await prisma.eventEndpoint.findMany({ where: { shopId, deletedAt: null, enabled: true, ...(body.endpointId ? { id: body.endpointId } : {}) }, select: { id: true } });
      if (body.endpointId && endpoints.length === 0) throw new ApiError(404, 'endpoint_not_found', `No enabled event endpoint ${body.endpointId}`);
      const existing = await prisma.eventDelivery.findMany({ where: { eventRowId: event.id, endpointId: { in: endpoints.map((e) => e.id) } }, select: { endpointId: true } });
      // Without an endpoint named, only the deliveries the event had; naming one sends it there even if it had none.
      const targets = body.endpointId ? endpoints.map((e) => e.id) : existing.map((d) => d.endpointId);
      if (targets.length === 0) throw new ApiError(409, 'nothing_to_resend', 'The event was sent to no enabled endpoint; name one with endpointId');
      await prisma.$transaction([
        prisma.eventDelivery.createMany({ data: targets.map((endpointId) => ({ shopId, eventRowId: event.id, endpointId, orderId: event.orderId, seq: event.seq })), skipDuplicates: true }),
        // Due now; a delivery a relay is sending keeps its lease (it is never sent twice at once), the next claim follows it.
        prisma.eventDelivery.updateMany({ where: { eventRowId: event.id, endpointId: { in: targets } }, data: { status: 'pending', nextAttemptAt: now() } }),
      ]);
      const rows = await prisma.eventDelivery.findMany({ where: { eventRowId: event.id, endpointId: { in: targets } }, include: { endpoint: { select: { url: true } } }, orderBy: { id: 'asc' } });
      return { deliveries: rows.map(deliveryView) };
    },

    async listEndpoints() {
      const rows = await prisma.eventEndpoint.findMany({ where: { shopId, deletedAt: null }, orderBy: { createdAt: 'asc' } });
      return { data: rows.map((r) => endpointView(r, now())) };
    },

    async createEndpoint(bodyInput) {
      const body = createEndpointSchema.parse(bodyInput ?? {});
      const secret = newEndpointSecret();
      const sealed = deps.sealSecret(secret);
      // Counted and made under one lock: endpoints made at once never pass the limit.
      const row = await prisma.$transaction(async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(${ENDPOINTS_LOCK})`;
        const count = await tx.eventEndpoint.count({ where: { shopId, deletedAt: null } });
        if (count >= MAX_EVENT_ENDPOINTS) throw new ApiError(409, 'too_many_endpoints', `At most ${MAX_EVENT_ENDPOINTS} event endpoints; delete one first`);
        return tx.eventEndpoint.create({ data: { shopId, url: body.url, description: body.description ?? null, eventTypes: body.eventTypes ?? [], enabled: body.enabled ?? true, source: 'api', secretSealed: sealed } });
      });
      return { endpoint: endpointView(row, now()), secret };
    },

    async updateEndpoint(idInput, bodyInput) {
      const row = await changeable(idInput);
      const body = updateEndpointSchema.parse(bodyInput ?? {});
      const next = await prisma.eventEndpoint.update({
        where: { id: row.id },
        data: {
          ...(body.url !== undefined ? { url: body.url } : {}),
          ...(body.description !== undefined ? { description: body.description } : {}),
          ...(body.eventTypes !== undefined ? { eventTypes: body.eventTypes } : {}),
          ...(body.enabled !== undefined ? { enabled: body.enabled } : {}),
        },
      });
      return { endpoint: endpointView(next, now()) };
    },

    async rotateSecret(idInput, bodyInput) {
      const { id } = await changeable(idInput);
      const body = rotateSecretSchema.parse(bodyInput ?? {});
      const secret = newEndpointSecret();
      const sealed = deps.sealSecret(secret);
      const overlap = body.overlapSeconds > 0;
      // The secret that becomes the previous one is read under the row's lock: two rotations at once each keep the
      // one before them, and both secrets they handed out sign (the second's answer is the one in force).
      const next = await prisma.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT id FROM event_endpoints WHERE id = ${id}::uuid FOR UPDATE`;
        const row = await tx.eventEndpoint.findFirstOrThrow({ where: { id } });
        return tx.eventEndpoint.update({
          where: { id },
          data: {
            secretSealed: sealed,
            previousSecretSealed: overlap ? row.secretSealed : null,
            previousSecretExpiresAt: overlap ? new Date(now().getTime() + body.overlapSeconds * 1000) : null,
          },
        });
      });
      return { endpoint: endpointView(next, now()), secret };
    },

    async deleteEndpoint(idInput) {
      const row = await changeable(idInput);
      const [next] = await prisma.$transaction([
        prisma.eventEndpoint.update({ where: { id: row.id }, data: { deletedAt: now(), enabled: false, previousSecretSealed: null, previousSecretExpiresAt: null } }),
        prisma.eventDelivery.updateMany({ where: { endpointId: row.id, status: 'pending' }, data: { status: 'canceled', lockedUntil: null, lastError: 'the endpoint was deleted' } }),
      ]);
      return { endpoint: endpointView(next, now()) };
    },
  };
}

/** `GET /api/events` for the shop (storefront key; admin roles too). */
export function eventRoutes(deps: { prisma: PrismaClient; service: EventsService }): Router {
  const router = Router();
  router.get('/api/events', requireRole(deps.prisma, 'storefront', 'viewer', 'editor'), async (req: Request, res: Response) => {
    res.json(await deps.service.forShop(shopOf(res)).listEvents(req.query));
  });
  return router;
}

/** The admin routes of docs/events.md: an order's events, a resend, the endpoints. */
export function eventAdminRoutes(deps: { prisma: PrismaClient; service: EventsService }): Router {
  const router = Router();
  const viewer = requireRole(deps.prisma, 'viewer');
  const editor = requireRole(deps.prisma, 'editor');
  const s = (res: Response) => deps.service.forShop(shopOf(res));
  router.get('/api/admin/orders/:orderId/events', viewer, async (req, res) => void res.json(await s(res).orderEvents(req.params.orderId)));
  router.post('/api/admin/events/:eventId/resend', editor, async (req, res) => void res.status(202).json(await s(res).resend(req.params.eventId, req.body)));
  router.get('/api/admin/event-endpoints', viewer, async (_req, res) => void res.json(await s(res).listEndpoints()));
  router.post('/api/admin/event-endpoints', editor, async (req, res) => void res.status(201).json(await s(res).createEndpoint(req.body)));
  router.patch('/api/admin/event-endpoints/:id', editor, async (req, res) => void res.json(await s(res).updateEndpoint(req.params.id, req.body)));
  router.post('/api/admin/event-endpoints/:id/rotate-secret', editor, async (req, res) => void res.json(await s(res).rotateSecret(req.params.id, req.body)));
  router.delete('/api/admin/event-endpoints/:id', editor, async (req, res) => void res.json(await s(res).deleteEndpoint(req.params.id)));
  return router;
}
