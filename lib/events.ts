// The event log (docs/events.md): how an event is written (numbered per order, once, with one delivery row per endpoint
// that wants it) and what the shop sees of it. Every writer goes through appendEvents: the order's projection write,
// the subscription's events and the dispute webhook.
import { randomBytes } from 'node:crypto';
import type { OrderRef } from './amazon-object-owners';
import type { Event, Prisma } from '../prisma/generated/client';
import { messagesFor } from './amazon-errors';
import { EVENT_TYPES_WITH_REASON, type EventData, type EventType, type PendingEvent } from './event-types';

/** An event to write: `dedupeKey` names the change it reports, so writing it again (a retry, a replay) adds nothing. */
export interface NewEvent {
  dedupeKey: string;
  type: EventType;
  paymentStatus?: string | null;
  subscriptionId?: string | null;
  occurredAt: Date;
  data: EventData;
  /** The id the shop already knows (a subscription event written before the log); otherwise a new `evt_…`. */
  eventId?: string;
}

/** What an order's workflow hands over, as the log writes it. */
export function fromPending(e: PendingEvent): NewEvent {
  return { dedupeKey: e.key, type: e.type, paymentStatus: e.paymentStatus ?? null, occurredAt: new Date(e.at), data: e.data };
}

/** The advisory lock that orders every event write's commit (docs/events.md, Catching up). */
export const EVENT_LOG_LOCK = 7_261_203;

export function newEventId(): string {
  return `evt_${randomBytes(12).toString('hex')}`;
}

/** A reason code's text for the buyer and the admin, in Japanese and English (lib/amazon-errors.ts's catalog). */
function withMessages(type: EventType, data: EventData): EventData {
  if (!EVENT_TYPES_WITH_REASON.has(type) || typeof data.reasonCode !== 'string') return data;
  const m = messagesFor(data.reasonCode);
  return { ...data, buyerMessage: { ja: m.buyer.ja, en: m.buyer.en }, adminMessage: { ja: m.admin.ja, en: m.admin.en } };
}

/**
 * Takes the order's event stream row lock until the transaction ends (made on first use) and answers its last number:
 * a writer that must decide what to emit from what is stored (the dispute webhook) takes it before reading.
 */
export async function lockEventStream(tx: Prisma.TransactionClient, ref: OrderRef): Promise<number> {
  const locked = await tx.$queryRaw<Array<{ last_seq: number }>>`
    INSERT INTO event_streams (shop_id, order_id, last_seq) VALUES (${ref.shopId}, ${ref.orderId}, 0)
    ON CONFLICT (shop_id, order_id) DO UPDATE SET last_seq = event_streams.last_seq
    RETURNING last_seq`;
  return Number(locked[0].last_seq);
}

/**
 * Writes the order's new events inside the caller's transaction: takes the order's stream row lock (so writers of one
 * order number their events one after the other), skips events already written, numbers the rest 1, 2, 3 … after
 * the last, and adds a pending delivery for each of the order's shop's endpoints that wants the type (docs/shops.md:
 * never another shop's; the delivery's foreign keys carry the shop too). Returns how many were new.
 */
export async function appendEvents(tx: Prisma.TransactionClient, ref: OrderRef, events: readonly NewEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  const { shopId, orderId } = ref;
  const lastSeq = await lockEventStream(tx, ref);
  const keys = events.map((e) => e.dedupeKey);
  const seen = new Set((await tx.event.findMany({ where: { dedupeKey: { in: keys } }, select: { dedupeKey: true } })).map((r) => r.dedupeKey));
  const fresh = events.filter((e, i) => !seen.has(e.dedupeKey) && keys.indexOf(e.dedupeKey) === i);
  if (fresh.length === 0) return 0;
  // Everything that does not need the log's lock is done before it: the lock is shared by every writer of every
  // order, so it is held for one statement and the commit (it was held for four round trips, and writers queued
  // behind it: 42 ms a write on average in the benchmark). The stream row is this transaction's already.
  const endpoints = await tx.eventEndpoint.findMany({ where: { shopId, enabled: true, deletedAt: null }, select: { id: true, eventTypes: true } });
  await tx.eventStream.update({ where: { shopId_orderId: { shopId, orderId } }, data: { lastSeq: lastSeq + fresh.length } });
  const rows = fresh.map((e, i) => ({
    event_id: e.eventId ?? newEventId(),
    dedupe_key: e.dedupeKey,
    seq: lastSeq + i + 1,
    type: e.type,
    payment_status: e.paymentStatus ?? null,
    subscription_id: e.subscriptionId ?? null,
    data: withMessages(e.type, e.data),
    occurred_at: e.occurredAt.toISOString(),
  }));
  const deliveries = rows.flatMap((r) => endpoints.filter((ep) => wants(ep.eventTypes, r.type)).map((ep) => ({ seq: r.seq, endpoint_id: ep.id })));
  // Held to the commit: events are committed in the order of their ids, so a reader of GET /api/events?after= never
  // sees an id while a lower one may still appear (it would skip it for good).
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${EVENT_LOG_LOCK})`;
  // The events and one pending delivery for each endpoint that wants its type, in one statement.
  await tx.$executeRaw`
    WITH written AS (
      INSERT INTO events (event_id, dedupe_key, shop_id, order_id, seq, type, payment_status, subscription_id, data, occurred_at)
      SELECT e.event_id, e.dedupe_key, ${shopId}, ${orderId}, e.seq, e.type, e.payment_status, e.subscription_id, e.data, e.occurred_at
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        AS e(event_id text, dedupe_key text, seq int, type text, payment_status text, subscription_id text, data jsonb, occurred_at timestamptz)
      RETURNING id, seq
    )
    INSERT INTO event_deliveries (shop_id, event_row_id, endpoint_id, order_id, seq)
    SELECT ${shopId}, w.id, d.endpoint_id, ${orderId}, w.seq
    FROM written w JOIN jsonb_to_recordset(${JSON.stringify(deliveries)}::jsonb) AS d(seq int, endpoint_id uuid) ON d.seq = w.seq
    ON CONFLICT DO NOTHING`;
  return fresh.length;
}

/** An endpoint with no types listed wants every type. */
export function wants(eventTypes: readonly string[], type: string): boolean {
  return eventTypes.length === 0 || eventTypes.includes(type);
}

/** What the shop sees of an event: the body POSTed to its endpoints and each item of GET /api/events. */
export function eventView(e: Event) {
  return {
    id: e.eventId,
    object: 'event' as const,
    type: e.type,
    orderId: e.orderId,
    seq: e.seq,
    ...(e.subscriptionId ? { subscriptionId: e.subscriptionId } : {}),
    paymentStatus: e.paymentStatus,
    occurredAt: e.occurredAt.toISOString(),
    createdAt: e.createdAt.toISOString(),
    data: e.data as EventData,
  };
}

export type EventView = ReturnType<typeof eventView>;
