// The activities an order's workflow calls, each with its preset (workflows/activity-options.ts), and the failure a
// command ends with.
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { amazonCall, amazonCallLocal, amazonPoll, dbWrite, dbWriteLocal, projectionWriteLocal } from '../activity-options';
import type { FailureInfo } from '../failures';
import type { AmazonCalls, OrderContext } from './types';

export const amazon = proxyActivities<Activities>(amazonCall);
/** The same calls as local activities: a run that took LOCAL_AMAZON_CALLS gets these as `o.amazon`. */
export const localAmazon = proxyLocalActivities<Activities>(amazonCallLocal);
/**
 * The Amazon calls that change a charge, a refund or a permission: Amazon moves money and notifies the shop, so the
 * command that asked for one must be in history before the call is made. A local activity runs inside the workflow
 * task that accepted the command, before that task (with the acceptance) is recorded; when the task is lost (the
 * history service restarts) the money has moved, a notification can tell the order so, and the caller's retry of the
 * same requestId is then a new request the state refuses. A regular activity is scheduled by the accepting task.
 */
export const STATE_CHANGING_AMAZON_CALLS: ReadonlySet<string> = new Set([
  'completeCheckoutSession',
  'captureCharge',
  'cancelCharge',
  'createRefund',
  'createCharge',
  'closeChargePermission',
] satisfies ReadonlyArray<keyof Activities>);

/** ORDER_V14's calls: reads and the session update as local activities, the state-changing calls as regular ones. */
export const durableAmazon = new Proxy({} as AmazonCalls, {
  // Not a thenable: only activity names are looked up.
  get: (_target, name) => (typeof name !== 'string' || name === 'then' ? undefined : (STATE_CHANGING_AMAZON_CALLS.has(name) ? amazon : localAmazon)[name as keyof Activities]),
});
export const poller = proxyActivities<Activities>(amazonPoll);
export const db = proxyActivities<Activities>(dbWrite);
export const localDb = proxyLocalActivities<Activities>(dbWriteLocal);
export const projectionDb = proxyLocalActivities<Activities>(projectionWriteLocal);
/**
 * ORDER_V15's recovery read of the order's pre-payment rows: a local activity with the database writes' long retry (a
 * history restart and a database blip often come together; the notified change waits for the read).
 */
export const recoveryDb = proxyLocalActivities<Activities>(dbWriteLocal);

/** A failed action: recorded, then returned to the caller as the update's failure. */
export class ActionFailed extends Error {
  constructor(readonly info: FailureInfo) {
    super(info.message);
  }
}

/** The order that owns the charge permission: a period order charges its subscription's (the checkout order's). */
export function permissionOwner(o: OrderContext): string {
  return o.input.recurringCharge?.subscriptionId ?? o.orderId;
}
