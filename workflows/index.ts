// What the worker bundles: every workflow function (shared.ts holds the names and presets for the worker and the API).
export { orderPayment } from './order-payment';
export { reconcile } from './reconcile';
export { deliveryTracking } from './delivery-tracking';
export { subscription } from './subscription';
export { shopEventDelivery } from './shop-event-delivery';
