// The subscription's projection: one row per recurring charge permission, written by its workflow after every change.
import type { SubscriptionState } from '../workflows/types';
import type { ActivityDeps } from './deps';

/** The workflow's state as its row holds it: the frequency, the periods and the last error flattened into columns. */
export interface SubscriptionProjection
  extends Pick<SubscriptionState, 'subscriptionId' | 'workflowId' | 'chargePermissionId' | 'status' | 'amount' | 'currency' | 'paymentIntent' | 'nextChargeAt'> {
  frequencyUnit: string;
  frequencyValue: number;
  periodsCharged: number;
  lastErrorCode?: string;
  lastErrorMessage?: string;
}

export function createSubscriptionActivities(deps: ActivityDeps) {
  return {
    async saveSubscription(p: SubscriptionProjection): Promise<void> {
      const data = {
        workflowId: p.workflowId,
        chargePermissionId: p.chargePermissionId,
        status: p.status,
        amount: p.amount,
        currency: p.currency,
        frequencyUnit: p.frequencyUnit,
        frequencyValue: p.frequencyValue,
        paymentIntent: p.paymentIntent,
        periodsCharged: p.periodsCharged,
        nextChargeAt: p.nextChargeAt ? new Date(p.nextChargeAt) : null,
        lastErrorCode: p.lastErrorCode ?? null,
        lastErrorMessage: p.lastErrorMessage ?? null,
      };
      const key = { shopId: deps.shopId, subscriptionId: p.subscriptionId };
      await deps.prisma.subscription.upsert({ where: { shopId_subscriptionId: key }, create: { ...key, ...data }, update: data });
    },
  };
}
