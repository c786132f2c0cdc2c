// lib/names.ts is the one home of the names histories and clients depend on: every workflow type it names is a
// workflow the worker bundles, and the ids keep the shapes running workflows were started with.
import * as workflows from '../../workflows';
import { DEFAULT_SHOP_ID, deliveryTrackerWorkflowId, MAX_SUBSCRIPTION_ID_LENGTH, orderWorkflowId, periodOrderId, shopEventId, shopEventWorkflowId, shopOfWorkflowId, subscriptionWorkflowId, WORKFLOW_TYPES } from '../../lib/names';

test('every workflow type in lib/names.ts is a workflow function exported by workflows/index.ts, and the other way round', () => {
  const exported = Object.entries(workflows)
    .filter(([, v]) => typeof v === 'function')
    .map(([k]) => k)
    .sort();
  expect(Object.values(WORKFLOW_TYPES).sort()).toEqual(exported);
});

test('workflow ids keep the shapes of the workflows already running', () => {
  expect(orderWorkflowId(DEFAULT_SHOP_ID, 'A-1')).toBe('order-A-1');
  expect(subscriptionWorkflowId(DEFAULT_SHOP_ID, 'A-1')).toBe('subscription-A-1');
  expect(orderWorkflowId(DEFAULT_SHOP_ID, periodOrderId('A-1', 3))).toBe('order-A-1.R3');
  expect(shopEventWorkflowId(DEFAULT_SHOP_ID, shopEventId('subscription-A-1', 2, 'subscription.paused'))).toBe('shop-event-subscription-A-1:2:subscription.paused');
  // The longest recurring checkout id still fits the API's 64 characters with a period suffix (up to period 999,999).
  expect(periodOrderId('x'.repeat(MAX_SUBSCRIPTION_ID_LENGTH), 999_999).length).toBeLessThanOrEqual(64);
});

test("another shop's workflow ids start with its id, and every one of them reads back to that shop (docs/shops.md)", () => {
  expect(orderWorkflowId('shop-b', 'A-1')).toBe('shop-b/order-A-1');
  const ids = [
    orderWorkflowId('shop-b', 'A-1'),
    orderWorkflowId('shop-b', periodOrderId('A-1', 2)),
    subscriptionWorkflowId('shop-b', 'A-1'),
    shopEventWorkflowId('shop-b', shopEventId(subscriptionWorkflowId('shop-b', 'A-1'), 1, 'subscription.paused')),
    deliveryTrackerWorkflowId('shop-b', '42'),
  ];
  for (const id of ids) expect(shopOfWorkflowId(id)).toBe('shop-b');
  // The default shop's ids (and those of everything started before shops existed) carry none.
  for (const id of ['order-A-1', 'subscription-A-1', 'delivery-tracker-1', 'reconcile-orders-run', orderWorkflowId(DEFAULT_SHOP_ID, 'x:y.z')]) expect(shopOfWorkflowId(id)).toBe(DEFAULT_SHOP_ID);
  // Two shops never share an order's workflow, whatever the ids.
  expect(orderWorkflowId('a', 'b-order-c')).not.toBe(orderWorkflowId('a-b', 'c'));
});
