// The console's order page shows chargebacks (warning without protection) and delivery trackers.
import { orderPanel, type OrderDetail } from '../../api/console/views-orders';

const money = (amount: number) => ({ amount, currency: 'JPY' });
const detail: OrderDetail = {
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
  disputes: [{ disputeId: 'S03-1-C1-DX', state: 'ActionRequired', reasonCode: null, filingReason: 'ProductNotReceived', amount: money(2000), protected: false, updatedAt: '2026-11-24T00:00:00.000Z' }],
  deliveryTrackers: [{ carrierCode: 'JP_POST', trackingNumber: '1234', status: 'sent', attempts: 1, lastError: null, sentAt: '2026-11-24T00:00:00.000Z' }],
};

test('disputes with the no-protection warning and delivery trackers, in Japanese and English', () => {
  const ja = orderPanel('ja', detail, false, 'http://ui');
  expect(ja).toContain('チャージバック');
  expect(ja).toContain('id="dispute-warning"');
  expect(ja).toContain('S03-1-C1-DX');
  expect(ja).toContain('JP_POST');
  const en = orderPanel('en', { ...detail, disputes: [{ ...detail.disputes![0], protected: true }] }, false, 'http://ui');
  expect(en).toContain('Chargebacks and disputes');
  expect(en).not.toContain('id="dispute-warning"');
  expect(orderPanel('en', { ...detail, disputes: [], deliveryTrackers: [] }, false, 'http://ui')).not.toContain('id="disputes"');
});
