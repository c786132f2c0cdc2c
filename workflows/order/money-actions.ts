// The admin's money actions: capture (a split shipment's later part is a new charge on the permission), cancel
// (releases what is left; a partly captured order closes its permission), refund (spread over the captured charges
// within the refund cap), and the order-status change that may capture or cancel (linkedPaymentAction).
import { log } from '@temporalio/workflow';
import type { RecoverableCommand, RefundPiece } from '../../activities/pre-payment-log';
import type { ChargeSummary, PermissionSummary } from '../../activities/summaries';
import { DECLINE_CODES, failureOf, LOCAL_LIMIT_FAILURES } from '../failures';
import type { PaymentActionResult, SetOrderStatusArgs, SetOrderStatusResult } from '../messages';
import { linkedPaymentAction } from '../state-table';
import type { ChargeRecord } from '../types';
import { ActionFailed, permissionOwner } from './calls';
import type { DeclineRetry } from './declines';
import type { Ledger } from './ledger';
import type { Timers } from './timers';
import type { OrderContext } from './types';

export class MoneyActions {
  constructor(
    private readonly o: OrderContext,
    private readonly ledger: Ledger,
    private readonly declines: DeclineRetry,
    private readonly timers: Timers,
  ) {}

  /** `command`: what the call's pre-payment row names (docs/recovery.md); a linked order-status change names itself. */
  async capture(amount: number, requestId: string, command: RecoverableCommand = { kind: 'capture', requestId, amount, actor: this.ledger.actor }): Promise<PaymentActionResult> {
    const { o, ledger } = this;
    if (amount > ledger.capturable()) {
      const f = { code: 'TransactionAmountExceeded', message: `capture of ${amount} exceeds the ${ledger.capturable()} ${o.currency} still authorized` };
      ledger.recordRefusal('capture', f.code, amount, LOCAL_LIMIT_FAILURES.capture, ledger.openCharge()?.chargeId ?? o.s.chargePermissionId);
      throw new ActionFailed(f);
    }
    let usedOpen: ChargeRecord | undefined;
    let charge: ChargeSummary;
    try {
      charge = await this.declines.run(
        'capture',
        amount,
        (declineRetry) => {
          usedOpen = ledger.openCharge();
          if (usedOpen && usedOpen.state === 'Authorized') {
            // Nothing left to capture after this one (a recurring permission stays open): its closure is read with it.
            const readPermission = o.v15 && amount === ledger.capturable() && !o.settings.recurring;
            return o.amazon.captureCharge({
              orderId: o.orderId,
              chargeId: usedOpen.chargeId,
              amount,
              currency: o.currency,
              softDescriptor: o.input.softDescriptor,
              key: { workflowId: o.workflowId, action: 'capture', requestId, declineRetry },
              command,
              ...(readPermission ? { readPermission } : {}),
            });
          }
          usedOpen = undefined;
          // Amazon captures a charge once: a further (split-shipment) capture is a new charge on the permission.
          return o.amazon.createCharge({
            orderId: o.orderId,
            chargePermissionId: o.s.chargePermissionId as string,
            permissionOwner: permissionOwner(o),
            amount,
            currency: o.currency,
            captureNow: true,
            canHandlePendingAuthorization: false,
            softDescriptor: o.input.softDescriptor,
            key: { workflowId: o.workflowId, action: 'createCharge', requestId, declineRetry },
            command,
          });
        },
        (f) => {
          // A declined capture leaves that charge Declined: the next try creates a new charge.
          if (usedOpen && DECLINE_CODES.has(f.code)) usedOpen.state = 'Declined';
        },
      );
    } catch (err) {
      if (err instanceof ActionFailed && DECLINE_CODES.has(err.info.code) && ledger.captured() === 0 && ledger.openCharge() === undefined) ledger.setStatus('Declined');
      throw err;
    }
    const record = ledger.charge(charge.chargeId) ?? ledger.addCharge(charge.chargeId, 'Authorized', amount);
    if (charge.state === 'Captured' && charge.captured === 0) charge = { ...charge, captured: amount };
    if (charge.state === 'CaptureInitiated') charge = { ...charge, amount };
    ledger.applyCharge(record, charge);
    const permission = (charge as { permission?: PermissionSummary }).permission;
    if (permission && permission.chargePermissionId === o.s.chargePermissionId) ledger.permissionRead(permission);
    else if (permission) log.warn('the permission read with a capture is not the order\'s; left out', { orderId: o.orderId, chargePermissionId: permission.chargePermissionId });
    return ledger.actionResult(amount, [charge.chargeId]);
  }

  async cancel(reason: string | undefined, requestId: string, command: RecoverableCommand = { kind: 'cancel', requestId, reason, actor: this.ledger.actor }): Promise<PaymentActionResult> {
    const { o, ledger } = this;
    const open = ledger.openCharge();
    const ids: string[] = [];
    const released = ledger.capturable();
    try {
      if (open) {
        const c = await o.amazon.cancelCharge({ orderId: o.orderId, chargeId: open.chargeId, reason, amount: open.authorized, currency: o.currency, key: { workflowId: o.workflowId, action: 'cancel', requestId }, command });
        ids.push(c.chargeId);
        open.state = 'Canceled';
      }
      // A recurring permission is shared by every period of its subscription: never closed from one order.
      if (ledger.captured() > 0 && o.s.chargePermissionId !== undefined && !o.settings.recurring) {
        // Part was shipped and captured: close the permission so the rest of the authorization is released.
        await o.amazon.closeChargePermission({
          orderId: o.orderId,
          chargePermissionId: o.s.chargePermissionId,
          reason,
          cancelPendingCharges: false,
          key: { workflowId: o.workflowId, action: 'close', requestId },
          amount: released,
          currency: o.currency,
          command,
        });
        ids.push(o.s.chargePermissionId);
      }
    } catch (err) {
      const f = failureOf(err);
      ledger.recordFailure('cancel', f, { amount: released, amazonObjectId: open?.chargeId });
      throw new ActionFailed(f);
    }
    o.s.permissionClosed = true;
    ledger.record('cancel', 'OK', { amount: released, amazonObjectId: ids[0], message: reason ?? 'MerchantCanceled' });
    if (ledger.captured() === 0) ledger.setStatus('Canceled');
    return ledger.actionResult(released, ids);
  }

  /**
   * `planned` (a recovered refund, docs/recovery.md): the pieces its row names, sent again as they were decided, so each
   * piece's key carries the same charge and amount; otherwise the pieces are decided on the ledger now.
   */
  async refund(amount: number, requestId: string, planned?: readonly RefundPiece[], approvalId?: string): Promise<PaymentActionResult> {
    const { o, ledger } = this;
    if (amount > ledger.refundable()) {
      const f = { code: 'TransactionAmountExceeded', message: `refund of ${amount} exceeds the ${ledger.refundable()} ${o.currency} still refundable` };
      ledger.recordRefusal('refund_started', f.code, amount, LOCAL_LIMIT_FAILURES.refund, o.s.charges[0]?.chargeId);
      throw new ActionFailed(f);
    }
    const pieces = planned ? this.plannedPieces(planned) : ledger.refundPieces(amount);
    const ids: string[] = [];
    const command: RecoverableCommand = {
      kind: 'refund',
      requestId,
      amount,
      pieces: pieces.map((p) => ({ chargeId: p.charge.chargeId, amount: p.amount })),
      actor: ledger.actor,
      approver: ledger.approver,
      approvalId,
    };
    for (const [i, piece] of pieces.entries()) {
      const pieceRequest = pieces.length === 1 ? requestId : `${requestId}#${i}`;
      const r = await this.declines.run('refund_started', piece.amount, (declineRetry) =>
        o.amazon.createRefund({ orderId: o.orderId, chargeId: piece.charge.chargeId, amount: piece.amount, currency: o.currency, softDescriptor: o.input.softDescriptor, key: { workflowId: o.workflowId, action: 'refund', requestId: pieceRequest, declineRetry }, command }),
      );
      ids.push(r.refundId);
      // Amazon answered a key it had seen with the refund it made then: one this order holds already is not added twice.
      if (o.v15 && ledger.refund(r.refundId) !== undefined) continue;
      const record = ledger.addRefund(piece, r.refundId, requestId);
      this.timers.schedulePoll(true);
      ledger.applyRefund(record, r);
    }
    return ledger.actionResult(amount, ids);
  }

  /** A recovered refund's pieces on the charges this order holds (a piece of a charge it does not hold is refused). */
  private plannedPieces(planned: readonly RefundPiece[]): Array<{ charge: ChargeRecord; amount: number }> {
    return planned.map((p) => {
      const charge = this.ledger.charge(p.chargeId);
      if (charge === undefined) throw new ActionFailed({ code: 'InvalidParameterValue', message: `the recovered refund names charge ${p.chargeId}, which this order does not hold` });
      return { charge, amount: p.amount };
    });
  }

  /** The order's status changes (docs/product-rules.md, Order status linkage): linkedPaymentAction says what the payment does. */
  async orderStatus(args: SetOrderStatusArgs): Promise<SetOrderStatusResult> {
    const { o, ledger } = this;
    const action = linkedPaymentAction({
      linkOrderStatus: o.settings.linkOrderStatus,
      intent: o.settings.paymentIntent,
      recurring: o.settings.recurring,
      alreadyFinalOrderStatus: o.s.linkageDone,
      newStatus: args.status,
      paymentStatus: o.s.paymentStatus,
      capturable: ledger.capturable(),
    });
    const previous = o.s.orderStatus;
    o.s.orderStatus = args.status;
    if (previous !== args.status) ledger.emit('order.status_changed', { orderStatus: args.status, previousOrderStatus: previous });
    if (args.status === 'Shipped' || args.status === 'Cancelled') o.s.linkageDone = true;
    const base = { orderStatus: args.status, paymentAction: action };
    try {
      // Its call's pre-payment row names this change, which is what a recovery runs again (docs/recovery.md).
      const command: RecoverableCommand = { kind: 'orderStatus', status: args.status, actor: ledger.actor };
      if (action === 'capture') await this.capture(ledger.capturable(), `order-status-${args.status}`, command);
      if (action === 'cancel') await this.cancel('OrderCancelled', `order-status-${args.status}`, command);
    } catch (err) {
      if (!(err instanceof ActionFailed)) throw err;
      return { ...base, paymentStatus: o.s.paymentStatus, error: { code: err.info.code, message: err.info.message } };
    }
    return { ...base, paymentStatus: o.s.paymentStatus };
  }
}
