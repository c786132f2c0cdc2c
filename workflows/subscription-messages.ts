// Updates, signals and the query of the subscription workflow (one per recurring charge permission); the API imports this file, never the workflow body.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { PeriodOutcome, SubscriptionState, SubscriptionStatus } from './types';

export interface SubscriptionActionArgs {
  requestId: string;
  /** cancel only: shown at Amazon as the closure reason. */
  reason?: string;
}

export interface ChargeNowArgs {
  requestId: string;
  /** Minor units; defaults to the subscription's amount. */
  amount?: number;
}

export interface SubscriptionActionResult {
  status: SubscriptionStatus;
  nextChargeAt?: string;
}

export interface ChargeNowResult {
  status: SubscriptionStatus;
  period: number;
  orderId: string;
  paymentStatus: string;
  chargeId?: string;
}

export const subscriptionState = defineQuery<SubscriptionState>('subscriptionState');
export const pauseSubscription = defineUpdate<SubscriptionActionResult, [SubscriptionActionArgs]>('pauseSubscription');
export const resumeSubscription = defineUpdate<SubscriptionActionResult, [SubscriptionActionArgs]>('resumeSubscription');
export const cancelSubscription = defineUpdate<SubscriptionActionResult, [SubscriptionActionArgs]>('cancelSubscription');
/** Charges one extra period now (a Variable plan's only way to charge; a retry after a suspension). */
export const chargeNow = defineUpdate<ChargeNowResult, [ChargeNowArgs]>('chargeNow');
/** Sent by a period's order once its charge is decided. */
export const periodOutcome = defineSignal<[PeriodOutcome]>('periodOutcome');
/** Amazon notified a change of the charge permission: the workflow re-reads it. */
export const permissionChanged = defineSignal<[{ notificationId?: string }]>('permissionChanged');
