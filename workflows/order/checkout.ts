// Checkout: the review (the order claims its checkout session), the confirmation (final amount, Amazon's redirect)
// and the completion, which authorizes (or captures) and, for a recurring plan, starts the subscription.
import type { ChargeSummary } from '../../activities/summaries';
import { OWNERSHIP_CODES } from '../../lib/ownership-codes';
import { DECLINE_CODES, failureOf } from '../failures';
import type { CheckoutCompletedArgs, CheckoutConfirmedArgs, CheckoutConfirmedResult, CheckoutReviewedArgs, CheckoutReviewedResult, PaymentActionResult } from '../messages';
import { CHECKOUT_SESSION_OWNERSHIP } from '../patches';
import { ActionFailed } from './calls';
import type { DeclineRetry } from './declines';
import type { Ledger } from './ledger';
import type { RecurringCharges } from './recurring';
import type { Timers } from './timers';
import type { OrderContext } from './types';

export class Checkout {
  /** Failed completions so far: each new try is a new request with a key of its own. */
  private completeAttempts = 0;

  constructor(
    private readonly o: OrderContext,
    private readonly ledger: Ledger,
    private readonly declines: DeclineRetry,
    private readonly timers: Timers,
    private readonly recurring: RecurringCharges,
  ) {}

  /** The requestId of the completion attempt this order would make now (a failed one is a new request, a new key). */
  completeRequestId(sessionId: string): string {
    return `${sessionId}/${this.completeAttempts}`;
  }

  async review(args: CheckoutReviewedArgs): Promise<CheckoutReviewedResult> {
    const { o } = this;
    // The order owns the session it reviews: the read refuses a session started for another order (docs/invariants.md),
    // and only a session that passed is kept as the order's.
    const owned = o.uses(CHECKOUT_SESSION_OWNERSHIP);
    if (!owned) o.s.checkoutSessionId = args.checkoutSessionId;
    try {
      const session = await o.amazon.getCheckoutSession({ checkoutSessionId: args.checkoutSessionId, ...(owned ? { orderId: o.orderId } : {}) });
      if (owned) o.s.checkoutSessionId = args.checkoutSessionId;
      if (session.buyer) o.s.buyer = session.buyer;
      return { checkoutSessionId: args.checkoutSessionId, paymentStatus: o.s.paymentStatus, buyer: o.s.buyer, sessionState: session.state };
    } catch (err) {
      throw new ActionFailed(failureOf(err));
    }
  }

  async confirm(args: CheckoutConfirmedArgs): Promise<CheckoutConfirmedResult> {
    const { o } = this;
    const sessionId = o.s.checkoutSessionId as string;
    if (args.amount !== undefined) o.s.amount = args.amount;
    try {
      const session = await o.amazon.updateCheckoutSession({
        orderId: o.orderId,
        checkoutSessionId: sessionId,
        checkoutResultReturnUrl: args.checkoutResultReturnUrl,
        amount: o.s.amount,
        currency: o.currency,
        paymentIntent: o.settings.paymentIntent,
        canHandlePendingAuthorization: o.settings.paymentIntent === 'Authorize' && o.settings.canHandlePendingAuthorization,
        merchantStoreName: o.input.merchantStoreName,
        softDescriptor: o.input.softDescriptor,
      });
      return { amazonPayRedirectUrl: session.amazonPayRedirectUrl, amount: o.s.amount, paymentStatus: o.s.paymentStatus };
    } catch (err) {
      throw new ActionFailed(failureOf(err));
    }
  }

  async complete(args: CheckoutCompletedArgs): Promise<PaymentActionResult> {
    const { o, ledger } = this;
    // Completed already (a second call, e.g. the buyer reloading the result page): answer with what happened, but only
    // to the order's own session (another order's session learns nothing of this one).
    if (o.s.paymentStatus !== 'CheckoutPending') {
      if (args.checkoutSessionId !== undefined && args.checkoutSessionId !== o.s.checkoutSessionId && o.uses(CHECKOUT_SESSION_OWNERSHIP)) {
        throw new ActionFailed({ code: OWNERSHIP_CODES.sessionMismatch, message: 'the checkout session is not the one this order was paid with' });
      }
      return ledger.actionResult(o.s.amount, o.s.charges.slice(0, 1).map((c) => c.chargeId));
    }
    const sessionId = (args.checkoutSessionId ?? o.s.checkoutSessionId) as string;
    // The completion refuses a session of another order; only then is it the order's session.
    const owned = o.uses(CHECKOUT_SESSION_OWNERSHIP);
    if (!owned) o.s.checkoutSessionId = sessionId;
    const amount = o.s.amount;
    let session;
    try {
      // A failed completion (e.g. AmountMismatch) may be tried again by the buyer: a new request, a new key.
      const requestId = this.completeRequestId(sessionId);
      session = await this.declines.run('authorize', amount, (declineRetry) =>
        o.amazon.completeCheckoutSession({
          orderId: o.orderId,
          checkoutSessionId: sessionId,
          amount,
          currency: o.currency,
          key: { workflowId: o.workflowId, action: 'complete', requestId, declineRetry },
          command: { kind: 'complete', checkoutSessionId: sessionId, requestId },
          ...(o.lean ? { readCharge: true } : {}),
        }),
      );
    } catch (err) {
      this.completeAttempts += 1;
      if (err instanceof ActionFailed && DECLINE_CODES.has(err.info.code)) ledger.setStatus('Declined');
      throw err;
    }
    if (owned) o.s.checkoutSessionId = sessionId;
    o.s.chargePermissionId = session.chargePermissionId;
    if (session.buyer && o.s.buyer === undefined) o.s.buyer = session.buyer;
    if (session.chargeId === undefined) {
      throw new ActionFailed({ code: 'InvalidCheckoutSessionStatus', message: `checkout session ${sessionId} completed without a charge (state ${session.state})` });
    }
    // A lean run's completion read its charge already (unless that read failed).
    const charge = session.charge?.chargeId === session.chargeId ? session.charge : await this.readCharge(session.chargeId);
    ledger.emit('checkout.completed', { amount: { amount, currency: o.currency }, amazon: { chargeId: charge.chargeId }, ...(o.s.buyer?.buyerId ? { buyerId: o.s.buyer.buyerId } : {}) });
    const record = ledger.addCharge(charge.chargeId, 'AuthorizationInitiated', amount);
    if (charge.state === 'AuthorizationInitiated') {
      ledger.setStatus('AuthorizationPending');
      this.timers.schedulePoll(true);
    } else {
      ledger.applyCharge(record, charge);
    }
    await this.recurring.startSubscription();
    return ledger.actionResult(amount, [charge.chargeId]);
  }

  private async readCharge(chargeId: string): Promise<ChargeSummary> {
    try {
      return await this.o.amazon.getCharge({ chargeId });
    } catch (err) {
      throw new ActionFailed(failureOf(err));
    }
  }
}
