// The subscription workflow (継続課金, docs/product-rules.md, Recurring charges): one per recurring charge permission. It charges each period through an order
// workflow of its own (capturable and refundable like any order), suspends itself and tells the admin and the shop when a charge
// fails for good or Amazon makes the permission non-chargeable, and is paused, resumed or cancelled (permission closed) by the admin.
import {
  ActivityFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  ParentClosePolicy,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  startChild,
  WorkflowIdReusePolicy,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ShopEventType } from '../activities/shop-events';
import { amazonCall, amazonPoll, dbWriteLocal } from './activity-options';
import { CommandQueue } from './command-queue';
import { failureOf, isUnknownOutcome, type FailureInfo } from './failures';
import { REJECTION_TYPES } from './messages';
import { isValidAmount, maxAmount } from './money';
import { invalid, requestIdReused, wrongState } from './rejections';
import { scheduledChargeAt } from './schedule';
import { orderWorkflowId, periodOrderId, shopEventId, shopEventWorkflowId, WORKFLOW_TYPES } from '../lib/names';
import * as m from './subscription-messages';
import type { OrderPaymentInput, PeriodOutcome, StoredResult, SubscriptionCarried, SubscriptionInput, SubscriptionState, SubscriptionStatus, SubscriptionTimings } from './types';

const amazon = proxyActivities<Activities>(amazonCall);
const poller = proxyActivities<Activities>(amazonPoll);
const localDb = proxyLocalActivities<Activities>(dbWriteLocal);

const DEFAULT_SUBSCRIPTION_TIMINGS: SubscriptionTimings = {
  chargeOutcomeTimeoutMs: 3 * 24 * 60 * 60 * 1000,
  continueAsNewAfterPeriods: 100,
};
const FINAL: ReadonlySet<SubscriptionStatus> = new Set(['Canceled', 'Closed']);
const MAX_CARRIED_PERIODS = 24;
const MAX_CARRIED_RESULTS = 200;
/** A permission is non-chargeable while one of its charges is pending: that passes by itself. */
const PASSING_REASONS: ReadonlySet<string> = new Set(['ChargeInProgress']);

type Command =
  | { kind: 'pause' | 'resume' | 'cancel'; key: string; args: m.SubscriptionActionArgs }
  | { kind: 'chargeNow'; key: string; args: m.ChargeNowArgs; fingerprint: string }
  | { kind: 'permission'; key: string }
  | { kind: 'late'; key: string; outcome: PeriodOutcome };

/** Amazon could not be asked about the permission on a charge date: the charge is tried again later, nothing is lost. */
class RetryLater extends Error {}
/** How long after a failed permission read a scheduled charge is tried again. */
const RETRY_READ_MS = 60 * 60 * 1000;

class Refused extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** What identifies a charge-now request's parameters: its requestId seen again with another amount is refused. */
function chargeFingerprint(args: { amount?: number }): string {
  return JSON.stringify(['chargeNow', args.amount ?? null]);
}
function requireRequestId(v: unknown): void {
  if (typeof v !== 'string' || v.trim() === '' || v.length > 200) invalid('requestId must be a non-empty string of at most 200 characters');
}

export async function subscription(input: SubscriptionInput): Promise<SubscriptionState> {
  const sub = new SubscriptionMachine(input);
  const known = (key: string) => sub.known(key);
  setHandler(m.subscriptionState, () => sub.snapshot());
  setHandler(m.pauseSubscription, (args) => sub.request({ kind: 'pause', key: `pause:${args.requestId}`, args }), {
    validator: (args) => {
      requireRequestId(args?.requestId);
      if (!known(`pause:${args.requestId}`) && sub.status !== 'Active' && sub.status !== 'Paused') wrongState(`the subscription is ${sub.status}; only an active one can be paused`);
    },
  });
  setHandler(m.resumeSubscription, (args) => sub.request({ kind: 'resume', key: `resume:${args.requestId}`, args }), {
    validator: (args) => {
      requireRequestId(args?.requestId);
      if (!known(`resume:${args.requestId}`) && FINAL.has(sub.status)) wrongState(`the subscription is ${sub.status}; it cannot be resumed`);
    },
  });
  setHandler(m.cancelSubscription, (args) => sub.request({ kind: 'cancel', key: `cancel:${args.requestId}`, args }), {
    validator: (args) => {
      requireRequestId(args?.requestId);
      if (args.reason !== undefined && (typeof args.reason !== 'string' || args.reason.length > 255)) invalid('reason must be a string of at most 255 characters');
      if (!known(`cancel:${args.requestId}`) && FINAL.has(sub.status)) wrongState(`the subscription is already ${sub.status}`);
    },
  });
  setHandler(m.chargeNow, (args) => sub.request({ kind: 'chargeNow', key: `charge:${args.requestId}`, args, fingerprint: chargeFingerprint(args) }), {
    validator: (args) => {
      requireRequestId(args?.requestId);
      const currency = input.amount.currency;
      if (args.amount !== undefined && !isValidAmount(args.amount, currency)) invalid(`amount must be a positive integer of the currency minor unit, at most ${maxAmount(currency)} ${currency}`);
      const key = `charge:${args.requestId}`;
      if (known(key) && sub.fingerprintOf(key) !== undefined && sub.fingerprintOf(key) !== chargeFingerprint(args)) {
        requestIdReused(`requestId ${args.requestId} was already used for a charge with another amount; use a new requestId for a new charge`);
      }
      if (!known(key) && sub.status !== 'Active' && sub.status !== 'Suspended') wrongState(`the subscription is ${sub.status}; resume it before charging`);
    },
  });
  setHandler(m.periodOutcome, (outcome) => sub.outcome(outcome));
  setHandler(m.permissionChanged, () => sub.permissionChanged());
  return await sub.run();
}

class SubscriptionMachine {
  private readonly workflowId = workflowInfo().workflowId;
  private readonly timings: SubscriptionTimings;
  private readonly s: SubscriptionCarried;
  private readonly queue: CommandQueue<Command>;
  private readonly outcomes = new Map<number, PeriodOutcome>();
  private readonly startedAt: number;
  private chargedThisRun = 0;

  constructor(private readonly input: SubscriptionInput) {
    this.timings = { ...DEFAULT_SUBSCRIPTION_TIMINGS, ...input.timings };
    this.startedAt = Date.parse(input.startedAt);
    this.s = input.carried ?? {
      status: 'Active',
      period: 1,
      scheduleIndex: 0,
      nextChargeAt: scheduledChargeAt(this.startedAt, input.frequency, 1),
      periods: [],
      results: [],
      eventSeq: 0,
    };
    // Nobody waits for a permission re-read or a late outcome; every other result is kept for a repeated request.
    this.queue = new CommandQueue<Command>(this.s.results, { unanswered: ['permission', 'late'] });
  }

  get status(): SubscriptionStatus {
    return this.s.status;
  }

  known(key: string): boolean {
    return this.queue.known(key);
  }

  /** The parameters' fingerprint of a request queued or answered (undefined for ones kept before fingerprints). */
  fingerprintOf(key: string): string | undefined {
    return this.queue.fingerprintOf(key);
  }

  snapshot(): SubscriptionState {
    return {
      subscriptionId: this.input.subscriptionId,
      workflowId: this.workflowId,
      chargePermissionId: this.input.chargePermissionId,
      status: this.s.status,
      amount: this.input.amount.amount,
      currency: this.input.amount.currency,
      frequency: this.input.frequency,
      paymentIntent: this.input.paymentIntent,
      nextChargeAt: this.s.status === 'Active' && this.s.nextChargeAt !== undefined ? new Date(this.s.nextChargeAt).toISOString() : undefined,
      periods: this.s.periods.map((p) => ({ ...p })),
      lastError: this.s.lastError,
    };
  }

  request<T>(cmd: Command): Promise<T> {
    return this.queue.request<T>(cmd);
  }

  outcome(o: PeriodOutcome): void {
    // A period given up as Unknown (its order reported too late): its row now says what really happened.
    if (this.s.periods.some((p) => p.period === o.period && p.result === 'Unknown')) {
      this.queue.enqueue({ kind: 'late', key: `late#${o.period}`, outcome: o });
      return;
    }
    this.outcomes.set(o.period, o);
  }

  permissionChanged(): void {
    if (this.queue.some((c) => c.kind === 'permission')) return;
    this.queue.enqueue({ kind: 'permission', key: this.queue.nextKey('permission') });
  }

  // ---------------------------------------------------------------- main loop

  async run(): Promise<SubscriptionState> {
    await this.save();
    while (!FINAL.has(this.s.status)) {
      const cmd = this.queue.next();
      if (cmd) {
        await this.execute(cmd);
        continue;
      }
      const due = this.s.status === 'Active' ? this.s.nextChargeAt : undefined;
      if (due !== undefined && Date.now() >= due) {
        this.s.scheduleIndex += 1;
        this.s.nextChargeAt = scheduledChargeAt(this.startedAt, this.input.frequency, this.s.scheduleIndex + 1);
        // A failed scheduled charge suspends the subscription (recorded and announced); nobody waits for it.
        try {
          await this.charge(this.input.amount.amount);
        } catch (err) {
          if (!(err instanceof RetryLater)) throw err;
          this.s.scheduleIndex -= 1;
          this.s.nextChargeAt = Date.now() + RETRY_READ_MS;
          log.warn('charge date moved: the permission could not be read', { subscriptionId: this.input.subscriptionId, error: err.message });
        }
        await this.save();
        continue;
      }
      if (this.chargedThisRun >= this.timings.continueAsNewAfterPeriods || workflowInfo().continueAsNewSuggested) {
        if (await this.queue.handlersFinished()) await this.continueAsNew();
        continue;
      }
      await this.queue.waitForCommand(due);
    }
    // Requests accepted while the subscription was still running but queued behind its end are answered, not left hanging.
    this.queue.refuseRest({ ok: false, code: REJECTION_TYPES.invalidState, message: `the subscription is ${this.s.status}` });
    await condition(allHandlersFinished);
    return this.snapshot();
  }

  private async continueAsNew(): Promise<never> {
    const carried: SubscriptionCarried = {
      ...this.s,
      periods: this.s.periods.slice(-MAX_CARRIED_PERIODS),
      results: this.queue.carried(MAX_CARRIED_RESULTS),
    };
    return continueAsNew<typeof subscription>({ ...this.input, carried });
  }

  private async execute(cmd: Command): Promise<void> {
    let result: StoredResult;
    try {
      result = { ok: true, value: await this.dispatch(cmd) };
    } catch (err) {
      if (err instanceof Refused) result = { ok: false, code: err.code, message: err.message };
      else if (err instanceof RetryLater) result = { ok: false, code: 'ServiceUnavailable', message: err.message };
      else if (err instanceof ActivityFailure) {
        // Amazon or the database could not be reached: the request fails, the subscription goes on.
        const f = failureOf(err);
        result = { ok: false, code: f.code, message: f.message };
      } else throw err;
    }
    await this.save();
    this.queue.settle(cmd, result);
  }

  private dispatch(cmd: Command): Promise<unknown> {
    switch (cmd.kind) {
      case 'pause':
        return this.pause();
      case 'resume':
        return this.resume();
      case 'cancel':
        return this.cancel(cmd.args.reason);
      case 'chargeNow':
        return this.chargeNow(cmd.args.amount ?? this.input.amount.amount);
      case 'permission':
        return this.refreshPermission();
      case 'late':
        return this.lateOutcome(cmd.outcome);
    }
  }

  private actionResult(): m.SubscriptionActionResult {
    const s = this.snapshot();
    return { status: s.status, nextChargeAt: s.nextChargeAt };
  }

  // ---------------------------------------------------------------- admin actions

  private async pause(): Promise<m.SubscriptionActionResult> {
    if (this.s.status !== 'Active' && this.s.status !== 'Paused') throw new Refused(REJECTION_TYPES.invalidState, `the subscription is ${this.s.status}; only an active one can be paused`);
    if (this.s.status === 'Active') {
      this.s.status = 'Paused';
      await this.emit('subscription.paused', {});
    }
    return this.actionResult();
  }

  /** Back to Active if Amazon still lets the permission be charged; periods missed meanwhile are skipped, not charged. */
  private async resume(): Promise<m.SubscriptionActionResult> {
    if (FINAL.has(this.s.status)) throw new Refused(REJECTION_TYPES.invalidState, `the subscription is ${this.s.status}`);
    if (this.s.status === 'Active') return this.actionResult();
    const permission = await this.readPermission();
    if (permission.state !== 'Chargeable') {
      if (permission.state === 'Closed') await this.close(permission.reason);
      throw new Refused('InvalidChargePermissionStatus', `Amazon reports the charge permission ${permission.state}${permission.reason ? ` (${permission.reason})` : ''}; the buyer must fix the payment method first`);
    }
    this.s.status = 'Active';
    this.s.lastError = undefined;
    this.skipMissedPeriods();
    await this.emit('subscription.resumed', {});
    return this.actionResult();
  }

  private skipMissedPeriods(): void {
    for (;;) {
      const next = scheduledChargeAt(this.startedAt, this.input.frequency, this.s.scheduleIndex + 1);
      if (next === undefined || next > Date.now()) {
        this.s.nextChargeAt = next;
        return;
      }
      this.s.scheduleIndex += 1;
    }
  }

  /** Closes the permission at Amazon (charges already made stay capturable and refundable) and ends the subscription. */
  private async cancel(reason: string | undefined): Promise<m.SubscriptionActionResult> {
    try {
      await amazon.closeChargePermission({ orderId: this.input.subscriptionId, chargePermissionId: this.input.chargePermissionId, reason: reason ?? 'MerchantClosed', cancelPendingCharges: false });
    } catch (err) {
      const f = failureOf(err);
      // Closed already (by the buyer or Amazon): the subscription ends all the same.
      if (f.code !== 'InvalidChargePermissionStatus') throw new Refused(f.code, f.message);
    }
    this.s.status = 'Canceled';
    await this.emit('subscription.canceled', { reason: reason ?? 'MerchantClosed' });
    return this.actionResult();
  }

  private async chargeNow(amount: number): Promise<m.ChargeNowResult> {
    // Checked again here: a pause or cancel accepted just before may have run first.
    if (this.s.status !== 'Active' && this.s.status !== 'Suspended') throw new Refused(REJECTION_TYPES.invalidState, `the subscription is ${this.s.status}; resume it before charging`);
    const unknown = this.s.periods.find((p) => p.result === 'Unknown');
    if (unknown) throw new Refused('ChargeOutcomeUnknown', `period ${unknown.period} (order ${unknown.orderId ?? '-'}) has not reported its charge yet; check it before charging again`);
    const outcome = await this.charge(amount);
    if (!outcome.ok) throw new Refused(outcome.code ?? 'ChargeFailed', outcome.message ?? 'the charge failed');
    if (this.s.status === 'Suspended') {
      this.s.status = 'Active';
      this.s.lastError = undefined;
      this.skipMissedPeriods();
    }
    return { status: this.s.status, period: outcome.period, orderId: outcome.orderId, paymentStatus: outcome.paymentStatus, chargeId: outcome.chargeId };
  }

  private async refreshPermission(): Promise<void> {
    let permission;
    try {
      permission = await this.readPermission();
    } catch (err) {
      log.warn('re-reading the charge permission failed', { subscriptionId: this.input.subscriptionId, error: err instanceof Error ? err.message : String(err) });
      return;
    }
    if (permission.state === 'Closed') await this.close(permission.reason);
    else if (permission.state === 'NonChargeable' && !PASSING_REASONS.has(permission.reason ?? '') && this.s.status === 'Active') {
      await this.suspend({ code: permission.reason ?? 'NonChargeable', message: `Amazon made the charge permission non-chargeable (${permission.reason ?? 'no reason given'})` });
    }
  }

  // ---------------------------------------------------------------- charging

  private async readPermission(): Promise<{ state: string; reason?: string }> {
    const p = await poller.getChargePermission({ chargePermissionId: this.input.chargePermissionId });
    // A passing reason (a charge in progress) never hides a lasting one.
    const reason = p.reasons.find((r) => !PASSING_REASONS.has(r)) ?? p.reasons[0];
    return { state: p.state, reason };
  }

  /**
   * One period: check the permission, start the period's order (it charges with a key of its own and retries soft
   * declines with fresh keys), and wait for it to report. Any failure suspends the subscription and tells the admin.
   */
  /** The late report of a period given up as Unknown: its row is corrected and the shop told. */
  private async lateOutcome(o: PeriodOutcome): Promise<void> {
    const row = this.s.periods.find((p) => p.period === o.period && p.result === 'Unknown');
    if (!row) return;
    row.result = o.ok ? o.paymentStatus : (o.code ?? 'Declined');
    if (o.chargeId) row.chargeId = o.chargeId;
    if (o.ok) await this.emit('recurring.charge.succeeded', { period: o.period, orderId: o.orderId, amount: row.amount, currency: this.input.amount.currency, paymentStatus: o.paymentStatus, chargeId: o.chargeId, late: true });
    else await this.emit('recurring.charge.failed', { period: o.period, orderId: o.orderId, code: o.code, message: o.message, late: true });
  }

  private async charge(amount: number): Promise<PeriodOutcome> {
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
      await this.close(permission.reason);
      return { period: this.s.period, orderId: '', ok: false, paymentStatus: 'Declined', code: 'InvalidChargePermissionStatus', message: `the charge permission is Closed (${permission.reason ?? 'no reason given'})` };
    }
    // Every attempt gets a period number of its own, so a failure and a later success never share one.
    const period = this.s.period + 1;
    this.s.period = period;
    const orderId = periodOrderId(this.input.subscriptionId, period);
    const fail = async (f: FailureInfo, result: string, withOrder: boolean): Promise<PeriodOutcome> => {
      this.s.periods.push({ period, ...(withOrder ? { orderId } : {}), at: new Date(Date.now()).toISOString(), amount, result });
      await this.suspend(f, period, withOrder ? orderId : undefined);
      return { period, orderId: withOrder ? orderId : '', ok: false, paymentStatus: 'Declined', code: f.code, message: f.message };
    };
    if (permission.state !== 'Chargeable' && !(permission.state === 'NonChargeable' && PASSING_REASONS.has(permission.reason ?? ''))) {
      return fail({ code: permission.reason ?? permission.state, message: `Amazon reports the charge permission ${permission.state} (${permission.reason ?? 'no reason given'})` }, permission.state, false);
    }
    this.chargedThisRun += 1;
    const child: OrderPaymentInput = {
      orderId,
      amount: { amount, currency: this.input.amount.currency },
      // A recurring order is never linked to its order status: linkedPaymentAction (workflows/state-table.ts) decides that.
      settings: { ...this.input.orderSettings, paymentIntent: this.input.paymentIntent, recurring: true, canHandlePendingAuthorization: false },
      ...(this.input.orderTimings ? { timings: this.input.orderTimings } : {}),
      recurringCharge: { subscriptionId: this.input.subscriptionId, subscriptionWorkflowId: this.workflowId, chargePermissionId: this.input.chargePermissionId, period },
      ...(this.input.merchantStoreName ? { merchantStoreName: this.input.merchantStoreName } : {}),
      ...(this.input.softDescriptor ? { softDescriptor: this.input.softDescriptor } : {}),
      ...(this.input.buyer ? { buyer: this.input.buyer } : {}),
    };
    try {
      await startChild(WORKFLOW_TYPES.orderPayment, {
        workflowId: orderWorkflowId(orderId),
        args: [child],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      });
    } catch (err) {
      return fail({ code: 'DuplicateOrderId', message: `could not start the order ${orderId}: ${err instanceof Error ? err.message : String(err)}` }, 'NotStarted', false);
    }
    const reported = await condition(() => this.outcomes.has(period), this.timings.chargeOutcomeTimeoutMs);
    if (!reported) {
      return fail({ code: 'ChargeOutcomeUnknown', message: `the order ${orderId} did not report its charge in time; check it before resuming` }, 'Unknown', true);
    }
    const outcome = this.outcomes.get(period) as PeriodOutcome;
    this.outcomes.delete(period);
    if (!outcome.ok) return fail({ code: outcome.code ?? 'Declined', message: outcome.message ?? 'the charge was declined' }, outcome.code ?? 'Declined', true);
    this.s.periods.push({ period, orderId, at: new Date(Date.now()).toISOString(), amount, result: outcome.paymentStatus, chargeId: outcome.chargeId });
    this.s.lastError = undefined;
    await this.emit('recurring.charge.succeeded', { period, orderId, amount, currency: this.input.amount.currency, paymentStatus: outcome.paymentStatus, chargeId: outcome.chargeId });
    return outcome;
  }

  private async suspend(f: FailureInfo, period?: number, orderId?: string): Promise<void> {
    this.s.lastError = { code: f.code, message: f.message };
    log.warn('subscription suspended', { subscriptionId: this.input.subscriptionId, code: f.code, period });
    if (period !== undefined) await this.emit('recurring.charge.failed', { period, ...(orderId ? { orderId } : {}), code: f.code, message: f.message });
    if (this.s.status !== 'Suspended') {
      this.s.status = 'Suspended';
      await this.emit('subscription.suspended', { code: f.code, message: f.message });
    }
  }

  private async close(reason: string | undefined): Promise<void> {
    if (FINAL.has(this.s.status)) return;
    this.s.status = 'Closed';
    this.s.lastError = { code: reason ?? 'Closed', message: `Amazon closed the charge permission (${reason ?? 'no reason given'})` };
    await this.emit('subscription.closed', { reason });
  }

  // ---------------------------------------------------------------- projection and shop events

  private async save(): Promise<void> {
    const st = this.snapshot();
    await localDb.saveSubscription({
      subscriptionId: st.subscriptionId,
      workflowId: st.workflowId,
      chargePermissionId: st.chargePermissionId,
      status: st.status,
      amount: st.amount,
      currency: st.currency,
      frequencyUnit: st.frequency.unit,
      frequencyValue: st.frequency.value,
      paymentIntent: st.paymentIntent,
      periodsCharged: this.s.period,
      nextChargeAt: st.nextChargeAt,
      lastErrorCode: st.lastError?.code,
      lastErrorMessage: st.lastError?.message,
    });
  }

  /** Records the event and posts it to the shop in a workflow of its own, so a slow shop never holds a charge. */
  private async emit(type: ShopEventType, data: Record<string, unknown>): Promise<void> {
    this.s.eventSeq += 1;
    const eventId = shopEventId(this.workflowId, this.s.eventSeq, type);
    await startChild(WORKFLOW_TYPES.shopEventDelivery, {
      workflowId: shopEventWorkflowId(eventId),
      args: [{ eventId, type, subscriptionId: this.input.subscriptionId, occurredAt: new Date(Date.now()).toISOString(), data: { ...data, status: this.s.status, chargePermissionId: this.input.chargePermissionId } }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    }).catch((err: unknown) => log.warn('shop event not started (already sent?)', { eventId, error: err instanceof Error ? err.message : String(err) }));
  }
}
