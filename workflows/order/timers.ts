// The order's durable deadlines: checkout expiry, the authorization's expiry warning and expiry (or re-authorization),
// polling of objects Amazon has not settled, and what the state query shows of each.
import { log } from '@temporalio/workflow';
import { failureOf } from '../failures';
import { EXPIRY_WARNING_HISTORY_ROW } from '../patches';
import type { PendingTimer } from '../types';
import { db, permissionOwner, poller } from './calls';
import type { RefundApprovals } from './approvals';
import type { Ledger } from './ledger';
import type { Projection } from './projection';
import type { OrderContext } from './types';

/** ORDER_V15: how long an expired checkout waits to look for a lost completion again when its rows could not be read. */
const CHECKOUT_LOOK_AGAIN_MS = 60_000;

export class Timers {
  /** When pending objects are read again. */
  private pollAt?: number;
  private pollAttempt = 0;
  /** A retryable decline is waiting for its next try (shown, never woken for: the retry sleeps itself). */
  declineRetryAt?: number;
  /** ORDER_V15: before an expired checkout is abandoned, a completion whose answer was lost is looked for (machine.ts); false: not read. */
  beforeAbandon?: () => Promise<boolean>;

  constructor(
    private readonly o: OrderContext,
    private readonly ledger: Ledger,
    private readonly projection: Projection,
    private readonly approvals: RefundApprovals,
  ) {}

  /** Polls pending objects, backing off; `reset` starts the backoff over (a new pending object). */
  schedulePoll(reset: boolean): void {
    if (reset) this.pollAttempt = 0;
    const b = this.o.timings.pollBackoffMs;
    this.pollAt = Date.now() + b[Math.min(this.pollAttempt, b.length - 1)];
    this.pollAttempt += 1;
  }

  /** Nothing is pending any more: no poll. */
  stopPollingIfSettled(): void {
    if (this.ledger.pendingCount() === 0) this.pollAt = undefined;
  }

  private warnAt(): number | undefined {
    const s = this.o.s;
    if (s.authorizationExpiresAt === undefined || s.expiryWarned || this.ledger.capturable() === 0) return undefined;
    return s.authorizationExpiresAt - this.o.settings.expiryWarningLeadMs;
  }

  /** Every deadline the order is waiting for, as the state query shows them. */
  deadlines(): PendingTimer[] {
    const s = this.o.s;
    const t: PendingTimer[] = [];
    const at = (ms: number) => new Date(ms).toISOString();
    if (s.paymentStatus === 'CheckoutPending') t.push({ name: 'checkoutExpiry', firesAt: at(s.checkoutDeadline) });
    const warn = this.warnAt();
    if (warn !== undefined) t.push({ name: 'authorizationWarning', firesAt: at(warn) });
    if (s.authorizationExpiresAt !== undefined && this.ledger.capturable() > 0) t.push({ name: 'authorizationExpiry', firesAt: at(s.authorizationExpiresAt) });
    if (this.pollAt !== undefined) t.push({ name: 'poll', firesAt: at(this.pollAt) });
    if (this.declineRetryAt !== undefined) t.push({ name: 'declineRetry', firesAt: at(this.declineRetryAt) });
    if (this.projection.retryAt !== undefined) t.push({ name: 'projectionRetry', firesAt: at(this.projection.retryAt) });
    const end = this.ledger.refundWindowEndsAt();
    if (end !== undefined) t.push({ name: 'refundWindow', firesAt: at(end) });
    const approval = this.approvals.nextExpiry();
    if (approval !== undefined) t.push({ name: 'refundApprovalExpiry', firesAt: at(approval) });
    return t;
  }

  /** When the loop must wake up next, if anything is due. */
  nextWake(): number | undefined {
    const times = this.deadlines()
      .filter((t) => t.name !== 'declineRetry')
      .map((t) => Date.parse(t.firesAt));
    return times.length === 0 ? undefined : Math.min(...times);
  }

  /** Runs whatever is due now, then writes the projection. */
  async fireDue(): Promise<void> {
    const { ledger } = this;
    const s = this.o.s;
    const now = Date.now();
    // Only a checkout that was reviewed (it has its session) can have been completed.
    if (s.paymentStatus === 'CheckoutPending' && now >= s.checkoutDeadline && this.o.v15 && s.checkoutSessionId !== undefined && this.beforeAbandon && !(await this.beforeAbandon())) {
      // The rows could not be read: abandoning now could abandon a paid checkout. Look again in a minute.
      s.checkoutDeadline = now + CHECKOUT_LOOK_AGAIN_MS;
    }
    if (s.paymentStatus === 'CheckoutPending' && now >= s.checkoutDeadline) {
      ledger.setStatus('Abandoned');
      ledger.record('expire', 'Abandoned', { amazonObjectId: s.checkoutSessionId, message: 'checkout session not completed within its lifetime' });
    }
    const warn = this.warnAt();
    if (warn !== undefined && now >= warn) await this.warnExpiry();
    if (s.authorizationExpiresAt !== undefined && ledger.capturable() > 0 && now >= s.authorizationExpiresAt) await this.expireAuthorization();
    if (this.pollAt !== undefined && now >= this.pollAt) await this.pollPending();
    this.approvals.expireDue(now);
    await this.projection.flush();
  }

  private async warnExpiry(): Promise<void> {
    const { o, ledger } = this;
    o.s.expiryWarned = true;
    const expiresAt = new Date(o.s.authorizationExpiresAt as number).toISOString();
    await db.warnAuthorizationExpiry({ orderId: o.orderId, chargeId: ledger.openCharge()?.chargeId, expiresAt, uncaptured: ledger.capturable(), currency: o.currency });
    if (this.o.uses(EXPIRY_WARNING_HISTORY_ROW)) {
      ledger.record('expire', 'ExpiryWarning', { amount: ledger.capturable(), amazonObjectId: ledger.openCharge()?.chargeId, message: `authorization expires at ${expiresAt}` });
    }
  }

  /** The authorization expires uncaptured: authorized again on the permission when the setting says so, else expired. */
  private async expireAuthorization(): Promise<void> {
    const { o, ledger } = this;
    const open = ledger.openCharge();
    const remaining = ledger.capturable();
    if (o.settings.reauthorizeOnExpiry && o.s.chargePermissionId !== undefined) {
      o.s.reauthorizations += 1;
      try {
        const c = await o.amazon.createCharge({
          orderId: o.orderId,
          chargePermissionId: o.s.chargePermissionId,
          permissionOwner: permissionOwner(o),
          amount: remaining,
          currency: o.currency,
          captureNow: false,
          canHandlePendingAuthorization: false,
          key: { workflowId: o.workflowId, action: 'reauthorize', requestId: String(o.s.reauthorizations) },
        });
        ledger.reauthorized(open, c.chargeId, remaining);
        return;
      } catch (err) {
        ledger.recordFailure('authorize', failureOf(err), { amount: remaining, amazonObjectId: o.s.chargePermissionId });
      }
    }
    ledger.expired(open, remaining);
  }

  private async pollPending(): Promise<void> {
    const { o, ledger } = this;
    for (const c of o.s.charges.filter((x) => x.state === 'AuthorizationInitiated' || x.state === 'CaptureInitiated')) {
      try {
        ledger.applyCharge(c, await poller.getCharge({ chargeId: c.chargeId }));
      } catch (err) {
        log.warn('polling a charge failed', { orderId: o.orderId, chargeId: c.chargeId, code: failureOf(err).code });
      }
    }
    for (const r of o.s.refunds.filter((x) => x.state === 'RefundInitiated')) {
      try {
        ledger.applyRefund(r, await poller.getRefund({ refundId: r.refundId }));
      } catch (err) {
        log.warn('polling a refund failed', { orderId: o.orderId, refundId: r.refundId, code: failureOf(err).code });
      }
    }
    if (ledger.pendingCount() > 0) this.schedulePoll(false);
    else this.pollAt = undefined;
  }
}
