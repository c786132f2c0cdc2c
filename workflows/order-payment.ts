// The orderPayment workflow: wires messages to the state machine (workflows/order/machine.ts) and runs it (one workflow per shop order, id order-<orderId>).
import { setHandler } from '@temporalio/workflow';
import * as m from './messages';
import { OrderPaymentMachine } from './order/machine';
import type { OrderPaymentInput, OrderPaymentResult } from './types';
import * as v from './validators';

export async function orderPayment(input: OrderPaymentInput): Promise<OrderPaymentResult> {
  const machine = new OrderPaymentMachine(input);
  const view = () => machine.view();

  setHandler(m.state, () => machine.snapshot());
  setHandler(m.checkoutReviewed, (args) => machine.request({ kind: 'review', key: machine.nextKey('review'), args }), { validator: (args) => v.validateCheckoutReviewed(view(), args) });
  setHandler(m.checkoutConfirmed, (args) => machine.request({ kind: 'confirm', key: machine.nextKey('confirm'), args }), { validator: (args) => v.validateCheckoutConfirmed(view(), args) });
  setHandler(m.checkoutCompleted, (args) => machine.request({ kind: 'complete', key: machine.nextKey('complete'), args }), { validator: (args) => v.validateCheckoutCompleted(view(), args) });
  setHandler(m.capture, (args) => machine.request({ kind: 'capture', key: v.requestKey('capture', args.requestId), args, fingerprint: v.requestFingerprint('capture', args) }), { validator: (args) => v.validateCapture(view(), args) });
  setHandler(m.cancel, (args) => machine.request({ kind: 'cancel', key: v.requestKey('cancel', args.requestId), args, fingerprint: v.requestFingerprint('cancel', args) }), { validator: (args) => v.validateCancel(view(), args) });
  setHandler(m.refund, (args) => machine.request({ kind: 'refund', key: v.requestKey('refund', args.requestId), args, fingerprint: v.requestFingerprint('refund', args) }), { validator: (args) => v.validateRefund(view(), args) });
  setHandler(m.setOrderStatus, (args) => machine.request({ kind: 'orderStatus', key: machine.nextKey('orderStatus'), args }), { validator: (args) => v.validateSetOrderStatus(view(), args) });
  setHandler(m.approveRefund, (args) => machine.request({ kind: 'approveRefund', key: v.approvalKey('approve', args.approvalId), args }), { validator: (args) => v.validateApproveRefund(view(), args) });
  setHandler(m.rejectRefund, (args) => machine.request({ kind: 'rejectRefund', key: v.approvalKey('reject', args.approvalId), args }), { validator: (args) => v.validateRejectRefund(view(), args) });
  setHandler(m.amazonNotification, (args) => machine.notify(args), { validator: (args) => v.validateNotification(view(), args) });

  return await machine.run();
}
