// lib/names.ts is the one home of the names histories and clients depend on: every workflow type it names is a
// workflow the worker bundles, and the ids keep the shapes running workflows were started with.
import * as workflows from '../../workflows';
import { MAX_SUBSCRIPTION_ID_LENGTH, orderWorkflowId, periodOrderId, shopEventId, shopEventWorkflowId, subscriptionWorkflowId, WORKFLOW_TYPES } from '../../lib/names';

test('every workflow type in lib/names.ts is a workflow function exported by workflows/index.ts, and the other way round', () => {
  const exported = Object.entries(workflows)
    .filter(([, v]) => typeof v === 'function')
    .map(([k]) => k)
    .sort();
  expect(Object.values(WORKFLOW_TYPES).sort()).toEqual(exported);
});

test('workflow ids keep the shapes of the workflows already running', () => {
  expect(orderWorkflowId('A-1')).toBe('order-A-1');
  expect(subscriptionWorkflowId('A-1')).toBe('subscription-A-1');
  expect(orderWorkflowId(periodOrderId('A-1', 3))).toBe('order-A-1.R3');
  expect(shopEventWorkflowId(shopEventId('subscription-A-1', 2, 'subscription.paused'))).toBe('shop-event-subscription-A-1:2:subscription.paused');
  // The longest recurring checkout id still fits the API's 64 characters with a period suffix (up to period 999,999).
  expect(periodOrderId('x'.repeat(MAX_SUBSCRIPTION_ID_LENGTH), 999_999).length).toBeLessThanOrEqual(64);
});
