// The event log (docs/events.md): how an event is written (numbered per order, once, with one delivery row per endpoint
// that wants it) and what the shop sees of it. Every writer goes through appendEvents: the order's projection write,
// the subscription's events and the dispute webhook.
import { randomBytes } from 'node:crypto';
import type { OrderRef } from './amazon-object-owners';
import { Prisma, type Event } from '../prisma/generated/client';
import { messagesFor } from './amazon-errors';
import { jsonParam } from './storable-text';
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
 * The order's stream row lock as a CTE named `stream_lock` (one row: last_seq), for a statement that does more besides
 * (the projection write takes it with the order row): made on first use, held until the transaction ends.
 */
export function streamLockCte(ref: OrderRef): Prisma.Sql {
  return Prisma.sql`stream_lock AS (
    INSERT INTO event_streams (shop_id, order_id, last_seq) VALUES (${ref.shopId}, ${ref.orderId}, 0)
    ON CONFLICT (shop_id, order_id) DO UPDATE SET last_seq = event_streams.last_seq
    RETURNING last_seq)`;
}

/**
 * Takes the order's event stream row lock until the transaction ends (made on first use) and answers its last number:
 * a writer that must decide what to emit from what is stored (the dispute webhook) takes it before reading.
 */
export async function lockEventStream(tx: Prisma.TransactionClient, ref: OrderRef): Promise<number> {
  const locked = await tx.$queryRaw<Array<{ last_seq: number }>>`WITH ${streamLockCte(ref)} SELECT last_seq FROM stream_lock`;
  return Number(locked[0].last_seq);
}

/** The endpoints of the shop that take events, as one JSON value (null: none). */
export function endpointsOfShop(shopId: string): Prisma.Sql {
  return Prisma.sql`(SELECT json_agg(json_build_object('id', id, 'eventTypes', event_types)) FROM event_endpoints
    WHERE shop_id = ${shopId} AND enabled AND deleted_at IS NULL)`;
}

/** What a writer holds once it has the order's stream lock: the last number, and the endpoints its events go to. */
export interface LockedStream {
  lastSeq: number;
  endpoints: Array<{ id: string; eventTypes: string[] }>;
}

/** A row selected as `last_seq` and `endpoints` beside streamLockCte. */
export function lockedStream(row: { last_seq: number | bigint | null; endpoints: LockedStream['endpoints'] | null } | undefined): LockedStream {
  if (row?.last_seq === null || row?.last_seq === undefined) throw new Error('the event stream lock answered no row');
  return { lastSeq: Number(row.last_seq), endpoints: row.endpoints ?? [] };
}

async function lockForWrite(tx: Prisma.TransactionClient, ref: OrderRef): Promise<LockedStream> {
  const [row] = await tx.$queryRaw<Array<{ last_seq: number; endpoints: LockedStream['endpoints'] | null }>>`
    WITH ${streamLockCte(ref)}
    SELECT (SELECT last_seq FROM stream_lock) AS last_seq, ${endpointsOfShop(ref.shopId)} AS endpoints`;
  return lockedStream(row);
}

/**
 * Writes the order's new events inside the caller's transaction: takes the order's stream row lock (so writers of one
 * order number their events one after the other; `locked` when the caller's own statement took it), skips events
 * already written, numbers the rest 1, 2, 3 … after the last, and adds a pending delivery for each of the order's
 * shop's endpoints that wants the type (docs/shops.md: never another shop's; the delivery's foreign keys carry the
 * shop too). Returns how many were new.
 *
 * Two statements (one when the caller holds the lock), none through the ORM's query compiler: every round trip to
 * the database costs the writer a send and a wake-up, and the projection write of an order's every change comes
 * through here (docs/benchmark.md).
 */
export async function appendEvents(tx: Prisma.TransactionClient, ref: OrderRef, events: readonly NewEvent[], locked?: LockedStream): Promise<number> {
  if (events.length === 0) return 0;
  const { shopId, orderId } = ref;
  const stream = locked ?? (await lockForWrite(tx, ref));
  // The first of a batch's events with one dedupe key is the one written.
  const batch = events.filter((e, i) => events.findIndex((x) => x.dedupeKey === e.dedupeKey) === i);
  const rows = batch.map((e, i) => ({
    i,
    event_id: e.eventId ?? newEventId(),
    dedupe_key: e.dedupeKey,
    type: e.type,
    payment_status: e.paymentStatus ?? null,
    subscription_id: e.subscriptionId ?? null,
    data: withMessages(e.type, e.data),
    occurred_at: e.occurredAt.toISOString(),
  }));
  const deliveries = rows.flatMap((r) => stream.endpoints.filter((ep) => wants(ep.eventTypes, r.type)).map((ep) => ({ dedupe_key: r.dedupe_key, endpoint_id: ep.id })));
  // One statement, after the lock (its own snapshot sees what an earlier writer of this order committed while this one
  // waited): the events not written before, numbered after the stream's last; the stream's new last number; one
  // pending delivery for each endpoint that wants the type. The log's lock is the insert's one-time filter, so it is
  // taken before the first event gets its id (ids are given after the sort by seq, so they follow it), and held to the
  // commit: events are committed in the order of their ids, so a reader of GET /api/events?after= never sees an id
  // while a lower one may still appear (it would skip it for good). The lock is shared by every writer of every order,
  // so nothing else waits under it: this statement and the commit. (A write whose events all exist takes it too.)
  const [written] = await tx.$queryRaw<Array<{ n: number }>>`
    WITH input AS (
      SELECT * FROM jsonb_to_recordset(${jsonParam(rows)}::jsonb)
        AS e(i int, event_id text, dedupe_key text, type text, payment_status text, subscription_id text, data jsonb, occurred_at timestamptz)
    ), fresh AS (
      SELECT input.*, ${stream.lastSeq}::int + (row_number() OVER (ORDER BY input.i))::int AS seq FROM input
      WHERE NOT EXISTS (SELECT 1 FROM events x WHERE x.dedupe_key = input.dedupe_key)
    ), stream AS (
      UPDATE event_streams SET last_seq = ${stream.lastSeq}::int + (SELECT count(*) FROM fresh)::int
      WHERE shop_id = ${shopId} AND order_id = ${orderId}
    ), written AS (
      INSERT INTO events (event_id, dedupe_key, shop_id, order_id, seq, type, payment_status, subscription_id, data, occurred_at)
      SELECT f.event_id, f.dedupe_key, ${shopId}, ${orderId}, f.seq, f.type, f.payment_status, f.subscription_id, f.data, f.occurred_at
      FROM fresh f
      WHERE EXISTS (SELECT 1 FROM pg_advisory_xact_lock(${EVENT_LOG_LOCK}))
      ORDER BY f.seq
      RETURNING id, seq, dedupe_key
    ), delivered AS (
      INSERT INTO event_deliveries (shop_id, event_row_id, endpoint_id, order_id, seq)
      SELECT ${shopId}, w.id, d.endpoint_id, ${orderId}, w.seq
      FROM written w JOIN jsonb_to_recordset(${jsonParam(deliveries)}::jsonb) AS d(dedupe_key text, endpoint_id uuid) ON d.dedupe_key = w.dedupe_key
      ON CONFLICT DO NOTHING
    )
    SELECT count(*)::int AS n FROM written`;
  return written?.n ?? 0;
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
