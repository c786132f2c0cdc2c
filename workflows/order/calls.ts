// The activities an order's workflow calls, each with its preset (workflows/activity-options.ts), and the failure a
// command ends with.
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { amazonCall, amazonCallLocal, amazonPoll, dbWrite, dbWriteLocal, projectionWriteLocal } from '../activity-options';
import type { FailureInfo } from '../failures';
import type { OrderContext } from './types';

export const amazon = proxyActivities<Activities>(amazonCall);
/** The same calls as local activities: a run that took LOCAL_AMAZON_CALLS gets these as `o.amazon`. */
export const localAmazon = proxyLocalActivities<Activities>(amazonCallLocal);
export const poller = proxyActivities<Activities>(amazonPoll);
export const db = proxyActivities<Activities>(dbWrite);
export const localDb = proxyLocalActivities<Activities>(dbWriteLocal);
export const projectionDb = proxyLocalActivities<Activities>(projectionWriteLocal);

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
