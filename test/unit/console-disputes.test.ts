// The console's order page shows chargebacks (warning without protection) and delivery trackers.
import { orderPanel } from '../../api/console/views-orders';
import { money, orderDetail } from './order-detail';

const detail = orderDetail({
  disputes: [{ disputeId: 'S03-1-C1-DX', state: 'ActionRequired', reasonCode: null, filingReason: 'ProductNotReceived', amount: money(2000), protected: false, updatedAt: '2026-11-24T00:00:00.000Z' }],
  deliveryTrackers: [{ carrierCode: 'JP_POST', trackingNumber: '1234', status: 'sent', attempts: 1, lastError: null, sentAt: '2026-11-24T00:00:00.000Z' }],
});

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
