// An order's detail as the console renders it, for the console's unit tests: a captured 5,000 JPY order with nothing
// else going on; each test overrides what it is about.
import type { OrderDetail } from '../../api/console/views-orders';

export const money = (amount: number) => ({ amount, currency: 'JPY' });

export function orderDetail(over: Partial<OrderDetail>): OrderDetail {
  return {
    orderId: 'D-1',
    workflowId: 'order-D-1',
    paymentStatus: 'Captured',
    orderStatus: 'Shipped',
    paymentIntent: 'AuthorizeWithCapture',
    amount: money(5000),
    amounts: { authorized: money(5000), captured: money(5000), refunded: money(0), refundPending: money(0), capturePending: money(0), capturable: money(0), refundable: money(5000) },
    checkoutSessionId: null,
    chargePermissionId: 'S03-1',
    chargeId: 'S03-1-C1',
    authorizationExpiresAt: null,
    buyer: null,
    pendingTimers: [],
    allowedActions: { capture: { allowed: false, maxAmount: money(0) }, cancel: { allowed: false, releases: money(0) }, refund: { allowed: true, maxAmount: money(5000) } },
    lastError: null,
    completed: false,
    history: [],
    ...over,
  };
}
