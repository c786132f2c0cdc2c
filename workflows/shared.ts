// What the worker and the API share with the workflow without importing its body: type name, id scheme, start options, presets.
import type { OrderPaymentInput } from './types';

export { ACTIVITY_PRESETS, amazonCall, amazonPoll, dbWrite } from './activity-options';
export { DEFAULT_ORDER_SETTINGS } from './defaults';

/** The workflow type name (the exported function's name in workflows/index.ts). */
export const WORKFLOW_TYPE = 'orderPayment';

/** One workflow per shop order: a second start with the same id is rejected by Temporal. */
export function orderWorkflowId(orderId: string): string {
  return `order-${orderId}`;
}

/** Arguments for `client.workflow.start(WORKFLOW_TYPE, orderPaymentStartOptions(input, taskQueue))`. */
export function orderPaymentStartOptions(input: OrderPaymentInput, taskQueue: string) {
  return { taskQueue, workflowId: orderWorkflowId(input.orderId), args: [input] as [OrderPaymentInput] };
}
