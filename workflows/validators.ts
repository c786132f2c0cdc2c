// Update validators: a wrong request (bad amount, wrong state) is rejected before it is accepted, so it never reaches history.
import { ApplicationFailure } from '@temporalio/common';
import { ORDER_STATUSES, REJECTION_TYPES, type AmazonNotificationArgs, type ApproveRefundArgs, type RejectRefundArgs, type CancelArgs, type CaptureArgs, type CheckoutCompletedArgs, type CheckoutConfirmedArgs, type CheckoutReviewedArgs, type RefundArgs, type SetOrderStatusArgs } from './messages';
import { CAPTURABLE_STATUSES, REFUNDABLE_STATUSES } from './state-table';
import { currencyRefusal, isValidAmount, maxAmount } from '../lib/money';
import { invalid, requestIdReused, wrongState } from './rejections';
import type { Actor, AllowedActions, PaymentStatus, PendingApproval, StateDetails } from './types';

export interface ValidationView {
  paymentStatus: PaymentStatus;
  currency: string;
  checkoutSessionId?: string;
  capturable: number;
  captured: number;
  hasOpenCharge: boolean;
  finished: boolean;
  /**
   * Whether a money request with this key was taken before: 'new'; 'same' (same parameters: answered with the first
   * result, never acted on twice); 'reused' (same requestId, other parameters: refused, as Stripe refuses a reused
   * idempotency key).
   */
  requestSeen(key: string, fingerprint: string): 'new' | 'same' | 'reused';
  /** Why an Amazon notification would change nothing (a lean run refuses it), or undefined (workflows/order/notifications.ts, noNews). */
  notificationRefusal(args: AmazonNotificationArgs): string | undefined;
  /** A refund waiting for approval under that id, if any. */
  approval(approvalId: string): PendingApproval | undefined;
  /** A command with this key was taken before (an approval or rejection sent again: answered with its first result). */
  known(key: string): boolean;
  /** The state a refusal shows the caller (what a command refused when it runs shows too). */
  state(): StateDetails;
}


function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}
function requireText(v: unknown, name: string, max = 200): string {
  if (typeof v !== 'string' || v.trim() === '' || v.length > max) invalid(`${name} must be a non-empty string of at most ${max} characters`);
  return v;
}
/**
 * The currency the caller gave with an amount must be the order's (lib/money.ts currencyRefusal): checked before a
 * repeat is recognised, so a requestId sent again in another currency is refused, never answered with the first result.
 */
export function requireCurrency(v: unknown, currency: string): void {
  if (v !== undefined && typeof v !== 'string') invalid('currency must be an ISO 4217 code');
  const why = currencyRefusal(v, currency);
  if (why !== undefined) throw ApplicationFailure.create({ type: REJECTION_TYPES.currencyMismatch, message: why, nonRetryable: true, details: [{ currency: v, orderCurrency: currency }] });
}
/** The one amount rule of every update (docs/invariants.md): a positive integer of minor units within Amazon's maximum. */
function requireAmount(v: unknown, currency: string): number {
  if (!isValidAmount(v, currency)) invalid(`amount must be a positive integer of the currency minor unit, at most ${maxAmount(currency)} ${currency}`);
  return v;
}

export const requestKey = (action: 'capture' | 'cancel' | 'refund', requestId: string): string => `${action}:${requestId}`;

/**
 * What identifies a money request's parameters: a requestId seen again with another fingerprint is refused. The currency
 * is not part of it: the validator admits only the order's, so `{amount: 500, currency: 'JPY'}` and a bare `500` on a JPY
 * order are the same request (a retry in the money shape of a request first sent as an integer is a repeat).
 */
export function requestFingerprint(action: 'capture' | 'cancel' | 'refund', args: CaptureArgs | CancelArgs | RefundArgs): string {
  return action === 'cancel' ? JSON.stringify([action, (args as CancelArgs).reason ?? null]) : JSON.stringify([action, (args as CaptureArgs | RefundArgs).amount]);
}

/**
 * A money request seen before: true when it is a repeat to answer with the first result, refused when its requestId
 * came with other parameters, false when it is new.
 */
function repeated(view: ValidationView, action: 'capture' | 'cancel' | 'refund', args: CaptureArgs | CancelArgs | RefundArgs): boolean {
  const seen = view.requestSeen(requestKey(action, args.requestId), requestFingerprint(action, args));
  if (seen === 'reused') requestIdReused(`requestId ${args.requestId} was already used for a ${action} with other parameters; use a new requestId for a new ${action}`);
  return seen === 'same';
}

/*
 * What each admin action needs of the order's state: one rule per action, checked when the request arrives (the
 * update validator) and again when the command runs (a capture queued behind a cancel finds the order Canceled).
 * Each answers why the action is refused now, or undefined.
 */
export function captureRefusal(view: ValidationView): string | undefined {
  if (view.finished) return `the order's payment is ${view.paymentStatus}; nothing more can be done`;
  if (!CAPTURABLE_STATUSES.has(view.paymentStatus)) return `cannot capture while the payment is ${view.paymentStatus}`;
  if (view.capturable === 0) return 'nothing is left to capture on this order';
  return undefined;
}

export function cancelRefusal(view: ValidationView): string | undefined {
  if (view.finished) return `the order's payment is ${view.paymentStatus}; nothing more can be done`;
  const cancellable = view.paymentStatus === 'Authorized' || view.paymentStatus === 'AuthorizationPending' || (view.captured > 0 && view.capturable > 0);
  return cancellable ? undefined : `cannot cancel while the payment is ${view.paymentStatus}`;
}

export function refundRefusal(view: ValidationView): string | undefined {
  if (view.finished) return `the order's payment is ${view.paymentStatus}; nothing more can be done`;
  if (!REFUNDABLE_STATUSES.has(view.paymentStatus) || view.captured === 0) return `cannot refund while the payment is ${view.paymentStatus}`;
  return undefined;
}

/** What an admin may do to the order now, and with how much: the console's buttons and the API's detail come from here. */

/** The admin actions the state allows, by the rules the validators and the running command apply (never a copy of them). */
export function allowedActions(view: ValidationView, refundable: number): AllowedActions {
  const captureWhy = captureRefusal(view);
  const cancelWhy = cancelRefusal(view);
  const refundWhy = refundRefusal(view) ?? (refundable === 0 ? 'nothing is left to refund on this order' : undefined);
  return {
    capture: { allowed: captureWhy === undefined, maxAmount: captureWhy === undefined ? view.capturable : 0, ...(captureWhy ? { reason: captureWhy } : {}) },
    cancel: { allowed: cancelWhy === undefined, releases: cancelWhy === undefined ? view.capturable : 0, ...(cancelWhy ? { reason: cancelWhy } : {}) },
    refund: { allowed: refundWhy === undefined, maxAmount: refundWhy === undefined ? refundable : 0, ...(refundWhy ? { reason: refundWhy } : {}) },
  };
}

function refuseIf(view: ValidationView, reason: string | undefined): void {
  if (reason !== undefined) wrongState(reason, view.state());
}
function notFinished(view: ValidationView): void {
  if (view.finished) wrongState(`the order's payment is ${view.paymentStatus}; nothing more can be done`, view.state());
}

export function validateCheckoutReviewed(view: ValidationView, args: CheckoutReviewedArgs): void {
  if (!isObject(args)) invalid('arguments required');
  requireText(args.checkoutSessionId, 'checkoutSessionId');
  if (view.paymentStatus !== 'CheckoutPending') wrongState(`checkout is over (payment status ${view.paymentStatus})`, view.state());
}

export function validateCheckoutConfirmed(view: ValidationView, args: CheckoutConfirmedArgs): void {
  if (!isObject(args)) invalid('arguments required');
  const url = requireText(args.checkoutResultReturnUrl, 'checkoutResultReturnUrl', 2000);
  if (!/^https?:\/\/\S+$/.test(url)) invalid('checkoutResultReturnUrl must be an http(s) URL');
  requireCurrency(args.currency, view.currency);
  if (args.amount !== undefined) requireAmount(args.amount, view.currency);
  if (view.paymentStatus !== 'CheckoutPending') wrongState(`checkout is over (payment status ${view.paymentStatus})`, view.state());
  if (view.checkoutSessionId === undefined) wrongState('no checkout session yet: send checkoutReviewed first', view.state());
}

export function validateCheckoutCompleted(view: ValidationView, args: CheckoutCompletedArgs): void {
  if (!isObject(args)) invalid('arguments required');
  if (args.checkoutSessionId !== undefined) requireText(args.checkoutSessionId, 'checkoutSessionId');
  notFinished(view);
  if (args.checkoutSessionId === undefined && view.checkoutSessionId === undefined) wrongState('no checkout session to complete', view.state());
}

/** Capture and refund take the same arguments (an amount in the order's currency) and differ only in when the state refuses them. */
function validateMoneyAction(view: ValidationView, action: 'capture' | 'refund', args: CaptureArgs | RefundArgs, refusal: (view: ValidationView) => string | undefined): void {
  if (!isObject(args)) invalid('arguments required');
  requireText(args.requestId, 'requestId');
  requireCurrency(args.currency, view.currency);
  if (repeated(view, action, args)) return;
  requireAmount(args.amount, view.currency);
  refuseIf(view, refusal(view));
}

export function validateCapture(view: ValidationView, args: CaptureArgs): void {
  validateMoneyAction(view, 'capture', args, captureRefusal);
  if (args.actor !== undefined) requireActor(args.actor);
}

export function validateCancel(view: ValidationView, args: CancelArgs): void {
  if (!isObject(args)) invalid('arguments required');
  requireText(args.requestId, 'requestId');
  if (args.reason !== undefined) requireText(args.reason, 'reason', 500);
  if (repeated(view, 'cancel', args)) return;
  refuseIf(view, cancelRefusal(view));
}

/** The longest a refund may wait for its approval. */
export const MAX_APPROVAL_TTL_MS = 30 * 24 * 3600_000;

export function validateRefund(view: ValidationView, args: RefundArgs): void {
  validateMoneyAction(view, 'refund', args, refundRefusal);
  if (args.actor !== undefined) requireActor(args.actor);
  if (args.approval !== undefined) {
    const ttl = (args.approval as { ttlMs?: unknown }).ttlMs;
    if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 60_000 || ttl > MAX_APPROVAL_TTL_MS) invalid('approval.ttlMs must be a whole number of milliseconds from one minute to 30 days');
    if (args.actor === undefined) invalid('a refund that needs approval names who asked for it (actor)');
  }
}

/** Who asked: an API key's id, name and role, as the API authenticated it. */
function requireActor(v: unknown): Actor {
  if (!isObject(v)) invalid('actor required');
  requireText(v.keyId, 'actor.keyId', 100);
  requireText(v.name, 'actor.name', 200);
  requireText(v.role, 'actor.role', 40);
  return v as unknown as Actor;
}

export const approvalKey = (decision: 'approve' | 'reject', approvalId: string): string => `${decision}:${approvalId}`;

/**
 * The rule of a decision on a refund waiting for approval (docs/product-rules.md, Refund approval), applied when it
 * arrives and again when it runs: the approval must still wait, not have expired, and be decided by another key than
 * the one that asked. Undefined: allowed.
 */
export function approvalRefusal(a: PendingApproval | undefined, by: Actor, now: number): { type: string; message: string } | undefined {
  if (!a) return { type: REJECTION_TYPES.approvalNotFound, message: 'No refund waits for approval under this id (decided already, expired, or never asked)' };
  if (now >= a.expiresAt) return { type: REJECTION_TYPES.approvalExpired, message: `The approval expired at ${new Date(a.expiresAt).toISOString()}; ask for the refund again` };
  if (a.requestedBy.keyId === by.keyId) return { type: REJECTION_TYPES.approverIsRequester, message: 'The key that asked for this refund cannot approve or reject it: another editor must' };
  return undefined;
}

function validateDecision(view: ValidationView, decision: 'approve' | 'reject', args: ApproveRefundArgs | RejectRefundArgs): void {
  if (!isObject(args)) invalid('arguments required');
  requireText(args.approvalId, 'approvalId');
  const by = requireActor(args.actor);
  if ('reason' in args && args.reason !== undefined) requireText(args.reason, 'reason', 255);
  if (view.known(approvalKey(decision, args.approvalId))) return;
  const refusal = approvalRefusal(view.approval(args.approvalId), by, Date.now());
  if (refusal) throw ApplicationFailure.create({ type: refusal.type, message: refusal.message, nonRetryable: true });
}

export function validateApproveRefund(view: ValidationView, args: ApproveRefundArgs): void {
  validateDecision(view, 'approve', args);
}

export function validateRejectRefund(view: ValidationView, args: RejectRefundArgs): void {
  validateDecision(view, 'reject', args);
}

export function validateSetOrderStatus(view: ValidationView, args: SetOrderStatusArgs): void {
  if (!isObject(args) || !ORDER_STATUSES.includes(args.status)) invalid(`status must be one of ${ORDER_STATUSES.join(', ')}`);
  notFinished(view);
}

export function validateNotification(view: ValidationView, args: AmazonNotificationArgs): void {
  if (!isObject(args)) invalid('arguments required');
  requireText(args.objectType, 'objectType', 40);
  requireText(args.objectId, 'objectId');
  if (args.notificationId !== undefined) requireText(args.notificationId, 'notificationId');
  if (args.state !== undefined) requireText(args.state, 'state', 40);
  if (args.refund !== undefined) {
    const r: unknown = args.refund;
    if (!isObject(r)) invalid('refund must be a refund summary');
    requireText(r.refundId, 'refund.refundId');
    requireText(r.chargeId, 'refund.chargeId');
    requireText(r.state, 'refund.state', 40);
    requireText(r.currency, 'refund.currency', 3);
    requireCurrency(r.currency, view.currency);
    // The one amount rule: what Amazon says was refunded is bounded like anything asked of it.
    requireAmount(r.amount, view.currency);
  }
  if (args.permission !== undefined) {
    const p: unknown = args.permission;
    if (!isObject(p)) invalid('permission must be a charge permission summary');
    requireText(p.chargePermissionId, 'permission.chargePermissionId');
    requireText(p.state, 'permission.state', 40);
    if (!Array.isArray(p.reasons) || !p.reasons.every((x) => typeof x === 'string')) invalid('permission.reasons must be a list of reason codes');
  }
  refuseIf(view, view.notificationRefusal(args));
}
