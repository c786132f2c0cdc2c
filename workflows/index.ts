// What the worker bundles: every workflow function. Their type names are lib/names.ts's WORKFLOW_TYPES (checked below).
import type { WorkflowType } from '../lib/names';

export { orderPayment } from './order-payment';
export { reconcile } from './reconcile';
export { deliveryTracking } from './delivery-tracking';
export { subscription } from './subscription';
export { shopEventDelivery } from './shop-event-delivery';

/** Fails to compile when lib/names.ts names a workflow type that is not a function exported here. */
type Exports = typeof import('./index');
export type EveryWorkflowTypeExported = [Exclude<WorkflowType, keyof Exports>] extends [never] ? true : { missing: Exclude<WorkflowType, keyof Exports> };
const everyWorkflowTypeExported: EveryWorkflowTypeExported = true;
void everyWorkflowTypeExported;
