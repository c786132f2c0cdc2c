// What the worker bundles: every workflow function (shared.ts holds the names and presets for the worker and the API).
export { orderPayment } from './order-payment';
export { reconcile } from './reconcile';
export { deliveryTracking } from './delivery-tracking';
