// The events the engine sends the shop (docs/events.md): their types, and what an order's workflow hands the
// projection write for each. Pure and self-contained (no imports), so the workflows, the activities, the API, the
// console and the demo shop all take them from here.

/** An order's payment changes, emitted by its workflow (the dispute ones by the notification webhook). */
export const ORDER_EVENT_TYPES = [
  'checkout.completed',
  'checkout.abandoned',
  'payment.authorization_pending',
  'payment.authorized',
  'payment.declined',
  'payment.capture_pending',
  'payment.captured',
  'payment.capture_failed',
  'payment.canceled',
  'refund.pending',
  'refund.succeeded',
  'refund.declined',
  'authorization.expiring',
  'authorization.expired',
  'order.status_changed',
  'charge_permission.closed',
  'dispute.opened',
  'dispute.updated',
  'dispute.closed',
] as const;

/** A subscription's own events (継続課金), emitted by its workflow. */
export const SUBSCRIPTION_EVENT_TYPES = [
  'recurring.charge.succeeded',
  'recurring.charge.failed',
  'subscription.paused',
  'subscription.resumed',
  'subscription.suspended',
  'subscription.canceled',
  'subscription.closed',
] as const;

export const EVENT_TYPES: readonly EventType[] = [...ORDER_EVENT_TYPES, ...SUBSCRIPTION_EVENT_TYPES];

export type OrderEventType = (typeof ORDER_EVENT_TYPES)[number];
export type SubscriptionEventType = (typeof SUBSCRIPTION_EVENT_TYPES)[number];
export type EventType = OrderEventType | SubscriptionEventType;

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);
}

/** Amazon's ids an event names (those the order has at the time). */
export interface EventAmazonIds {
  checkoutSessionId?: string;
  chargePermissionId?: string;
  chargeId?: string;
  refundId?: string;
  disputeId?: string;
}

/** What an event says beyond its type: minor units with their currency, Amazon's ids, a reason code. */
export interface EventData {
  amount?: { amount: number; currency: string };
  amazon?: EventAmazonIds;
  /** Amazon's reason code (or the engine's) when something was declined, failed or expired. */
  reasonCode?: string;
  /** The order status (対応状況) after an order.status_changed, and before it. */
  orderStatus?: string;
  previousOrderStatus?: string;
  /** A dispute's state at Amazon. */
  disputeState?: string;
  [key: string]: unknown;
}

/**
 * An event as the order's workflow hands it to the projection write: `key` is stable across retries and replays (the
 * workflow id and the order's own count), so writing it twice adds nothing. The per-order number the shop sees (seq)
 * is given when it is written.
 */
export interface PendingEvent {
  key: string;
  type: EventType;
  /** Workflow time, ISO 8601. */
  at: string;
  /** The payment status after the change; filled by the workflow when the change is complete. */
  paymentStatus?: string;
  data: EventData;
}

/** Event types whose data carries a reason code the shop may show the buyer (ja/en text added when written). */
export const EVENT_TYPES_WITH_REASON: ReadonlySet<EventType> = new Set<EventType>(['payment.declined', 'payment.capture_failed', 'refund.declined', 'authorization.expired']);
