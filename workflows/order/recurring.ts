// Recurring charges (docs/product-rules.md, Recurring charges): a paid recurring checkout starts its subscription
// workflow; a period's order charges the subscription's permission and tells the subscription how the charge ended.
import { getExternalWorkflowHandle, log, ParentClosePolicy, sleep, startChild, WorkflowIdReusePolicy } from '@temporalio/workflow';
import type { ChargeSummary } from '../../activities/summaries';
import { shopOfWorkflowId, subscriptionWorkflowId, WORKFLOW_TYPES } from '../../lib/names';
import { isUnknownOutcome } from '../failures';
import { periodOutcome } from '../subscription-messages';
import type { OrderPaymentInput, PeriodOutcome } from '../types';
import { ActionFailed } from './calls';
import type { DeclineRetry } from './declines';
import type { Ledger } from './ledger';
import type { Projection } from './projection';
import type { OrderContext, PeriodRef } from './types';

/** Waits between asking Amazon again about a recurring charge it never answered (same key each time). */
const UNKNOWN_OUTCOME_BACKOFF_MS = [60_000, 5 * 60_000, 30 * 60_000, 2 * 3600_000, 6 * 3600_000];

export class RecurringCharges {
  /** A period's order whose outcome the subscription has not been told yet (waiting for a pending capture to settle). */
  private periodToReport?: PeriodRef;
  private periodFailure?: { code: string; message?: string };

  constructor(
    private readonly o: OrderContext,
    private readonly ledger: Ledger,
    private readonly declines: DeclineRetry,
    private readonly projection: Projection,
  ) {}

  /** A paid recurring checkout hands the permission to its subscription workflow, which charges the later periods. */
  async startSubscription(): Promise<void> {
    const plan = this.o.input.recurringPlan;
    if (!plan || this.o.s.chargePermissionId === undefined || this.o.s.paymentStatus === 'Declined') return;
    try {
      await this.startSubscriptionChild(plan);
    } catch (err) {
      // Only an operator's own workflow of that id can be in the way; the order's payment stands either way.
      this.o.s.lastError = { code: 'SubscriptionNotStarted', message: `the subscription could not be started: ${err instanceof Error ? err.message : String(err)}` };
      log.error('subscription not started', { orderId: this.o.orderId, error: err instanceof Error ? err.message : String(err) });
    }
  }

  private async startSubscriptionChild(plan: NonNullable<OrderPaymentInput['recurringPlan']>): Promise<void> {
    const { o } = this;
    await startChild(WORKFLOW_TYPES.subscription, {
      workflowId: subscriptionWorkflowId(shopOfWorkflowId(o.workflowId), o.orderId),
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      args: [
        {
          subscriptionId: o.orderId,
          chargePermissionId: o.s.chargePermissionId,
          amount: { amount: plan.amount, currency: o.currency },
          frequency: plan.frequency,
          paymentIntent: o.settings.paymentIntent,
          startedAt: new Date(Date.now()).toISOString(),
          orderSettings: { reauthorizeOnExpiry: o.settings.reauthorizeOnExpiry, expiryWarningLeadMs: o.settings.expiryWarningLeadMs },
          ...(o.input.timings ? { orderTimings: o.input.timings } : {}),
          ...(o.input.merchantStoreName ? { merchantStoreName: o.input.merchantStoreName } : {}),
          ...(o.input.softDescriptor ? { softDescriptor: o.input.softDescriptor } : {}),
          ...(o.s.buyer ? { buyer: o.s.buyer } : {}),
        },
      ],
    });
  }

  /** A period's order: one charge on the subscription's permission, soft declines retried with fresh keys; the outcome goes to the subscription. */
  async charge(): Promise<void> {
    const { o, ledger } = this;
    const ref = o.input.recurringCharge as PeriodRef;
    const amount = o.s.amount;
    const captureNow = o.settings.paymentIntent === 'AuthorizeWithCapture';
    const charge = (declineRetry: number) =>
      this.declines.run('authorize', amount, (retry) =>
        o.amazon.createCharge({
          orderId: o.orderId,
          chargePermissionId: ref.chargePermissionId,
          permissionOwner: ref.subscriptionId,
          amount,
          currency: o.currency,
          captureNow,
          canHandlePendingAuthorization: false,
          ...(captureNow && o.input.softDescriptor ? { softDescriptor: o.input.softDescriptor } : {}),
          key: { workflowId: o.workflowId, action: 'recurring', requestId: `period-${ref.period}`, declineRetry: declineRetry + retry },
        }),
      );
    try {
      let c: ChargeSummary | undefined;
      let declineRetries = 0;
      for (let unknown = 0; c === undefined; unknown++) {
        try {
          c = await charge(declineRetries);
        } catch (err) {
          // No answer from Amazon (network, 5xx, 429 past the activity's retries): the charge may have been made.
          // Never call that a decline: wait durably and ask again with the same key until Amazon answers.
          if (!(err instanceof ActionFailed) || !isUnknownOutcome(err.info)) throw err;
          const wait = UNKNOWN_OUTCOME_BACKOFF_MS[Math.min(unknown, UNKNOWN_OUTCOME_BACKOFF_MS.length - 1)];
          log.warn('recurring charge outcome unknown; asking Amazon again with the same key', { orderId: o.orderId, code: err.info.code, waitMs: wait });
          await this.projection.flush();
          await sleep(wait);
          declineRetries = this.declines.used;
        }
      }
      ledger.applyCharge(ledger.addCharge(c.chargeId, 'AuthorizationInitiated', amount), c);
      this.periodToReport = ref;
    } catch (err) {
      if (!(err instanceof ActionFailed)) throw err;
      ledger.setStatus('Declined');
      this.periodToReport = ref;
      this.periodFailure = { code: err.info.code, message: err.info.details?.adminMessage.ja ?? err.info.message };
    }
    await this.projection.flush();
    await this.reportPeriodOutcome();
  }

  /** Tells the subscription how its period's charge ended, once it has (a pending capture is reported when it settles). */
  async reportPeriodOutcome(): Promise<void> {
    const { o } = this;
    const ref = this.periodToReport;
    if (ref === undefined || o.s.paymentStatus === 'CapturePending' || o.s.paymentStatus === 'AuthorizationPending') return;
    this.periodToReport = undefined;
    const failure = this.periodFailure ?? (o.s.paymentStatus === 'Declined' ? o.s.lastError : undefined);
    const outcome: PeriodOutcome = {
      period: ref.period,
      orderId: o.orderId,
      ok: failure === undefined,
      paymentStatus: o.s.paymentStatus,
      ...(o.s.charges[0] ? { chargeId: o.s.charges[0].chargeId } : {}),
      ...(failure ? { code: failure.code, message: failure.message } : {}),
    };
    try {
      await getExternalWorkflowHandle(ref.subscriptionWorkflowId).signal(periodOutcome, outcome);
    } catch (err) {
      log.warn('the subscription could not be told the outcome of its charge', { orderId: o.orderId, subscription: ref.subscriptionWorkflowId, error: err instanceof Error ? err.message : String(err) });
    }
  }
}
