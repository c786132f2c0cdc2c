// Charging a period: the permission is read first, then the period's order is started (it charges with a key of its
// own and retries soft declines with fresh keys) and the subscription waits for it to report. Any failure suspends
// the subscription; a report that comes after the wait gave up corrects the period's row.
import { condition, ParentClosePolicy, proxyActivities, startChild, WorkflowIdReusePolicy } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { orderWorkflowId, periodOrderId, shopOfWorkflowId, WORKFLOW_TYPES } from '../../lib/names';
import { amazonPoll } from '../activity-options';
import { failureOf, isUnknownOutcome, type FailureInfo } from '../failures';
import type { OrderPaymentInput, PeriodOutcome } from '../types';
import type { SubscriptionEvents } from './events';
import type { SubscriptionContext } from './types';

const poller = proxyActivities<Activities>(amazonPoll);

/** A permission is non-chargeable while one of its charges is pending: that passes by itself. */
export const PASSING_REASONS: ReadonlySet<string> = new Set(['ChargeInProgress']);

/** Amazon could not be asked about the permission on a charge date: the charge is tried again later, nothing is lost. */
export class RetryLater extends Error {}

export class Periods {
  /** Outcomes reported by period orders, until the charge waiting for each takes it. */
  private readonly outcomes = new Map<number, PeriodOutcome>();
  /** Period orders started by this run (continue-as-new after a number of them). */
  chargedThisRun = 0;

  constructor(
    private readonly c: SubscriptionContext,
    private readonly events: SubscriptionEvents,
  ) {}

  /** A period's order reported its charge. */
  reported(o: PeriodOutcome): void {
    this.outcomes.set(o.period, o);
  }

  async readPermission(): Promise<{ state: string; reason?: string }> {
    const p = await poller.getChargePermission({ chargePermissionId: this.c.input.chargePermissionId });
    // A passing reason (a charge in progress) never hides a lasting one.
    const reason = p.reasons.find((r) => !PASSING_REASONS.has(r)) ?? p.reasons[0];
    return { state: p.state, reason };
  }

  /** The late report of a period given up as Unknown: its row is corrected and the shop told. */
  async lateOutcome(o: PeriodOutcome): Promise<void> {
    const row = this.c.s.periods.find((p) => p.period === o.period && p.result === 'Unknown');
    if (!row) return;
    row.result = o.ok ? o.paymentStatus : (o.code ?? 'Declined');
    if (o.chargeId) row.chargeId = o.chargeId;
    if (o.ok) await this.events.emit('recurring.charge.succeeded', { period: o.period, orderId: o.orderId, amount: row.amount, currency: this.c.input.amount.currency, paymentStatus: o.paymentStatus, chargeId: o.chargeId, late: true });
    else await this.events.emit('recurring.charge.failed', { period: o.period, orderId: o.orderId, code: o.code, message: o.message, late: true });
  }

  /**
   * One period: check the permission, start the period's order (it charges with a key of its own and retries soft
   * declines with fresh keys), and wait for it to report. Any failure suspends the subscription and tells the admin.
   */
  async charge(amount: number): Promise<PeriodOutcome> {
    const { input, s, workflowId } = this.c;
    let permission;
    try {
      permission = await this.readPermission();
    } catch (err) {
      const f = failureOf(err);
      // Amazon did not answer: nothing was charged; the charge date is tried again later.
      if (isUnknownOutcome(f)) throw new RetryLater(`the charge permission could not be read (${f.code})`);
      permission = { state: 'Unreadable', reason: f.code };
    }
    if (permission.state === 'Closed') {
      await this.events.close(permission.reason);
      return { period: s.period, orderId: '', ok: false, paymentStatus: 'Declined', code: 'InvalidChargePermissionStatus', message: `the charge permission is Closed (${permission.reason ?? 'no reason given'})` };
    }
    // Every attempt gets a period number of its own, so a failure and a later success never share one.
    const period = s.period + 1;
    s.period = period;
    const orderId = periodOrderId(input.subscriptionId, period);
    const fail = async (f: FailureInfo, result: string, withOrder: boolean): Promise<PeriodOutcome> => {
      s.periods.push({ period, ...(withOrder ? { orderId } : {}), at: new Date(Date.now()).toISOString(), amount, result });
      await this.events.suspend(f, period, withOrder ? orderId : undefined);
      return { period, orderId: withOrder ? orderId : '', ok: false, paymentStatus: 'Declined', code: f.code, message: f.message };
    };
    if (permission.state !== 'Chargeable' && !(permission.state === 'NonChargeable' && PASSING_REASONS.has(permission.reason ?? ''))) {
      return fail({ code: permission.reason ?? permission.state, message: `Amazon reports the charge permission ${permission.state} (${permission.reason ?? 'no reason given'})` }, permission.state, false);
    }
    this.chargedThisRun += 1;
    const child: OrderPaymentInput = {
      orderId,
      amount: { amount, currency: input.amount.currency },
      // A recurring order is never linked to its order status: linkedPaymentAction (workflows/state-table.ts) decides that.
      settings: { ...input.orderSettings, paymentIntent: input.paymentIntent, recurring: true, canHandlePendingAuthorization: false },
      ...(input.orderTimings ? { timings: input.orderTimings } : {}),
      recurringCharge: { subscriptionId: input.subscriptionId, subscriptionWorkflowId: workflowId, chargePermissionId: input.chargePermissionId, period },
      ...(input.merchantStoreName ? { merchantStoreName: input.merchantStoreName } : {}),
      ...(input.softDescriptor ? { softDescriptor: input.softDescriptor } : {}),
      ...(input.buyer ? { buyer: input.buyer } : {}),
    };
    try {
      await startChild(WORKFLOW_TYPES.orderPayment, {
        workflowId: orderWorkflowId(shopOfWorkflowId(workflowId), orderId),
        args: [child],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      });
    } catch (err) {
      return fail({ code: 'DuplicateOrderId', message: `could not start the order ${orderId}: ${err instanceof Error ? err.message : String(err)}` }, 'NotStarted', false);
    }
    const reported = await condition(() => this.outcomes.has(period), this.c.timings.chargeOutcomeTimeoutMs);
    if (!reported) {
      return fail({ code: 'ChargeOutcomeUnknown', message: `the order ${orderId} did not report its charge in time; check it before resuming` }, 'Unknown', true);
    }
    const outcome = this.outcomes.get(period) as PeriodOutcome;
    this.outcomes.delete(period);
    if (!outcome.ok) return fail({ code: outcome.code ?? 'Declined', message: outcome.message ?? 'the charge was declined' }, outcome.code ?? 'Declined', true);
    s.periods.push({ period, orderId, at: new Date(Date.now()).toISOString(), amount, result: outcome.paymentStatus, chargeId: outcome.chargeId });
    s.lastError = undefined;
    await this.events.emit('recurring.charge.succeeded', { period, orderId, amount, currency: input.amount.currency, paymentStatus: outcome.paymentStatus, chargeId: outcome.chargeId });
    return outcome;
  }
}
