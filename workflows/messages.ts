// Every update and query of the orderPayment workflow with its argument and result types; the API imports this file, never the workflow body.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Actor, ApprovalView, OrderPaymentState, OrderStatus, PaymentStatus, BuyerSummary } from './types';

export type { Actor, ApprovalView } from './types';
import type { PermissionSummary, RefundSummary } from '../activities/summaries';

export interface CheckoutReviewedArgs {
  checkoutSessionId: string;
}
export interface CheckoutReviewedResult {
  checkoutSessionId: string;
  paymentStatus: PaymentStatus;
  buyer?: BuyerSummary;
  /** Amazon's session state (Open, Completed, Canceled). */
  sessionState?: string;
}

export interface CheckoutConfirmedArgs {
  /** Where Amazon sends the buyer after payment; https. */
  checkoutResultReturnUrl: string;
  /** The final amount in minor units, when it changed since the start (same currency). */
  amount?: number;
  /** The currency the caller gave with the amount: refused unless it is the order's (absent: the order's). */
  currency?: string;
}
export interface CheckoutConfirmedResult {
  amazonPayRedirectUrl?: string;
  amount: number;
  paymentStatus: PaymentStatus;
}

export interface CheckoutCompletedArgs {
  /** Defaults to the session given earlier. */
  checkoutSessionId?: string;
}

/** The outcome of a payment action (complete, capture, cancel, refund). */
export interface PaymentActionResult {
  paymentStatus: PaymentStatus;
  /** Amount moved or requested, minor units. */
  amount: number;
  currency: string;
  /** Charge or refund ids Amazon gave this action. */
  amazonObjectIds: string[];
  chargePermissionId?: string;
  authorized: number;
  captured: number;
  refunded: number;
  /** A refund above the approval threshold: recorded, waiting for a second editor; no money moved yet. */
  approval?: ApprovalView;
}

export interface CaptureArgs {
  /** Minor units of the order's currency. */
  amount: number;
  /** The currency the caller gave with the amount: refused unless it is the order's (absent, from a bare integer: the order's). */
  currency?: string;
  requestId: string;
  /** Who asked (recorded on the history rows; not part of the request's fingerprint). */
  actor?: Actor;
}
export interface CancelArgs {
  reason?: string;
  requestId: string;
  actor?: Actor;
}
export interface RefundArgs {
  /** Minor units of the order's currency. */
  amount: number;
  /** As CaptureArgs.currency. */
  currency?: string;
  requestId: string;
  actor?: Actor;
  /**
   * Set by the API when the shop's setting refundApprovalAbove says this refund needs a second editor
   * (lib/settings.ts refundApprovalFor): the refund waits this long for an approval, then expires.
   */
  approval?: { ttlMs: number };
}

export interface ApproveRefundArgs {
  approvalId: string;
  /** The approving editor: never the one who asked. */
  actor: Actor;
}
export interface RejectRefundArgs {
  approvalId: string;
  actor: Actor;
  reason?: string;
}
export interface RejectRefundResult {
  approvalId: string;
  status: 'rejected';
}

/** The order statuses a shop sets (setOrderStatus); a recovered order-status change is checked against them too. */
export const ORDER_STATUSES: readonly OrderStatus[] = ['New', 'Backordered', 'Shipped', 'Cancelled'];

export interface SetOrderStatusArgs {
  status: OrderStatus;
  actor?: Actor;
}
export interface SetOrderStatusResult {
  orderStatus: OrderStatus;
  /** What the order-status linkage did (docs/product-rules.md, Order status and payment linkage). */
  paymentAction: 'none' | 'capture' | 'cancel';
  paymentStatus: PaymentStatus;
  /** When the linked payment action failed: its reason code. */
  error?: { code: string; message: string };
}

export interface AmazonNotificationArgs {
  objectType: 'CHARGE' | 'REFUND' | 'CHARGE_PERMISSION' | 'CHARGEBACK' | string;
  objectId: string;
  notificationId?: string;
  /**
   * 'ipn': sent by the webhook for an Amazon notification; an object already final here is then not re-read.
   * Absent (reconcile, operators): the object is always re-read.
   */
  source?: 'ipn';
  /**
   * The object's state as the webhook re-read it from Amazon (statusDetails.state; never taken from the message).
   * When the workflow already holds that state, it has nothing to re-read.
   */
  state?: string;
  /**
   * The refund or permission as the webhook re-read it from Amazon (with `state`): a lean run applies a final one
   * (Refunded or Declined; Closed) as it is, without reading it again (workflows/patches.ts, LEAN_ORDER).
   */
  refund?: RefundSummary;
  permission?: PermissionSummary;
}
export interface AmazonNotificationResult {
  /** False when the object is not this order's or the notification was seen before. */
  accepted: boolean;
}

export const checkoutReviewed = defineUpdate<CheckoutReviewedResult, [CheckoutReviewedArgs]>('checkoutReviewed');
export const checkoutConfirmed = defineUpdate<CheckoutConfirmedResult, [CheckoutConfirmedArgs]>('checkoutConfirmed');
export const checkoutCompleted = defineUpdate<PaymentActionResult, [CheckoutCompletedArgs]>('checkoutCompleted');
export const capture = defineUpdate<PaymentActionResult, [CaptureArgs]>('capture');
export const cancel = defineUpdate<PaymentActionResult, [CancelArgs]>('cancel');
export const refund = defineUpdate<PaymentActionResult, [RefundArgs]>('refund');
export const setOrderStatus = defineUpdate<SetOrderStatusResult, [SetOrderStatusArgs]>('setOrderStatus');
/** A second editor approves a refund waiting for approval: it runs now (docs/product-rules.md, Refund approval). */
export const approveRefund = defineUpdate<PaymentActionResult, [ApproveRefundArgs]>('approveRefund');
export const rejectRefund = defineUpdate<RejectRefundResult, [RejectRefundArgs]>('rejectRefund');
/** An instant notification from Amazon, taken as a hint: the workflow re-reads the object. */
export const amazonNotification = defineUpdate<AmazonNotificationResult, [AmazonNotificationArgs]>('amazonNotification');

export const state = defineQuery<OrderPaymentState>('state');

/** Error types an update can fail with besides Amazon reason codes. */
export const REJECTION_TYPES = {
  invalidArgument: 'InvalidArgument',
  invalidState: 'InvalidState',
  /** A requestId seen before with other parameters (amount, reason). */
  requestIdReused: 'RequestIdReused',
  /** A money object in another currency than the order's. */
  currencyMismatch: 'OrderCurrencyMismatch',
  /** No refund waits for approval under that id (approved, rejected or never asked). */
  approvalNotFound: 'ApprovalNotFound',
  /** The refund waited longer than the approval's lifetime. */
  approvalExpired: 'ApprovalExpired',
  /** The key that asked for a refund cannot approve it. */
  approverIsRequester: 'ApproverIsRequester',
} as const;
