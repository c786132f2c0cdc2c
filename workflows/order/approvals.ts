// Second approval for large refunds (docs/product-rules.md, Refund approval): a refund the API marked as needing one
// waits here, durably, until an editor other than the one who asked approves it (it runs then), rejects it, or it
// expires. Nothing moves at Amazon before the approval.
import { patched } from '@temporalio/workflow';
import type { ApprovalView, PaymentActionResult, RefundArgs } from '../messages';
import { REFUND_APPROVAL } from '../patches';
import type { Actor, PendingApproval } from '../types';
import type { Ledger } from './ledger';
import { approvalView } from './projection';
import type { OrderContext } from './types';

export class RefundApprovals {
  constructor(
    private readonly o: OrderContext,
    private readonly ledger: Ledger,
  ) {}

  private get list(): PendingApproval[] {
    this.o.s.approvals ??= [];
    return this.o.s.approvals;
  }

  pending(): readonly PendingApproval[] {
    return this.o.s.approvals ?? [];
  }

  find(approvalId: string): PendingApproval | undefined {
    return this.pending().find((a) => a.approvalId === approvalId);
  }

  view(a: PendingApproval): ApprovalView {
    return approvalView(a, this.o.currency);
  }

  /** The refund waits: recorded with who asked, answered with the approval to wait for. */
  request(args: RefundArgs & { approval: { ttlMs: number } }, requester: Actor): PaymentActionResult {
    // Marks the runs that took this path (only they schedule an approval's expiry): a replay of one finds it here.
    patched(REFUND_APPROVAL);
    const now = Date.now();
    const a: PendingApproval = { approvalId: `apr_${args.requestId}`, requestId: args.requestId, amount: args.amount, requestedBy: requester, requestedAt: now, expiresAt: now + args.approval.ttlMs };
    this.list.push(a);
    this.ledger.record('refund_approval', 'Requested', { amount: a.amount, message: `refund of ${a.amount} ${this.o.currency} waits for a second editor until ${new Date(a.expiresAt).toISOString()}` }, false);
    return { ...this.ledger.actionResult(a.amount, []), approval: this.view(a) };
  }

  /** Takes the approval out of the waiting list (approved, rejected or expired). */
  take(approvalId: string): PendingApproval | undefined {
    const i = this.list.findIndex((a) => a.approvalId === approvalId);
    return i < 0 ? undefined : this.list.splice(i, 1)[0];
  }

  /** Rejected (the row names the rejecting key: the command's actor). */
  reject(approvalId: string, reason: string | undefined): void {
    const a = this.take(approvalId);
    if (!a) return;
    this.ledger.record('refund_approval', 'Rejected', { amount: a.amount, message: reason ? `rejected: ${reason}` : 'rejected' }, false);
  }

  /** The approvals whose time ran out: recorded as expired, never run. */
  expireDue(now: number): void {
    for (const a of this.pending().filter((x) => now >= x.expiresAt)) {
      this.take(a.approvalId);
      this.ledger.record('refund_approval', 'Expired', { amount: a.amount, message: `refund of ${a.amount} ${this.o.currency} asked by ${a.requestedBy.name} was not approved in time` }, false);
    }
  }

  nextExpiry(): number | undefined {
    const times = this.pending().map((a) => a.expiresAt);
    return times.length === 0 ? undefined : Math.min(...times);
  }
}
