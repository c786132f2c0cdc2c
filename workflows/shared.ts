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

/** The subscription workflow's type name, and its id: one per recurring permission, named after the checkout order. */
export const SUBSCRIPTION_WORKFLOW_TYPE = 'subscription';
export function subscriptionWorkflowId(subscriptionId: string): string {
  return `subscription-${subscriptionId}`;
}

/** The order a subscription creates for a later period: `<checkout order id>.R<period>` (the checkout order is period 1). */
export function periodOrderId(subscriptionId: string, period: number): string {
  return `${subscriptionId}.R${period}`;
}

/** A recurring checkout's order id leaves room for the period suffix within the API's 64 characters. */
export const MAX_SUBSCRIPTION_ID_LENGTH = 56;
