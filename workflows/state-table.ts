// The payment state table: which status may follow which, which are final, and what each admin action needs; kept apart from the workflow body.
import type { OrderStatus, PaymentIntent, PaymentStatus } from './types';

/** Allowed transitions (SPEC §3.2 plus the hidden states). A transition not listed is a bug. */
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
 * Order-status linkage (SPEC §3.3): with linkage on and intent Authorize, shipped captures the
 * full authorized amount and cancelled cancels; nothing else, nothing once shipped/cancelled was
 * reached before, nothing for AuthorizeWithCapture or recurring orders.
 */
export function linkedPaymentAction(opts: {
  linkOrderStatus: boolean;
  intent: PaymentIntent;
  recurring: boolean;
  alreadyFinalOrderStatus: boolean;
  newStatus: OrderStatus;
}): 'none' | 'capture' | 'cancel' {
  if (!opts.linkOrderStatus || opts.intent !== 'Authorize' || opts.recurring || opts.alreadyFinalOrderStatus) return 'none';
  if (opts.newStatus === 'Shipped') return 'capture';
  if (opts.newStatus === 'Cancelled') return 'cancel';
  return 'none';
}
