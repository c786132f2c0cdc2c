// What the worker bundles: every workflow function. Their type names are lib/names.ts's WORKFLOW_TYPES (test/unit/names.test.ts checks both agree).
export { orderPayment } from './order-payment';
export { reconcile } from './reconcile';
export { deliveryTracking } from './delivery-tracking';
export { subscription } from './subscription';
export { shopEventDelivery } from './shop-event-delivery';
