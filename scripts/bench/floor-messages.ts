// The floor workflow's input, result and messages: what the bench driver imports (never the workflow body).
import { defineSignal, defineUpdate } from '@temporalio/workflow';

export interface FloorInput {
  orderId: string;
  checkoutSessionId: string;
  /** Minor units: authorized and captured. */
  amount: number;
  refund: number;
  currency: string;
  checkoutResultReturnUrl: string;
}

export interface FloorResult {
  refundId: string;
  refundState: string;
  refunded: number;
}

/** The confirm step: answers once the session is updated, with where the buyer goes to approve the payment. */
export const floorConfirmed = defineUpdate<{ amazonPayRedirectUrl?: string }>('floorConfirmed');
/** The buyer is back on the shop's result page: complete the session. */
export const floorBuyerReturned = defineSignal('floorBuyerReturned');
