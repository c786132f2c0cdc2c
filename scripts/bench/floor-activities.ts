// The floor's activities: each one signed Amazon Pay API call through the engine's own client (lib/amazon-pay-client.ts,
// built as the worker builds it), the engine's summaries of Amazon's answer and its error mapping, and idempotency keys on
// the money-moving calls as the engine derives them (workflow id + action + request id, never the attempt). No database,
// no pre-payment log, no ownership checks: the least a Temporal integration does around the same calls.
import { Context } from '@temporalio/activity';
import { IDEMPOTENCY_HEADER, type AmazonPayApi } from '../../activities/amazon-pay-api';
import { toApplicationFailure } from '../../activities/errors';
import { idempotencyKey } from '../../activities/idempotency';
import { summarizeCharge, summarizeRefund, summarizeSession, type ChargeSummary, type RefundSummary, type SessionSummary } from '../../activities/summaries';
import { toAmazonAmount } from '../../lib/money';

export interface FloorMoney {
  amount: number;
  currency: string;
}

export interface FloorActivities {
  getCheckoutSession(input: { checkoutSessionId: string }): Promise<SessionSummary>;
  updateCheckoutSession(input: FloorMoney & { orderId: string; checkoutSessionId: string; checkoutResultReturnUrl: string }): Promise<SessionSummary>;
  completeCheckoutSession(input: FloorMoney & { checkoutSessionId: string }): Promise<SessionSummary>;
  captureCharge(input: FloorMoney & { chargeId: string }): Promise<ChargeSummary>;
  createRefund(input: FloorMoney & { chargeId: string }): Promise<RefundSummary>;
  getRefund(input: { refundId: string }): Promise<RefundSummary>;
}

const price = (m: FloorMoney) => ({ amount: toAmazonAmount(m.amount, m.currency), currencyCode: m.currency });

/** The idempotency header of a money-moving call: the same on every attempt of this activity. */
function keyed(action: string): Record<string, string> {
  const { info } = Context.current();
  const workflowId = info.workflowExecution?.workflowId ?? info.activityId;
  return { [IDEMPOTENCY_HEADER]: idempotencyKey({ workflowId, action, requestId: action }) };
}

async function call<T>(operation: string, fn: () => Promise<{ data: T }>): Promise<T> {
  try {
    return (await fn()).data;
  } catch (err) {
    throw toApplicationFailure(err, operation);
  }
}

export function createFloorActivities(amazonPay: AmazonPayApi): FloorActivities {
  return {
    async getCheckoutSession({ checkoutSessionId }) {
      return summarizeSession(await call('getCheckoutSession', () => amazonPay.getCheckoutSession(checkoutSessionId)));
    },
    async updateCheckoutSession(input) {
      // The engine's payload for an Authorize checkout (activities/amazon-pay.ts updateCheckoutSession).
      const payload = {
        webCheckoutDetails: { checkoutResultReturnUrl: input.checkoutResultReturnUrl },
        paymentDetails: { paymentIntent: 'Authorize' as const, chargeAmount: price(input), canHandlePendingAuthorization: false },
        merchantMetadata: { merchantReferenceId: input.orderId },
      };
      return summarizeSession(await call('updateCheckoutSession', () => amazonPay.updateCheckoutSession(input.checkoutSessionId, payload)));
    },
    async completeCheckoutSession(input) {
      return summarizeSession(await call('completeCheckoutSession', () => amazonPay.completeCheckoutSession(input.checkoutSessionId, { chargeAmount: price(input) }, keyed('complete'))));
    },
    async captureCharge(input) {
      return summarizeCharge(await call('captureCharge', () => amazonPay.captureCharge(input.chargeId, { captureAmount: price(input) }, keyed('capture'))));
    },
    async createRefund(input) {
      return summarizeRefund(await call('createRefund', () => amazonPay.createRefund({ chargeId: input.chargeId, refundAmount: price(input) }, keyed('refund'))));
    },
    async getRefund({ refundId }) {
      return summarizeRefund(await call('getRefund', () => amazonPay.getRefund(refundId)));
    },
  };
}
