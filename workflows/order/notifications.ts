// Amazon's notifications (docs/amazon-pay.md, Notifications) are hints: the order answers at once and re-reads the
// object in its loop; a notification seen before, about an object not this order's, or about a state the order
// already holds is not re-read.
import { log } from '@temporalio/workflow';
import type { PermissionSummary, RefundSummary } from '../../activities/summaries';
import type { CommandQueue } from '../command-queue';
import { failureOf } from '../failures';
import type { AmazonNotificationArgs, AmazonNotificationResult } from '../messages';
import { NOTIFICATION_REFRESH, NOTIFIED_STATE_KNOWN } from '../patches';
import { poller } from './calls';
import type { Ledger } from './ledger';
import type { Timers } from './timers';
import type { Command, OrderContext } from './types';

/** Notification ids remembered to drop repeats. */
const MAX_SEEN_NOTIFICATIONS = 200;

export class Notifications {
  constructor(
    private readonly o: OrderContext,
    private readonly ledger: Ledger,
    private readonly queue: CommandQueue<Command>,
    private readonly timers: Timers,
    /** A command is being executed (its Amazon call may still be in flight). */
    private readonly executing: () => boolean,
    /** ORDER_V15: finds and runs again a money call whose answer this order lost (machine.ts recoverLost); false: not read. */
    private readonly recoverLost: () => Promise<boolean>,
  ) {}

  /** A notification is a hint: re-read the object later in the loop; the caller is answered at once. */
  notify(args: AmazonNotificationArgs): AmazonNotificationResult {
    const s = this.o.s;
    // A lean run's validator refused these already (they leave no history); the handler keeps to the same rule.
    if (this.o.lean && this.noNews(args) !== undefined) return { accepted: false };
    if (this.ledger.finished()) return { accepted: false };
    if (args.notificationId !== undefined) {
      if (s.seenNotifications.includes(args.notificationId)) return { accepted: false };
      s.seenNotifications.push(args.notificationId);
      if (s.seenNotifications.length > MAX_SEEN_NOTIFICATIONS) s.seenNotifications.shift();
    }
    const known = this.known(args);
    if (this.o.uses(NOTIFICATION_REFRESH)) {
      if (!known && !this.mayBeMadeNow(args) && !this.mayBeLost(args)) return { accepted: false };
      // A re-read of this object is already queued: it will see this change too (in a lean run it takes this
      // notification's newer re-read from the webhook along).
      const queued = this.queue.find((c) => c.kind === 'refresh' && c.args.objectType === args.objectType && c.args.objectId === args.objectId);
      if (queued?.kind === 'refresh') {
        if (this.o.lean && (args.refund !== undefined || args.permission !== undefined)) queued.args = { ...queued.args, state: args.state, refund: args.refund, permission: args.permission };
        return { accepted: true };
      }
    } else if (!known) {
      return { accepted: false };
    }
    this.queue.enqueue({ kind: 'refresh', key: this.queue.nextKey('refresh'), args });
    return { accepted: true };
  }

  /**
   * Why a notification would change nothing, or undefined when it may: the order is finished, the notification was
   * delivered before, the object is not this order's (and no call that may have made it is running), or the
   * webhook's re-read found a state the order holds. A lean run's update validator refuses by this rule, so such a
   * notification leaves no event in history (validators read; `notify` then keeps to the same rule).
   */
  noNews(args: AmazonNotificationArgs): string | undefined {
    const s = this.o.s;
    if (this.ledger.finished()) return `the order's payment is ${s.paymentStatus}; nothing more can change`;
    if (args.notificationId !== undefined && s.seenNotifications.includes(args.notificationId)) return 'the notification was delivered before';
    const known = this.known(args);
    if (!known && !this.mayBeMadeNow(args) && !this.mayBeLost(args)) return 'the object is not one of this order';
    if (known && args.source === 'ipn' && (this.finalHere(args) || this.stateKnown(args))) return 'the order holds this state already';
    return undefined;
  }

  /** The notified object is one this order holds. */
  private known(args: AmazonNotificationArgs): boolean {
    return (
      (args.objectType === 'CHARGE' && this.ledger.charge(args.objectId) !== undefined) ||
      (args.objectType === 'REFUND' && this.ledger.refund(args.objectId) !== undefined) ||
      (args.objectType === 'CHARGE_PERMISSION' && this.o.s.chargePermissionId === args.objectId)
    );
  }

  /**
   * Amazon often notifies before the response of the call that made the object has reached this workflow: while a
   * command runs, an unknown object is re-read once it has finished (it is then known, or ignored).
   */
  private mayBeMadeNow(args: AmazonNotificationArgs): boolean {
    return (args.objectType === 'CHARGE' || args.objectType === 'REFUND' || args.objectType === 'CHARGE_PERMISSION') && this.executing();
  }

  /**
   * ORDER_V15: an object the order does not hold, which the webhook found on this order's permission or naming this order,
   * may have been made by a call whose answer was lost (a charge or a refund; the permission while the checkout is not
   * complete here). The re-read looks for that call first (`unexplained`).
   */
  private mayBeLost(args: AmazonNotificationArgs): boolean {
    if (!this.o.v15) return false;
    if (args.objectType === 'CHARGE' || args.objectType === 'REFUND') return true;
    return args.objectType === 'CHARGE_PERMISSION' && this.o.s.chargePermissionId === undefined;
  }

  /**
   * ORDER_V15: the notification tells of a change no command of this order explains, so a money call whose answer was
   * lost may have made it: an object the order does not hold, its charge captured or cancelled while it holds it
   * authorized, its permission closed while it holds it open. A nudge of the reconciliation or an operator always looks.
   */
  private unexplained(args: AmazonNotificationArgs): boolean {
    if (!this.o.v15) return false;
    if (args.source !== 'ipn') return true;
    if (!this.known(args)) return this.mayBeLost(args);
    if (args.objectType === 'CHARGE') {
      const held = this.ledger.charge(args.objectId)?.state;
      return (held === 'Authorized' || held === 'AuthorizationInitiated') && (args.state === 'Captured' || args.state === 'CaptureInitiated' || args.state === 'Canceled');
    }
    return args.objectType === 'CHARGE_PERMISSION' && args.state === 'Closed' && !this.o.s.permissionClosed && this.ledger.capturable() > 0;
  }

  /** The object is in a state Amazon never leaves: a notification about it has nothing new to tell. */
  private finalHere(args: AmazonNotificationArgs): boolean {
    if (args.objectType === 'CHARGE') {
      const state = this.ledger.charge(args.objectId)?.state;
      return state === 'Captured' || state === 'Declined';
    }
    if (args.objectType === 'REFUND') {
      const state = this.ledger.refund(args.objectId)?.state;
      return state === 'Refunded' || state === 'Declined';
    }
    return args.objectType === 'CHARGE_PERMISSION' && this.o.s.permissionClosed;
  }

  /**
   * The webhook's re-read found the object in the state this workflow already holds (typically the state the
   * workflow's own call returned, e.g. Authorized after completion, RefundInitiated after createRefund): a further
   * read would tell nothing new. A permission matters here only once Closed.
   */
  private stateKnown(args: AmazonNotificationArgs): boolean {
    if (args.state === undefined) return false;
    if (args.objectType === 'CHARGE') return this.ledger.charge(args.objectId)?.state === args.state;
    if (args.objectType === 'REFUND') return this.ledger.refund(args.objectId)?.state === args.state;
    return args.objectType === 'CHARGE_PERMISSION' && this.o.s.chargePermissionId === args.objectId && args.state !== 'Closed';
  }

  /** Re-reads the notified object and applies what Amazon says now. */
  async refresh(args: AmazonNotificationArgs): Promise<{ refreshed: boolean }> {
    const { o, ledger } = this;
    // Only Amazon's notifications are skipped this way; a reconcile nudge always re-reads.
    if (args.source === 'ipn' && this.finalHere(args) && this.o.uses(NOTIFICATION_REFRESH)) return { refreshed: false };
    if (args.source === 'ipn' && this.stateKnown(args) && this.o.uses(NOTIFIED_STATE_KNOWN)) return { refreshed: false };
    // Before the change is applied: a lost call is run again on the state it was decided on. Applied without that look,
    // the change would hide the lost call for good, so when the rows cannot be read it waits for the next notice.
    if (this.unexplained(args) && !(await this.recoverLost())) {
      // Not used up: Amazon's next delivery of it is let in, and looks again.
      if (args.notificationId !== undefined) this.o.s.seenNotifications = this.o.s.seenNotifications.filter((id) => id !== args.notificationId);
      return { refreshed: false };
    }
    try {
      if (args.objectType === 'CHARGE') {
        const record = ledger.charge(args.objectId);
        if (record) ledger.applyCharge(record, await poller.getCharge({ chargeId: args.objectId }));
      } else if (args.objectType === 'REFUND') {
        const record = ledger.refund(args.objectId);
        if (record) ledger.applyRefund(record, this.settledRefund(args) ?? (await poller.getRefund({ refundId: args.objectId })));
      } else if (args.objectType === 'CHARGE_PERMISSION' && o.s.chargePermissionId !== undefined) {
        ledger.permissionRead(this.closedPermission(args) ?? (await poller.getChargePermission({ chargePermissionId: o.s.chargePermissionId })));
      }
    } catch (err) {
      // A failed re-read is not the caller's problem: polling goes on.
      const f = failureOf(err);
      log.warn('re-reading an Amazon object after a notification failed', { orderId: o.orderId, code: f.code, objectId: args.objectId });
    }
    this.timers.stopPollingIfSettled();
    return { refreshed: true };
  }

  /**
   * A lean run takes a final refund as the webhook re-read it from Amazon: a refund never leaves Refunded or Declined,
   * so a second read could only say the same. Anything else (and every charge, whose later reads may differ) is read.
   */
  private settledRefund(args: AmazonNotificationArgs): RefundSummary | undefined {
    const r = args.refund;
    if (!this.o.lean || r === undefined || r.refundId !== args.objectId) return undefined;
    return r.state === 'Refunded' || r.state === 'Declined' ? r : undefined;
  }

  /** Likewise a permission the webhook found Closed (Amazon never reopens one), when it is this order's. */
  private closedPermission(args: AmazonNotificationArgs): PermissionSummary | undefined {
    const p = args.permission;
    if (!this.o.lean || p === undefined || p.chargePermissionId !== args.objectId || p.chargePermissionId !== this.o.s.chargePermissionId) return undefined;
    return p.state === 'Closed' ? p : undefined;
  }
}
