// Order-status linkage decided in one place (linkedPaymentAction): what each order status change does to the payment.
import { linkedPaymentAction } from '../../workflows/state-table';

const base = { linkOrderStatus: true, intent: 'Authorize' as const, recurring: false, alreadyFinalOrderStatus: false, paymentStatus: 'Authorized' as const, capturable: 5000 };

test('with linkage on and intent Authorize, Shipped captures and Cancelled cancels; New and Backordered do nothing', () => {
  expect(linkedPaymentAction({ ...base, newStatus: 'Shipped' })).toBe('capture');
  expect(linkedPaymentAction({ ...base, newStatus: 'Cancelled' })).toBe('cancel');
  expect(linkedPaymentAction({ ...base, newStatus: 'New' })).toBe('none');
  expect(linkedPaymentAction({ ...base, newStatus: 'Backordered' })).toBe('none');
});

test.each([
  ['linkage off', { linkOrderStatus: false }],
  ['AuthorizeWithCapture', { intent: 'AuthorizeWithCapture' as const }],
  ['a recurring order', { recurring: true }],
  ['Shipped or Cancelled reached before', { alreadyFinalOrderStatus: true }],
])('%s: nothing, whatever the new status', (_name, change) => {
  for (const newStatus of ['New', 'Backordered', 'Shipped', 'Cancelled'] as const) expect(linkedPaymentAction({ ...base, ...change, newStatus })).toBe('none');
});

test("the payment's state decides too: a capture needs something authorized left, a cancel an open authorization", () => {
  expect(linkedPaymentAction({ ...base, newStatus: 'Shipped', capturable: 0 })).toBe('none');
  expect(linkedPaymentAction({ ...base, newStatus: 'Shipped', paymentStatus: 'AuthorizationPending' })).toBe('none');
  expect(linkedPaymentAction({ ...base, newStatus: 'Shipped', paymentStatus: 'Captured' })).toBe('none');
  expect(linkedPaymentAction({ ...base, newStatus: 'Cancelled', paymentStatus: 'AuthorizationPending' })).toBe('cancel');
  expect(linkedPaymentAction({ ...base, newStatus: 'Cancelled', paymentStatus: 'Captured' })).toBe('none');
  expect(linkedPaymentAction({ ...base, newStatus: 'Cancelled', paymentStatus: 'CheckoutPending' })).toBe('none');
});
