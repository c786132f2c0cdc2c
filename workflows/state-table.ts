// The payment state table: which status may follow which, which are final, and what each admin action needs; kept apart from the workflow body.
import type { OrderStatus, PaymentIntent, PaymentStatus } from './types';

/** Allowed transitions (docs/product-rules.md, Payment status, plus the states the plugin hides). A transition not listed is a bug. */
export const TRANSITIONS: Readonly<Record<PaymentStatus, readonly PaymentStatus[]>> = {
  CheckoutPending: ['AuthorizationPending', 'Authorized', 'Captured', 'CapturePending', 'Declined', 'Abandoned', 'Canceled'],
  AuthorizationPending: ['Authorized', 'Captured', 'Declined', 'Canceled'],
  Authorized: ['CapturePending', 'Captured', 'Canceled', 'Declined', 'AuthorizationExpired', 'Authorized'],
  CapturePending: ['Captured', 'Declined', 'Authorized'],
  Captured: ['CapturePending', 'Captured', 'RefundPending', 'Refunded', 'RefundDeclined'],
  RefundPending: ['RefundPending', 'Refunded', 'RefundDeclined', 'Captured', 'CapturePending'],
  Refunded: ['RefundPending', 'Refunded', 'Captured', 'CapturePending'],
  RefundDeclined: ['RefundPending', 'Refunded', 'Captured', 'CapturePending'],
  Canceled: [],
  Declined: [],
  AuthorizationExpired: [],
  Abandoned: [],
  Recurring: [],
};

export function canTransition(from: PaymentStatus, to: PaymentStatus): boolean {
  return from === to || TRANSITIONS[from].includes(to);
}

/** Nothing more can happen to the money of an order in these states: the workflow ends. */
export const FINAL_STATUSES: ReadonlySet<PaymentStatus> = new Set(['Canceled', 'Declined', 'AuthorizationExpired', 'Abandoned']);

/** States in which money has been captured and refunds may be asked for. */
export const REFUNDABLE_STATUSES: ReadonlySet<PaymentStatus> = new Set(['Captured', 'RefundPending', 'Refunded', 'RefundDeclined']);

/** States in which (part of) an authorization may still be captured. */
export const CAPTURABLE_STATUSES: ReadonlySet<PaymentStatus> = new Set(['Authorized', 'Captured', 'RefundPending', 'Refunded', 'RefundDeclined']);

/** States in which Amazon still owes an answer: the workflow polls. */
export const PENDING_STATUSES: ReadonlySet<PaymentStatus> = new Set(['AuthorizationPending', 'CapturePending', 'RefundPending']);

/**
 * Order-status linkage (docs/product-rules.md, Order status linkage), the one place its rules live: with linkage on and
 * intent Authorize, Shipped captures everything still authorized and Cancelled cancels the authorization; nothing else,
 * nothing once Shipped or Cancelled was reached before, nothing for AuthorizeWithCapture, never for a recurring order
 * (its permission is its subscription's), and nothing the payment's state does not allow (a capture needs an
 * Authorized payment with something left to capture, a cancel an Authorized or pending authorization).
 */
export function linkedPaymentAction(opts: {
  linkOrderStatus: boolean;
  intent: PaymentIntent;
  recurring: boolean;
  alreadyFinalOrderStatus: boolean;
  newStatus: OrderStatus;
  paymentStatus: PaymentStatus;
  capturable: number;
}): 'none' | 'capture' | 'cancel' {
  if (!opts.linkOrderStatus || opts.intent !== 'Authorize' || opts.recurring || opts.alreadyFinalOrderStatus) return 'none';
  if (opts.newStatus === 'Shipped') return opts.paymentStatus === 'Authorized' && opts.capturable > 0 ? 'capture' : 'none';
  if (opts.newStatus === 'Cancelled') return opts.paymentStatus === 'Authorized' || opts.paymentStatus === 'AuthorizationPending' ? 'cancel' : 'none';
  return 'none';
}
