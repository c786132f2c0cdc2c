// The demo shop's own order list, kept only from the engine's events (docs/events.md), as a shop that never polls
// would keep it: each event is taken once (by its id), and an order's events are applied in their seq order. An event
// ahead of the next expected one waits until the gap is filled; an older one or a repeat is acknowledged and ignored.
import type { EventData } from '../../lib/event-types';
import type { EventView } from '../../lib/events';

export type Money = NonNullable<EventData['amount']>;

/** What the demo reads of an event: the engine's own view of it (the body POSTed, an item of GET /api/events). */
export type ShopEvent = Pick<EventView, 'id' | 'type' | 'orderId' | 'seq' | 'paymentStatus' | 'occurredAt'> & { data?: EventData };

/** One order as the shop knows it. */
export interface ShopOrder {
  orderId: string;
  /** Null until an event said it (a subscription's own events carry none). */
  paymentStatus: string | null;
  lastSeq: number;
  lastEventId: string;
  lastEventType: string;
  lastEventAt: string;
  /** The amount the last event named (a capture's, a refund's), if any. */
  lastAmount: Money | null;
  /** When the shop applied the last event. */
  updatedAt: string;
  /** Events received ahead of a gap, waiting for it to fill. */
  waiting: number;
}

/** applied: taken (with any waiting ones it unblocked); held: ahead of a gap; duplicate: this id was had; stale: older than the order's last. */
export type Outcome = 'applied' | 'held' | 'duplicate' | 'stale' | 'overflow';

interface OrderState {
  order?: ShopOrder;
  lastSeq: number;
  held: Map<number, ShopEvent>;
}

export interface ShopOrderBookOptions {
  /** Orders kept (the least recently changed goes first; its next event makes the shop catch up). */
  maxOrders?: number;
  /** Events held ahead of one order's gap; beyond it an event is answered "overflow" (the engine sends it again). */
  maxHeldPerOrder?: number;
  /** Event ids remembered for deduplication (older repeats are still caught by their seq). */
  maxSeenIds?: number;
  clock?: () => Date;
}

export class ShopOrderBook {
  private readonly orders = new Map<string, OrderState>();
  private readonly seen = new Set<string>();
  private readonly listeners = new Set<(o: ShopOrder) => void>();
  private readonly maxOrders: number;
  private readonly maxHeld: number;
  private readonly maxSeen: number;
  private readonly clock: () => Date;

  constructor(opts: ShopOrderBookOptions = {}) {
    this.maxOrders = opts.maxOrders ?? 1000;
    this.maxHeld = opts.maxHeldPerOrder ?? 100;
    this.maxSeen = opts.maxSeenIds ?? 20_000;
    this.clock = opts.clock ?? (() => new Date());
  }

  /** Called with the order after each change (an event applied, or one held). */
  onChange(listener: (o: ShopOrder) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  receive(e: ShopEvent): Outcome {
    if (this.seen.has(e.id)) return 'duplicate';
    const state = this.orders.get(e.orderId) ?? { lastSeq: 0, held: new Map<number, ShopEvent>() };
    if (e.seq <= state.lastSeq) return 'stale';
    if (state.held.has(e.seq)) return 'duplicate';
    if (e.seq > state.lastSeq + 1) {
      if (state.held.size >= this.maxHeld) return 'overflow';
      state.held.set(e.seq, e);
      this.remember(e.orderId, state);
      if (state.order) this.emit({ ...state.order, waiting: state.held.size });
      return 'held';
    }
    this.apply(state, e);
    for (let next = state.held.get(state.lastSeq + 1); next; next = state.held.get(state.lastSeq + 1)) {
      state.held.delete(next.seq);
      this.apply(state, next);
    }
    this.remember(e.orderId, state);
    if (state.order) this.emit({ ...state.order, waiting: state.held.size });
    return 'applied';
  }

  /** The orders, the most recently changed first. */
  list(): ShopOrder[] {
    return [...this.orders.values()]
      .flatMap((s) => (s.order ? [{ ...s.order, waiting: s.held.size }] : []))
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || b.orderId.localeCompare(a.orderId));
  }

  get(orderId: string): ShopOrder | undefined {
    const s = this.orders.get(orderId);
    return s?.order ? { ...s.order, waiting: s.held.size } : undefined;
  }

  /** The last seq applied for the order (0: none), and whether events wait behind a gap. */
  position(orderId: string): { lastSeq: number; waiting: number } {
    const s = this.orders.get(orderId);
    return { lastSeq: s?.lastSeq ?? 0, waiting: s?.held.size ?? 0 };
  }

  private apply(state: OrderState, e: ShopEvent): void {
    state.lastSeq = e.seq;
    this.seen.add(e.id);
    if (this.seen.size > this.maxSeen) this.seen.delete(this.seen.values().next().value as string);
    state.order = {
      orderId: e.orderId,
      paymentStatus: e.paymentStatus ?? state.order?.paymentStatus ?? null,
      lastSeq: e.seq,
      lastEventId: e.id,
      lastEventType: e.type,
      lastEventAt: e.occurredAt,
      lastAmount: e.data?.amount ?? null,
      updatedAt: this.clock().toISOString(),
      waiting: 0,
    };
  }

  /** Keeps the order as the most recent one; the least recent goes when there are too many. */
  private remember(orderId: string, state: OrderState): void {
    this.orders.delete(orderId);
    this.orders.set(orderId, state);
    if (this.orders.size > this.maxOrders) this.orders.delete(this.orders.keys().next().value as string);
  }

  private emit(o: ShopOrder): void {
    for (const l of this.listeners) l(o);
  }
}
