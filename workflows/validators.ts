// Update validators: a wrong request (bad amount, wrong state) is rejected before it is accepted, so it never reaches history.
import { ApplicationFailure } from '@temporalio/common';
import { REJECTION_TYPES, type AmazonNotificationArgs, type CancelArgs, type CaptureArgs, type CheckoutCompletedArgs, type CheckoutConfirmedArgs, type CheckoutReviewedArgs, type RefundArgs, type SetOrderStatusArgs } from './messages';
import { CAPTURABLE_STATUSES, REFUNDABLE_STATUSES } from './state-table';
import type { OrderStatus, PaymentStatus } from './types';

export interface ValidationView {
  paymentStatus: PaymentStatus;
  checkoutSessionId?: string;
  capturable: number;
  captured: number;
  hasOpenCharge: boolean;
  finished: boolean;
  /** Whether a request with this key was already taken (a repeat is always accepted). */
  known(key: string): boolean;
}

const ORDER_STATUSES: readonly OrderStatus[] = ['New', 'Backordered', 'Shipped', 'Cancelled'];

function invalid(message: string): never {
  throw ApplicationFailure.create({ type: REJECTION_TYPES.invalidArgument, message, nonRetryable: true });
}
function wrongState(message: string): never {
  throw ApplicationFailure.create({ type: REJECTION_TYPES.invalidState, message, nonRetryable: true });
}
function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}
function requireText(v: unknown, name: string, max = 200): string {
  if (typeof v !== 'string' || v.trim() === '' || v.length > max) invalid(`${name} must be a non-empty string of at most ${max} characters`);
  return v;
}
function requireAmount(v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) invalid('amount must be a positive integer of the currency minor unit');
  return v;
}
function notFinished(view: ValidationView): void {
  if (view.finished) wrongState(`the order's payment is ${view.paymentStatus}; nothing more can be done`);
}

export const requestKey = (action: 'capture' | 'cancel' | 'refund', requestId: string): string => `${action}:${requestId}`;

export function validateCheckoutReviewed(view: ValidationView, args: CheckoutReviewedArgs): void {
  if (!isObject(args)) invalid('arguments required');
  requireText(args.checkoutSessionId, 'checkoutSessionId');
  if (view.paymentStatus !== 'CheckoutPending') wrongState(`checkout is over (payment status ${view.paymentStatus})`);
}

export function validateCheckoutConfirmed(view: ValidationView, args: CheckoutConfirmedArgs): void {
  if (!isObject(args)) invalid('arguments required');
  const url = requireText(args.checkoutResultReturnUrl, 'checkoutResultReturnUrl', 2000);
  if (!/^https?:\/\/\S+$/.test(url)) invalid('checkoutResultReturnUrl must be an http(s) URL');
  if (args.amount !== undefined) requireAmount(args.amount);
  if (view.paymentStatus !== 'CheckoutPending') wrongState(`checkout is over (payment status ${view.paymentStatus})`);
  if (view.checkoutSessionId === undefined) wrongState('no checkout session yet: send checkoutReviewed first');
}

export function validateCheckoutCompleted(view: ValidationView, args: CheckoutCompletedArgs): void {
  if (!isObject(args)) invalid('arguments required');
  if (args.checkoutSessionId !== undefined) requireText(args.checkoutSessionId, 'checkoutSessionId');
  notFinished(view);
  if (args.checkoutSessionId === undefined && view.checkoutSessionId === undefined) wrongState('no checkout session to complete');
}

export function validateCapture(view: ValidationView, args: CaptureArgs): void {
  if (!isObject(args)) invalid('arguments required');
  const requestId = requireText(args.requestId, 'requestId');
  if (view.known(requestKey('capture', requestId))) return;
  requireAmount(args.amount);
  notFinished(view);
  if (!CAPTURABLE_STATUSES.has(view.paymentStatus)) wrongState(`cannot capture while the payment is ${view.paymentStatus}`);
  if (view.capturable === 0) wrongState('nothing is left to capture on this order');
}

export function validateCancel(view: ValidationView, args: CancelArgs): void {
  if (!isObject(args)) invalid('arguments required');
  const requestId = requireText(args.requestId, 'requestId');
  if (view.known(requestKey('cancel', requestId))) return;
  if (args.reason !== undefined) requireText(args.reason, 'reason', 500);
  notFinished(view);
  const cancellable = view.paymentStatus === 'Authorized' || view.paymentStatus === 'AuthorizationPending' || (view.captured > 0 && view.capturable > 0);
  if (!cancellable) wrongState(`cannot cancel while the payment is ${view.paymentStatus}`);
}

export function validateRefund(view: ValidationView, args: RefundArgs): void {
  if (!isObject(args)) invalid('arguments required');
  const requestId = requireText(args.requestId, 'requestId');
  if (view.known(requestKey('refund', requestId))) return;
  requireAmount(args.amount);
  notFinished(view);
  if (!REFUNDABLE_STATUSES.has(view.paymentStatus) || view.captured === 0) wrongState(`cannot refund while the payment is ${view.paymentStatus}`);
}

export function validateSetOrderStatus(view: ValidationView, args: SetOrderStatusArgs): void {
  if (!isObject(args) || !ORDER_STATUSES.includes(args.status)) invalid(`status must be one of ${ORDER_STATUSES.join(', ')}`);
  notFinished(view);
}

export function validateNotification(_view: ValidationView, args: AmazonNotificationArgs): void {
  if (!isObject(args)) invalid('arguments required');
  requireText(args.objectType, 'objectType', 40);
  requireText(args.objectId, 'objectId');
  if (args.notificationId !== undefined) requireText(args.notificationId, 'notificationId');
  if (args.state !== undefined) requireText(args.state, 'state', 40);
}
