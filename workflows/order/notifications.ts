// Amazon's notifications (docs/amazon-pay.md, Notifications) are hints: the order answers at once and re-reads the
// object in its loop; a notification seen before, about an object not this order's, or about a state the order
// already holds is not re-read.
import { log } from '@temporalio/workflow';
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
  ) {}

  /** A notification is a hint: re-read the object later in the loop; the caller is answered at once. */
  notify(args: AmazonNotificationArgs): AmazonNotificationResult {
    const s = this.o.s;
    if (this.ledger.finished()) return { accepted: false };
    if (args.notificationId !== undefined) {
      if (s.seenNotifications.includes(args.notificationId)) return { accepted: false };
      s.seenNotifications.push(args.notificationId);
      if (s.seenNotifications.length > MAX_SEEN_NOTIFICATIONS) s.seenNotifications.shift();
    }
    const known =
      (args.objectType === 'CHARGE' && this.ledger.charge(args.objectId) !== undefined) ||
      (args.objectType === 'REFUND' && this.ledger.refund(args.objectId) !== undefined) ||
      (args.objectType === 'CHARGE_PERMISSION' && s.chargePermissionId === args.objectId);
    if (this.o.uses(NOTIFICATION_REFRESH)) {
      // Amazon often notifies before the response of the call that made the object has reached this workflow:
      // while a command runs, an unknown object is re-read once it has finished (it is then known, or ignored).
      const refreshable = args.objectType === 'CHARGE' || args.objectType === 'REFUND' || args.objectType === 'CHARGE_PERMISSION';
      if (!known && !(refreshable && this.executing())) return { accepted: false };
      // A re-read of this object is already queued: it will see this change too.
      if (this.queue.some((c) => c.kind === 'refresh' && c.args.objectType === args.objectType && c.args.objectId === args.objectId)) return { accepted: true };
    } else if (!known) {
      return { accepted: false };
    }
    this.queue.enqueue({ kind: 'refresh', key: this.queue.nextKey('refresh'), args });
    return { accepted: true };
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
    try {
      if (args.objectType === 'CHARGE') {
        const record = ledger.charge(args.objectId);
        if (record) ledger.applyCharge(record, await poller.getCharge({ chargeId: args.objectId }));
      } else if (args.objectType === 'REFUND') {
        const record = ledger.refund(args.objectId);
        if (record) ledger.applyRefund(record, await poller.getRefund({ refundId: args.objectId }));
      } else if (args.objectType === 'CHARGE_PERMISSION' && o.s.chargePermissionId !== undefined) {
        const p = await poller.getChargePermission({ chargePermissionId: o.s.chargePermissionId });
        if (p.state === 'Closed' && !o.s.permissionClosed) {
          o.s.permissionClosed = true;
          ledger.record('notification', 'Closed', { amazonObjectId: p.chargePermissionId, message: p.reasons.join(',') || undefined });
        }
      }
    } catch (err) {
      // A failed re-read is not the caller's problem: polling goes on.
      const f = failureOf(err);
      log.warn('re-reading an Amazon object after a notification failed', { orderId: o.orderId, code: f.code, objectId: args.objectId });
    }
    this.timers.stopPollingIfSettled();
    return { refreshed: true };
  }
}
