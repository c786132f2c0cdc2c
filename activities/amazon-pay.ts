// One thin activity per Amazon Pay operation: idempotency key, pre-payment log, SDK call, reason code → typed failure.
import { ApplicationFailure } from '@temporalio/common';
import { assertAmazonId, MalformedAmazonIdError } from '../lib/amazon-ids';
import { withDeadline } from '../lib/deadline';
import { assertSessionOfOrder, claimFor, isOwner, OwnershipError, ownerOf, type SessionReference } from '../lib/amazon-object-owners';
import { toAmazonAmount } from '../lib/money';
import { IDEMPOTENCY_HEADER, type AmazonHeaders } from './amazon-pay-api';
import type { ActivityDeps } from './deps';
import type { AmazonFailureDetails } from '../lib/amazon-errors';
import { toApplicationFailure } from './errors';
import { idempotencyKey, type IdempotencyKeyParts } from './idempotency';
import { openPrePayment, resolvePrePayment, type PrePaymentEntry, type RecoverableCommand } from './pre-payment-log';
import {
  summarizeCharge,
  summarizePermission,
  summarizeRefund,
  summarizeSession,
  type ChargeSummary,
  type PermissionSummary,
  type RefundSummary,
  type SessionSummary,
} from './summaries';

/** Common input of a money-moving call. */
export interface MoneyCall {
  orderId: string;
  key: IdempotencyKeyParts;
  amount: number;
  currency: string;
  /** The order's command this call is made for: its pre-payment row names it (activities/pre-payment-log.ts). */
  command?: RecoverableCommand;
}

export interface UpdateCheckoutInput {
  orderId: string;
  checkoutSessionId: string;
  checkoutResultReturnUrl: string;
  amount: number;
  currency: string;
  paymentIntent: 'Authorize' | 'AuthorizeWithCapture';
  canHandlePendingAuthorization: boolean;
  merchantStoreName?: string;
  softDescriptor?: string;
}

const headersFor = (key: string): AmazonHeaders => ({ [IDEMPOTENCY_HEADER]: key });

/** How long a capture in full waits for its permission's read (well inside the capture's own 30 s). */
const PERMISSION_READ_MS = 3_000;


/**
 * A refusal of the engine's own before anything reaches Amazon (an id not in Amazon's shape, an object of another
 * order): non-retryable, typed by its code, so the workflow answers the caller and nothing moves.
 */
function refusal(err: unknown): never {
  if (err instanceof OwnershipError) throw ApplicationFailure.create({ type: err.code, message: err.message, nonRetryable: true });
  if (err instanceof MalformedAmazonIdError) throw ApplicationFailure.create({ type: 'InvalidParameterValue', message: err.message, nonRetryable: true });
  throw err;
}

export function createAmazonPayActivities(deps: ActivityDeps) {
  /** An order of this activity's shop. */
  const ref = (orderId: string) => ({ shopId: deps.shopId, orderId });

  /** Runs the engine's own checks before a call (ownership, id shapes); their refusals become typed failures. */
  async function guard(check: () => Promise<void> | void): Promise<void> {
    try {
      await check();
    } catch (err) {
      refusal(err);
    }
  }

  /**
   * The order owns the checkout session: claimed already by this order, or read from Amazon, found to name this order
   * as its merchantReferenceId, and claimed now. Another order's session is refused before any write to it.
   */
  async function ensureSessionOwner(checkoutSessionId: string, orderId: string): Promise<void> {
    assertAmazonId('checkoutSession', checkoutSessionId);
    const owner = await ownerOf(deps.prisma, checkoutSessionId);
    if (isOwner(owner, ref(orderId))) return;
    if (owner === undefined) {
      const r = await call('getCheckoutSession', () => deps.amazonPay.getCheckoutSession(checkoutSessionId), { orderId, checkoutSessionId });
      assertSessionOfOrder(r.data as SessionReference, orderId);
    }
    await claimFor(deps.prisma, checkoutSessionId, 'CheckoutSession', ref(orderId));
  }

  /** Runs an SDK call, mapping its failure; money-moving calls are framed by the pre-payment log. */
  async function call<T>(operation: string, fn: () => Promise<T>, ctx: Record<string, unknown>, pre?: PrePaymentEntry, ids?: (r: T) => { chargeId?: string; chargePermissionId?: string; objectId?: string }): Promise<T> {
    if (pre) await openPrePayment(deps, pre);
    let result: T;
    try {
      result = await fn();
    } catch (err) {
      const failure = toApplicationFailure(err, operation);
      const details = failure.details?.[0] as AmazonFailureDetails;
      const level = details.retry === 'transient' ? 'warn' : 'error';
      deps.log[level]({ ...ctx, operation, code: details.code, httpStatus: details.httpStatus, channel: details.log, amazonMessage: details.amazonMessage }, `Amazon Pay ${operation} failed: ${details.code}`);
      // A transient failure leaves the outcome unknown: the row stays pending for recovery until a retry resolves it.
      if (pre && details.retry !== 'transient') await resolvePrePayment(deps, pre, { ok: false, code: details.code });
      throw failure;
    }
    if (pre) await resolvePrePayment(deps, pre, { ok: true, ...(ids ? ids(result) : {}) });
    return result;
  }

  /** One read of a charge, as the getCharge activity and a lean completion make it (`ctx` goes to the failure's log line). */
  async function readCharge(ctx: { chargeId: string; orderId?: string }): Promise<ChargeSummary> {
    const r = await call('getCharge', () => deps.amazonPay.getCharge(ctx.chargeId), ctx);
    return summarizeCharge(r.data);
  }

  return {
    /** With `orderId` (the review): the session must have been started for that order, which then owns it. */
    async getCheckoutSession(input: { checkoutSessionId: string; orderId?: string }): Promise<SessionSummary> {
      await guard(() => void assertAmazonId('checkoutSession', input.checkoutSessionId));
      const r = await call('getCheckoutSession', () => deps.amazonPay.getCheckoutSession(input.checkoutSessionId), input);
      const orderId = input.orderId;
      if (orderId !== undefined) {
        await guard(async () => {
          assertSessionOfOrder(r.data as SessionReference, orderId);
          await claimFor(deps.prisma, input.checkoutSessionId, 'CheckoutSession', ref(orderId));
        });
      }
      return summarizeSession(r.data);
    },

    /** Sets the final amount, intent and return URL (not money-moving: PATCH, no key). */
    async updateCheckoutSession(input: UpdateCheckoutInput): Promise<SessionSummary> {
      const price = { amount: toAmazonAmount(input.amount, input.currency), currencyCode: input.currency };
      const payload = {
        webCheckoutDetails: { checkoutResultReturnUrl: input.checkoutResultReturnUrl },
        paymentDetails: {
          paymentIntent: input.paymentIntent,
          chargeAmount: price,
          ...(input.paymentIntent === 'Authorize' ? { canHandlePendingAuthorization: input.canHandlePendingAuthorization } : {}),
          ...(input.softDescriptor && input.paymentIntent === 'AuthorizeWithCapture' ? { softDescriptor: input.softDescriptor } : {}),
        },
        merchantMetadata: { merchantReferenceId: input.orderId, ...(input.merchantStoreName ? { merchantStoreName: input.merchantStoreName } : {}) },
      };
      await guard(() => ensureSessionOwner(input.checkoutSessionId, input.orderId));
      const r = await call('updateCheckoutSession', () => deps.amazonPay.updateCheckoutSession(input.checkoutSessionId, payload), { orderId: input.orderId, checkoutSessionId: input.checkoutSessionId });
      return summarizeSession(r.data);
    },

    /**
     * With `readCharge` (lean runs, workflows/patches.ts LEAN_ORDER) the charge the completion made is read in the same
     * activity: one activity instead of two. A failed read is left to the workflow (it reads the charge itself), so
     * the completion is never sent again for it.
     */
    async completeCheckoutSession(input: MoneyCall & { checkoutSessionId: string; readCharge?: boolean }): Promise<SessionSummary & { charge?: ChargeSummary }> {
      await guard(() => ensureSessionOwner(input.checkoutSessionId, input.orderId));
      const key = idempotencyKey(input.key);
      const price = { amount: toAmazonAmount(input.amount, input.currency), currencyCode: input.currency };
      const r = await call(
        'completeCheckoutSession',
        () => deps.amazonPay.completeCheckoutSession(input.checkoutSessionId, { chargeAmount: price }, headersFor(key)),
        { orderId: input.orderId, checkoutSessionId: input.checkoutSessionId },
        { orderId: input.orderId, action: 'complete', idempotencyKey: key, amount: input.amount, currency: input.currency, checkoutSessionId: input.checkoutSessionId, command: input.command },
        (res) => ({ chargeId: res.data.chargeId ?? undefined, chargePermissionId: res.data.chargePermissionId ?? undefined }),
      );
      // What the completion made is the order's: Amazon gives one permission and one charge per session.
      await guard(async () => {
        if (r.data.chargePermissionId) await claimFor(deps.prisma, r.data.chargePermissionId, 'ChargePermission', ref(input.orderId));
        if (r.data.chargeId) await claimFor(deps.prisma, r.data.chargeId, 'Charge', ref(input.orderId));
      });
      const session = summarizeSession(r.data);
      const chargeId = session.chargeId;
      if (!input.readCharge || chargeId === undefined) return session;
      const charge = await readCharge({ orderId: input.orderId, chargeId }).catch(() => undefined);
      return charge ? { ...session, charge } : session;
    },

    /**
     * With `readPermission` (ORDER_V15, a capture that leaves nothing to capture) the charge's permission is read in the
     * same activity once the charge is Captured: Amazon closes a permission captured in full, and the order learns it
     * here instead of from a notification that would cost it a workflow task. A failed read is left to the notification.
     */
    async captureCharge(input: MoneyCall & { chargeId: string; softDescriptor?: string; readPermission?: boolean }): Promise<ChargeSummary & { permission?: PermissionSummary }> {
      await guard(() => claimFor(deps.prisma, assertAmazonId('charge', input.chargeId), 'Charge', ref(input.orderId)));
      const key = idempotencyKey(input.key);
      const payload = { captureAmount: { amount: toAmazonAmount(input.amount, input.currency), currencyCode: input.currency }, ...(input.softDescriptor ? { softDescriptor: input.softDescriptor } : {}) };
      const r = await call(
        'captureCharge',
        () => deps.amazonPay.captureCharge(input.chargeId, payload, headersFor(key)),
        { orderId: input.orderId, chargeId: input.chargeId },
        { orderId: input.orderId, action: 'capture', idempotencyKey: key, amount: input.amount, currency: input.currency, chargeId: input.chargeId, command: input.command },
        (res) => ({ chargeId: res.data.chargeId }),
      );
      const charge = summarizeCharge(r.data);
      if (!input.readPermission || charge.state !== 'Captured') return charge;
      // Bounded on its own and never failing the capture: a slow or failed read leaves the closure to the notification.
      const permission = await withDeadline(deps.amazonPay.getChargePermission(charge.chargePermissionId), PERMISSION_READ_MS, 'the permission read').then(
        (p) => summarizePermission(p.data),
        (err: unknown) => {
          deps.log.warn({ orderId: input.orderId, chargePermissionId: charge.chargePermissionId, err: err instanceof Error ? err.message : String(err) }, 'reading the permission after a capture in full failed; its notification will tell');
          return undefined;
        },
      );
      return permission ? { ...charge, permission } : charge;
    },

    /** A new charge on the permission: split-shipment captures and re-authorization. */
    /** `permissionOwner`: the order that owns the permission when it is not this one (a subscription's checkout order). */
    async createCharge(input: MoneyCall & { chargePermissionId: string; permissionOwner?: string; captureNow: boolean; canHandlePendingAuthorization: boolean; softDescriptor?: string }): Promise<ChargeSummary> {
      await guard(() => claimFor(deps.prisma, assertAmazonId('chargePermission', input.chargePermissionId), 'ChargePermission', ref(input.permissionOwner ?? input.orderId)));
      const key = idempotencyKey(input.key);
      const payload = {
        chargePermissionId: input.chargePermissionId,
        chargeAmount: { amount: toAmazonAmount(input.amount, input.currency), currencyCode: input.currency },
        captureNow: input.captureNow,
        canHandlePendingAuthorization: input.captureNow ? false : input.canHandlePendingAuthorization,
        ...(input.softDescriptor && input.captureNow ? { softDescriptor: input.softDescriptor } : {}),
        merchantMetadata: { merchantReferenceId: input.orderId },
      };
      const r = await call(
        'createCharge',
        () => deps.amazonPay.createCharge(payload, headersFor(key)),
        { orderId: input.orderId, chargePermissionId: input.chargePermissionId },
        { orderId: input.orderId, action: input.key.action, idempotencyKey: key, amount: input.amount, currency: input.currency, chargePermissionId: input.chargePermissionId, command: input.command },
        (res) => ({ chargeId: res.data.chargeId }),
      );
      await guard(() => claimFor(deps.prisma, r.data.chargeId, 'Charge', ref(input.orderId)));
      return summarizeCharge(r.data);
    },

    async cancelCharge(input: MoneyCall & { chargeId: string; reason?: string }): Promise<ChargeSummary> {
      await guard(() => claimFor(deps.prisma, assertAmazonId('charge', input.chargeId), 'Charge', ref(input.orderId)));
      const key = idempotencyKey(input.key);
      const r = await call(
        'cancelCharge',
        () => deps.amazonPay.cancelCharge(input.chargeId, { cancellationReason: input.reason ?? 'MerchantCanceled' }, headersFor(key)),
        { orderId: input.orderId, chargeId: input.chargeId },
        { orderId: input.orderId, action: 'cancel', idempotencyKey: key, amount: input.amount, currency: input.currency, chargeId: input.chargeId, command: input.command },
      );
      return summarizeCharge(r.data);
    },

    /**
     * Closing is not keyed at Amazon (no idempotency header), but it releases money: with `key` (an order's cancel) it is
     * framed by a pre-payment row of its own like the keyed calls, so a cancel whose answer was lost can be found.
     */
    async closeChargePermission(input: { orderId: string; chargePermissionId: string; reason?: string; cancelPendingCharges: boolean; key?: IdempotencyKeyParts; amount?: number; currency?: string; command?: RecoverableCommand }): Promise<PermissionSummary> {
      await guard(() => claimFor(deps.prisma, assertAmazonId('chargePermission', input.chargePermissionId), 'ChargePermission', ref(input.orderId)));
      const pre: PrePaymentEntry | undefined =
        input.key && input.currency
          ? { orderId: input.orderId, action: 'close', idempotencyKey: idempotencyKey(input.key), amount: input.amount ?? 0, currency: input.currency, chargePermissionId: input.chargePermissionId, command: input.command }
          : undefined;
      const r = await call(
        'closeChargePermission',
        () => deps.amazonPay.closeChargePermission(input.chargePermissionId, { closureReason: input.reason ?? 'MerchantClosed', cancelPendingCharges: input.cancelPendingCharges }),
        { orderId: input.orderId, chargePermissionId: input.chargePermissionId },
        pre,
      );
      return summarizePermission(r.data);
    },

    async createRefund(input: MoneyCall & { chargeId: string; softDescriptor?: string }): Promise<RefundSummary> {
      await guard(() => claimFor(deps.prisma, assertAmazonId('charge', input.chargeId), 'Charge', ref(input.orderId)));
      const key = idempotencyKey(input.key);
      const payload = { chargeId: input.chargeId, refundAmount: { amount: toAmazonAmount(input.amount, input.currency), currencyCode: input.currency }, ...(input.softDescriptor ? { softDescriptor: input.softDescriptor } : {}) };
      const r = await call(
        'createRefund',
        () => deps.amazonPay.createRefund(payload, headersFor(key)),
        { orderId: input.orderId, chargeId: input.chargeId },
        { orderId: input.orderId, action: 'refund', idempotencyKey: key, amount: input.amount, currency: input.currency, chargeId: input.chargeId, command: input.command },
        (res) => ({ chargeId: res.data.chargeId, objectId: res.data.refundId }),
      );
      await guard(() => claimFor(deps.prisma, r.data.refundId, 'Refund', ref(input.orderId)));
      return summarizeRefund(r.data);
    },

    async getCharge(input: { chargeId: string }): Promise<ChargeSummary> {
      await guard(() => void assertAmazonId('charge', input.chargeId));
      return readCharge(input);
    },

    async getRefund(input: { refundId: string }): Promise<RefundSummary> {
      await guard(() => void assertAmazonId('refund', input.refundId));
      const r = await call('getRefund', () => deps.amazonPay.getRefund(input.refundId), input);
      return summarizeRefund(r.data);
    },

    async getChargePermission(input: { chargePermissionId: string }): Promise<PermissionSummary> {
      await guard(() => void assertAmazonId('chargePermission', input.chargePermissionId));
      const r = await call('getChargePermission', () => deps.amazonPay.getChargePermission(input.chargePermissionId), input);
      return summarizePermission(r.data);
    },
  };
}

