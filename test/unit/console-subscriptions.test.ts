// 継続課金 in the console: plan wording, the subscription list and page, the order list's badge and the order page's link.
import { formatPlan } from '../../api/console/i18n';
import { orderListPage, orderPanel, type OrderDetail } from '../../api/console/views-orders';
import { subscriptionListPage, subscriptionPanel, type SubscriptionDetail } from '../../api/console/views-subscriptions';

const money = (amount: number) => ({ amount, currency: 'JPY' });
const sub: SubscriptionDetail = {
  subscriptionId: 'S-1',
  status: 'Suspended',
  chargePermissionId: 'B03-1',
  amount: money(2980),
  frequency: { unit: 'Month', value: 1 },
  paymentIntent: 'AuthorizeWithCapture',
  periodsCharged: 3,
  nextChargeAt: null,
  lastError: { code: 'HardDeclined', message: 'declined by the issuer' },
  workflowId: 'subscription-S-1',
  createdAt: '2026-11-23T00:00:00.000Z',
  updatedAt: '2026-11-23T00:00:00.000Z',
  charges: [
    { period: 1, orderId: 'S-1', paymentStatus: 'Captured', amount: money(2980), captured: money(2980), refunded: money(0), chargeId: 'B03-1-C1', createdAt: '2026-11-23T00:00:00.000Z' },
    { period: 2, orderId: 'S-1.R2', paymentStatus: 'Refunded', amount: money(2980), captured: money(2980), refunded: money(980), chargeId: 'B03-1-C2', createdAt: '2026-12-23T00:00:00.000Z' },
    { period: 3, orderId: 'S-1.R3', paymentStatus: 'Declined', amount: money(2980), captured: money(0), refunded: money(0), chargeId: null, createdAt: '2027-01-23T00:00:00.000Z' },
  ],
  failures: [{ period: 3, orderId: 'S-1.R3', at: '2027-01-23T00:00:00.000Z', amount: 2980, result: 'HardDeclined' }],
  events: [{ eventId: 'e-1', type: 'subscription.suspended', status: 'failed', attempts: 5, lastError: 'the shop answered HTTP 500', createdAt: '2027-01-23T00:00:00.000Z', deliveredAt: null }],
};

test('plans read as the admin says them', () => {
  expect(formatPlan({ unit: 'Month', value: 1 }, money(2980), 'ja')).toBe('毎月 2,980円');
  expect(formatPlan({ unit: 'Week', value: 2 }, money(500), 'ja')).toBe('2週間ごと 500円');
  expect(formatPlan({ unit: 'Variable', value: 1 }, money(1000), 'ja')).toBe('都度課金 1,000円');
  expect(formatPlan({ unit: 'Month', value: 1 }, money(2980), 'en')).toBe('Monthly ¥2,980');
  expect(formatPlan({ unit: 'Year', value: 3 }, money(2980), 'en')).toBe('Every 3 years ¥2,980');
});

test('the subscription list shows status labels, plan, next charge and last error', () => {
  const ja = subscriptionListPage('ja', undefined, [sub, { ...sub, subscriptionId: 'S-2', status: 'Paused', lastError: null, nextChargeAt: '2026-12-23T00:00:00.000Z' }]);
  expect(ja).toContain('停止中(要対応)');
  expect(ja).toContain('一時停止');
  expect(ja).toContain('毎月 2,980円');
  expect(ja).toContain('HardDeclined');
  expect(ja).toContain('2026-12-23 09:00:00');
  expect(subscriptionListPage('en', 'Active', [])).toContain('id="no-subscriptions"');
});

test('the subscription page: per-charge table, failures, events, admin message; buttons for editors only', () => {
  const editor = subscriptionPanel('ja', sub, true, 'http://ui/wf');
  expect(editor).toContain('data-order-id="S-1.R2"');
  expect(editor).toContain('返金済');
  expect(editor).toContain('与信拒否');
  expect(editor).toContain('id="failures-table"');
  expect(editor).toContain('subscription.suspended');
  expect(editor).toContain('送信失敗');
  expect(editor).toContain('id="last-error-admin"');
  expect(editor).toMatch(/id="pause-button"[^>]*disabled/);
  expect(editor).not.toMatch(/id="resume-button"[^>]*disabled/);
  expect(editor).not.toMatch(/id="charge-now-button"[^>]*disabled/);
  const viewer = subscriptionPanel('en', sub, false, 'http://ui/wf');
  expect(viewer).toContain('id="view-only"');
  expect(viewer).not.toContain('sub-action');
  expect(viewer).toContain('Suspended (action needed)');
  const closed = subscriptionPanel('ja', { ...sub, status: 'Canceled', lastError: null }, true, 'http://ui/wf');
  expect(closed).toMatch(/id="cancel-subscription-button"[^>]*disabled/);
  expect(closed).toMatch(/id="resume-button"[^>]*disabled/);
});

test('recurring orders carry the 継続課金 badge in the list and the subscription link on their page', () => {
  const row = { orderId: 'S-1.R2', paymentStatus: 'Captured', orderStatus: 'New', amount: money(2980), buyerName: null, buyerEmail: null, chargeId: null, authorizationExpiresAt: null, createdAt: '2026-12-23T00:00:00.000Z' };
  const list = orderListPage('ja', {}, [{ ...row, recurring: true, subscriptionId: 'S-1', recurringPeriod: 2 }, { ...row, orderId: 'PLAIN' }], null, true);
  expect(list).toContain('href="/admin/subscriptions/S-1" data-subscription-id="S-1">継続課金 #2</a>');
  expect(list.match(/recurring-badge/g)).toHaveLength(1);

  const detail: OrderDetail = {
    orderId: 'S-1.R2',
    workflowId: 'order-S-1.R2',
    paymentStatus: 'Captured',
    orderStatus: 'New',
    paymentIntent: 'AuthorizeWithCapture',
    amount: money(2980),
    amounts: { authorized: money(2980), captured: money(2980), refunded: money(0), refundPending: money(0), capturePending: money(0), capturable: money(0), refundable: money(2980) },
    checkoutSessionId: null,
    chargePermissionId: 'B03-1',
    chargeId: 'B03-1-C2',
    authorizationExpiresAt: null,
    buyer: null,
    pendingTimers: [],
    allowedActions: { capture: { allowed: false, maxAmount: money(0) }, cancel: { allowed: false, releases: money(0) }, refund: { allowed: true, maxAmount: money(2980) } },
    lastError: null,
    completed: false,
    history: [],
    recurring: { subscriptionId: 'S-1', period: 2, subscription: sub },
  };
  const page = orderPanel('en', detail, false, 'http://ui');
  expect(page).toContain('id="subscription-link" href="/admin/subscriptions/S-1"');
  expect(page).toContain('Monthly ¥2,980');
  expect(orderPanel('en', { ...detail, recurring: null }, false, 'http://ui')).not.toContain('recurring-info');
});
