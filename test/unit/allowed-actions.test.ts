// One source of allowed actions: the rules the validators apply decide what the console offers; a split shipment's rest
// is capturable from Captured (the console used to offer capture only from Authorized).
import { orderPanel } from '../../api/console/views-orders';
import { money, orderDetail } from './order-detail';
import { allowedActions, type ValidationView } from '../../workflows/validators';

const view = (v: Partial<ValidationView>): ValidationView => ({
  paymentStatus: 'Authorized',
  currency: 'JPY',
  capturable: 5000,
  captured: 0,
  hasOpenCharge: true,
  finished: false,
  requestSeen: () => 'new',
  state: () => ({ paymentStatus: 'Authorized', currency: 'JPY', capturable: 5000, captured: 0, refunded: 0, refundable: 0 }),
  notificationRefusal: () => undefined,
  approval: () => undefined,
  known: () => false,
  ...v,
});

test('the allowed actions follow the validators: the rest of a split shipment is capturable from Captured', () => {
  expect(allowedActions(view({}), 0)).toMatchObject({ capture: { allowed: true, maxAmount: 5000 }, cancel: { allowed: true, releases: 5000 }, refund: { allowed: false, maxAmount: 0 } });
  const split = allowedActions(view({ paymentStatus: 'Captured', captured: 3000, capturable: 2000, hasOpenCharge: false }), 3450);
  expect(split).toMatchObject({ capture: { allowed: true, maxAmount: 2000 }, cancel: { allowed: true, releases: 2000 }, refund: { allowed: true, maxAmount: 3450 } });
  const done = allowedActions(view({ paymentStatus: 'Canceled', capturable: 0, finished: true }), 0);
  expect(done.capture.allowed || done.cancel.allowed || done.refund.allowed).toBe(false);
  expect(done.capture.reason).toMatch(/Canceled/);
});

test("the console's buttons are the workflow's allowed actions", () => {
  const detail = orderDetail({
    orderId: 'SPLIT-1',
    workflowId: 'order-SPLIT-1',
    paymentIntent: 'Authorize',
    amounts: { authorized: money(5000), captured: money(3000), refunded: money(0), refundPending: money(0), capturePending: money(0), capturable: money(2000), refundable: money(3450) },
    allowedActions: { capture: { allowed: true, maxAmount: money(2000) }, cancel: { allowed: true, releases: money(2000) }, refund: { allowed: true, maxAmount: money(3450) } },
  });
  const html = orderPanel('en', detail, true, 'http://ui');
  expect(html).toMatch(/<button type="submit" id="capture-button">/);
  expect(html).toMatch(/id="capture-amount"[^>]*max="2000"/);
  const none = orderPanel('en', { ...detail, allowedActions: { capture: { allowed: false, maxAmount: money(0) }, cancel: { allowed: false, releases: money(0) }, refund: { allowed: false, maxAmount: money(0) } } }, true, 'http://ui');
  expect(none).toMatch(/id="capture-button" disabled/);
  expect(none).toMatch(/id="refund-button" disabled/);
});
