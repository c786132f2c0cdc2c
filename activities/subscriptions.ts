// The subscription's projection: one row per recurring charge permission, written by its workflow after every change.
import type { SubscriptionStatus } from '../workflows/types';
import type { ActivityDeps } from './deps';

export interface SubscriptionProjection {
  subscriptionId: string;
  workflowId: string;
  chargePermissionId: string;
  status: SubscriptionStatus;
  amount: number;
  currency: string;
  frequencyUnit: string;
  frequencyValue: number;
  paymentIntent: 'Authorize' | 'AuthorizeWithCapture';
  periodsCharged: number;
  nextChargeAt?: string;
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
      await deps.prisma.subscription.upsert({ where: { subscriptionId: p.subscriptionId }, create: { subscriptionId: p.subscriptionId, ...data }, update: data });
    },
  };
}
