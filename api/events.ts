/**
 * The event log through the API (docs/events.md): `GET /api/events` for the shop to catch up (storefront key, admin
 * roles too), an order's events with their deliveries and a resend (admin), and the endpoints events go to (admin).
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { EVENT_TYPES, type EventType } from '../lib/event-types';
import { eventView } from '../lib/events';
import type { Event, EventDelivery, EventEndpoint, Prisma, PrismaClient } from '../prisma/generated/client';
import { requireRole } from './auth';
import { ApiError } from './errors';
import { orderIdSchema } from './schemas';

export interface EventsDeps {
  prisma: PrismaClient;
  /** Seals a new endpoint secret for the database (lib/secret-box.ts). */
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

export async function listEvents(prisma: PrismaClient, query: unknown) {
  const q = listEventsQuerySchema.parse(query);
  let afterId: bigint | undefined;
  if (q.after !== undefined) {
    const cursor = await prisma.event.findUnique({ where: { eventId: q.after }, select: { id: true } });
    if (!cursor) throw new ApiError(404, 'event_not_found', 'No event with the id given in after');
    afterId = cursor.id;
  }
  const rows = await prisma.event.findMany({
    where: { ...(afterId !== undefined ? { id: { gt: afterId } } : {}), ...(q.type ? { type: q.type } : {}), ...(q.orderId ? { orderId: q.orderId } : {}) },
    orderBy: { id: 'asc' },
    take: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  return { data: page.map(eventView), hasMore: rows.length > q.limit, nextAfter: page.length > 0 ? page[page.length - 1].eventId : (q.after ?? null) };
}

export function eventRoutes(deps: EventsDeps): Router {
  const router = Router();
  router.get('/api/events', requireRole(deps.prisma, 'storefront', 'viewer', 'editor'), async (req: Request, res: Response) => {
    res.json(await listEvents(deps.prisma, req.query));
  });
  return router;
}
