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

// ---------------------------------------------------------------- shops and workflow ids

/**
 * The shop `npm start` makes and a single-shop database became (docs/shops.md). Its workflow ids carry no shop, as
 * before there were shops; every other shop's ids start with `<shopId>/`.
 */
export const DEFAULT_SHOP_ID = 'default';

/** A shop id: lower-case letters, digits and dashes, 1-32, starting with a letter or digit (the database checks it too). */
export const SHOP_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;

/**
 * A workflow id within a shop: `<shopId>/<id>`, the default shop's without a prefix. No order id, subscription id or
 * other part of an id contains "/", so the first "/" is the shop's: shopOfWorkflowId reads it back. The worker signs
 * each activity's Amazon calls and scopes its database writes by the shop of the workflow that scheduled it.
 */
export function shopWorkflowId(shopId: string, id: string): string {
  return shopId === DEFAULT_SHOP_ID ? id : `${shopId}/${id}`;
}

/** The shop a workflow id belongs to (the one rule of shopWorkflowId, read back). */
export function shopOfWorkflowId(workflowId: string): string {
  const slash = workflowId.indexOf('/');
  return slash < 0 ? DEFAULT_SHOP_ID : workflowId.slice(0, slash);
}

/** One workflow per shop order: a second start with the same id is rejected by Temporal. */
export function orderWorkflowId(shopId: string, orderId: string): string {
  return shopWorkflowId(shopId, `order-${orderId}`);
}

/** One subscription workflow per recurring charge permission, named after the checkout order that opened it. */
export function subscriptionWorkflowId(shopId: string, subscriptionId: string): string {
  return shopWorkflowId(shopId, `subscription-${subscriptionId}`);
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
export function shopEventWorkflowId(shopId: string, eventId: string): string {
  return shopWorkflowId(shopId, `shop-event-${eventId}`);
}

/** One workflow per delivery tracker row (the shipment's tracking number sent to Amazon). */
export function deliveryTrackerWorkflowId(shopId: string, trackerId: string): string {
  return shopWorkflowId(shopId, `delivery-tracker-${trackerId}`);
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

/** The order's shop (docs/shops.md): set when the workflow starts, so ops filter one shop's orders in Temporal UI. */
export const ShopIdKey: SearchAttributeKeyOf<'KEYWORD'> = { name: 'ShopId', type: 'KEYWORD' };

/**
 * The search attributes an order's workflow is started with, as its first projection write would set them: a run of
 * ORDER_V14 (workflows/patches.ts) upserts only what differs from these, so the start is where they are written.
 */
export function orderStartSearchAttributes(shopId: string, input: { orderId: string; orderStatus?: string; amount: { amount: number; currency: string } }) {
  return [
    { key: ShopIdKey, value: shopId },
    { key: OrderIdKey, value: input.orderId },
    { key: PaymentStatusKey, value: 'CheckoutPending' },
    { key: OrderStatusKey, value: input.orderStatus ?? 'New' },
    { key: OrderAmountKey, value: input.amount.amount },
    { key: CurrencyKey, value: input.amount.currency },
  ];
}

export const SEARCH_ATTRIBUTE_KEYS = [ShopIdKey, OrderIdKey, PaymentStatusKey, OrderStatusKey, OrderAmountKey, CurrencyKey, AuthorizationExpiresAtKey];
