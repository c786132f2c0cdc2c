// The subscription's loop: one command at a time from the queue (the admin's pause, resume, cancel and charge-now, a
// permission re-read, a late outcome), the scheduled charge when it falls due, continue-as-new after many periods.
import { ActivityFailure, allHandlersFinished, condition, continueAsNew, log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { amazonCall } from '../activity-options';
import { CommandQueue } from '../command-queue';
import { failureOf } from '../failures';
import { REJECTION_TYPES } from '../messages';
import { scheduledChargeAt } from '../schedule';
import type { ChargeNowResult, SubscriptionActionResult } from '../subscription-messages';
import type { PeriodOutcome, StoredResult, SubscriptionCarried, SubscriptionInput, SubscriptionState, SubscriptionStatus, SubscriptionTimings } from '../types';
import { SubscriptionEvents } from './events';
import { PASSING_REASONS, Periods, RetryLater } from './periods';
import { FINAL, type Command, type SubscriptionContext } from './types';

const amazon = proxyActivities<Activities>(amazonCall);

const DEFAULT_SUBSCRIPTION_TIMINGS: SubscriptionTimings = {
  chargeOutcomeTimeoutMs: 3 * 24 * 60 * 60 * 1000,
  continueAsNewAfterPeriods: 100,
};
const MAX_CARRIED_PERIODS = 24;
const MAX_CARRIED_RESULTS = 200;
/** How long after a failed permission read a scheduled charge is tried again. */
const RETRY_READ_MS = 60 * 60 * 1000;

/** A request the subscription's state or Amazon refuses: the caller's failure, with its code. */
class Refused extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class SubscriptionMachine {
  private readonly workflowId = workflowInfo().workflowId;
  private readonly timings: SubscriptionTimings;
  private readonly s: SubscriptionCarried;
  private readonly queue: CommandQueue<Command>;
  private readonly startedAt: number;
  private readonly events: SubscriptionEvents;
  private readonly periods: Periods;

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
    const c: SubscriptionContext = { input, workflowId: this.workflowId, timings: this.timings, startedAt: this.startedAt, s: this.s };
    this.events = new SubscriptionEvents(c);
    this.periods = new Periods(c, this.events);
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
    return this.events.snapshot();
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
    this.periods.reported(o);
  }

  permissionChanged(): void {
    if (this.queue.some((c) => c.kind === 'permission')) return;
    this.queue.enqueue({ kind: 'permission', key: this.queue.nextKey('permission') });
  }

  // ---------------------------------------------------------------- main loop

  async run(): Promise<SubscriptionState> {
    await this.events.save();
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
          await this.periods.charge(this.input.amount.amount);
        } catch (err) {
          if (!(err instanceof RetryLater)) throw err;
          this.s.scheduleIndex -= 1;
          this.s.nextChargeAt = Date.now() + RETRY_READ_MS;
          log.warn('charge date moved: the permission could not be read', { subscriptionId: this.input.subscriptionId, error: err.message });
        }
        await this.events.save();
        continue;
      }
      if (this.periods.chargedThisRun >= this.timings.continueAsNewAfterPeriods || workflowInfo().continueAsNewSuggested) {
        if (await this.queue.handlersFinished()) await this.continueAsNew();
        continue;
      }
      await this.queue.waitForCommand(due, 'each');
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
    return continueAsNew<(input: SubscriptionInput) => Promise<SubscriptionState>>({ ...this.input, carried });
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
    await this.events.save();
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
        return this.periods.lateOutcome(cmd.outcome);
    }
  }

  private actionResult(): SubscriptionActionResult {
    const s = this.snapshot();
    return { status: s.status, nextChargeAt: s.nextChargeAt };
  }

  // ---------------------------------------------------------------- admin actions

  private async pause(): Promise<SubscriptionActionResult> {
    if (this.s.status !== 'Active' && this.s.status !== 'Paused') throw new Refused(REJECTION_TYPES.invalidState, `the subscription is ${this.s.status}; only an active one can be paused`);
    if (this.s.status === 'Active') {
      this.s.status = 'Paused';
      await this.events.emit('subscription.paused', {});
    }
    return this.actionResult();
  }

  /** Back to Active if Amazon still lets the permission be charged; periods missed meanwhile are skipped, not charged. */
  private async resume(): Promise<SubscriptionActionResult> {
    if (FINAL.has(this.s.status)) throw new Refused(REJECTION_TYPES.invalidState, `the subscription is ${this.s.status}`);
    if (this.s.status === 'Active') return this.actionResult();
    const permission = await this.periods.readPermission();
    if (permission.state !== 'Chargeable') {
      if (permission.state === 'Closed') await this.events.close(permission.reason);
      throw new Refused('InvalidChargePermissionStatus', `Amazon reports the charge permission ${permission.state}${permission.reason ? ` (${permission.reason})` : ''}; the buyer must fix the payment method first`);
    }
    this.s.status = 'Active';
    this.s.lastError = undefined;
    this.skipMissedPeriods();
    await this.events.emit('subscription.resumed', {});
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
  private async cancel(reason: string | undefined): Promise<SubscriptionActionResult> {
    try {
      await amazon.closeChargePermission({ orderId: this.input.subscriptionId, chargePermissionId: this.input.chargePermissionId, reason: reason ?? 'MerchantClosed', cancelPendingCharges: false });
    } catch (err) {
      const f = failureOf(err);
      // Closed already (by the buyer or Amazon): the subscription ends all the same.
      if (f.code !== 'InvalidChargePermissionStatus') throw new Refused(f.code, f.message);
    }
    this.s.status = 'Canceled';
    await this.events.emit('subscription.canceled', { reason: reason ?? 'MerchantClosed' });
    return this.actionResult();
  }

  private async chargeNow(amount: number): Promise<ChargeNowResult> {
    // Checked again here: a pause or cancel accepted just before may have run first.
    if (this.s.status !== 'Active' && this.s.status !== 'Suspended') throw new Refused(REJECTION_TYPES.invalidState, `the subscription is ${this.s.status}; resume it before charging`);
    const unknown = this.s.periods.find((p) => p.result === 'Unknown');
    if (unknown) throw new Refused('ChargeOutcomeUnknown', `period ${unknown.period} (order ${unknown.orderId ?? '-'}) has not reported its charge yet; check it before charging again`);
    const outcome = await this.periods.charge(amount);
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
      permission = await this.periods.readPermission();
    } catch (err) {
      log.warn('re-reading the charge permission failed', { subscriptionId: this.input.subscriptionId, error: err instanceof Error ? err.message : String(err) });
      return;
    }
    if (permission.state === 'Closed') await this.events.close(permission.reason);
    else if (permission.state === 'NonChargeable' && !PASSING_REASONS.has(permission.reason ?? '') && this.s.status === 'Active') {
      await this.events.suspend({ code: permission.reason ?? 'NonChargeable', message: `Amazon made the charge permission non-chargeable (${permission.reason ?? 'no reason given'})` });
    }
  }
}
