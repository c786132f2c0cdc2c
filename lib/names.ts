// The names the engine's parts agree on: workflow types, workflow ids, the task queue and the search attributes.
// Pure and self-contained (no imports at all), so the workflows, the worker, the API, the console, scripts and tests
// all take them from here. Running workflows and recorded histories carry these strings: never rename one.

/** Workflow type names: each is the name of a function exported by workflows/index.ts (checked there by tsc). */
export const WORKFLOW_TYPES = {
  orderPayment: 'orderPayment',
  subscription: 'subscription',
  reconcile: 'reconcile',
  deliveryTracking: 'deliveryTracking',
  shopEventDelivery: 'shopEventDelivery',
} as const;
export type WorkflowType = (typeof WORKFLOW_TYPES)[keyof typeof WORKFLOW_TYPES];

/** The task queue the worker polls and the API starts workflows on, unless TEMPORAL_TASK_QUEUE names another. */
export const DEFAULT_TASK_QUEUE = 'amazon-pay-orders';

// ---------------------------------------------------------------- workflow ids

/** One workflow per shop order: a second start with the same id is rejected by Temporal. */
export function orderWorkflowId(orderId: string): string {
  return `order-${orderId}`;
}

/** One subscription workflow per recurring charge permission, named after the checkout order that opened it. */
export function subscriptionWorkflowId(subscriptionId: string): string {
  return `subscription-${subscriptionId}`;
}

/** The order a subscription creates for a later period: `<checkout order id>.R<period>` (the checkout order is period 1). */
export function periodOrderId(subscriptionId: string, period: number): string {
  return `${subscriptionId}.R${period}`;
}

/** A recurring checkout's order id leaves room for the period suffix within the API's 64 characters. */
export const MAX_SUBSCRIPTION_ID_LENGTH = 56;

/** A subscription's shop event: the workflow that sent it, its number there and its type. */
export function shopEventId(subscriptionWorkflowId: string, seq: number, type: string): string {
  return `${subscriptionWorkflowId}:${seq}:${type}`;
}

/** One delivery workflow per shop event: a second start for the same event is rejected. */
export function shopEventWorkflowId(eventId: string): string {
  return `shop-event-${eventId}`;
}

/** One workflow per delivery tracker row (the shipment's tracking number sent to Amazon). */
export function deliveryTrackerWorkflowId(trackerId: string): string {
  return `delivery-tracker-${trackerId}`;
}

/** The Temporal Schedule the worker installs for reconciliation, and the id of the workflow each of its runs starts. */
export const RECONCILE_SCHEDULE_ID = 'reconcile-orders';
export const RECONCILE_SCHEDULE_WORKFLOW_ID = 'reconcile-orders-run';

// ---------------------------------------------------------------- search attributes

/**
 * A typed search attribute key: the same shape as @temporalio/common's SearchAttributeKey (defineSearchAttributeKey
 * returns exactly `{ name, type }`), declared here so that this file imports nothing.
 */
export interface SearchAttributeKeyOf<T extends 'KEYWORD' | 'INT' | 'DATETIME'> {
  readonly name: string;
  readonly type: T;
}

/*
 * The typed search attributes the order workflow upserts on every transition, so ops can filter in Temporal UI
 * (e.g. `PaymentStatus = "Authorized" AND AuthorizationExpiresAt < "2026-12-01T00:00:00Z"`). The dev server registers
 * them at start (lib/temporal.ts); a real cluster gets them once by `temporal operator search-attribute create` (README).
 */
export const OrderIdKey: SearchAttributeKeyOf<'KEYWORD'> = { name: 'OrderId', type: 'KEYWORD' };
export const PaymentStatusKey: SearchAttributeKeyOf<'KEYWORD'> = { name: 'PaymentStatus', type: 'KEYWORD' };
export const OrderStatusKey: SearchAttributeKeyOf<'KEYWORD'> = { name: 'OrderStatus', type: 'KEYWORD' };
/** Order amount in the currency's minor unit. */
export const OrderAmountKey: SearchAttributeKeyOf<'INT'> = { name: 'OrderAmount', type: 'INT' };
export const CurrencyKey: SearchAttributeKeyOf<'KEYWORD'> = { name: 'Currency', type: 'KEYWORD' };
export const AuthorizationExpiresAtKey: SearchAttributeKeyOf<'DATETIME'> = { name: 'AuthorizationExpiresAt', type: 'DATETIME' };

export const SEARCH_ATTRIBUTE_KEYS = [OrderIdKey, PaymentStatusKey, OrderStatusKey, OrderAmountKey, CurrencyKey, AuthorizationExpiresAtKey];
