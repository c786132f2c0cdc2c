// Types shared by the parts of the subscription workflow (workflows/subscription/*); the domain types are in workflows/types.ts.
import type { ChargeNowArgs, SubscriptionActionArgs } from '../subscription-messages';
import type { PeriodOutcome, SubscriptionCarried, SubscriptionInput, SubscriptionStatus, SubscriptionTimings } from '../types';

/** What the command queue runs, one at a time: the admin's requests, a permission re-read, a period's late outcome. */
export type Command =
  | { kind: 'pause' | 'resume' | 'cancel'; key: string; args: SubscriptionActionArgs }
  | { kind: 'chargeNow'; key: string; args: ChargeNowArgs; fingerprint: string }
  | { kind: 'permission'; key: string }
  | { kind: 'late'; key: string; outcome: PeriodOutcome };

/** Who the subscription is and what it was started with; `s` is the state carried over continue-as-new, shared by every part. */
export interface SubscriptionContext {
  readonly input: SubscriptionInput;
  readonly workflowId: string;
  readonly timings: SubscriptionTimings;
  /** When the checkout charge was made: the schedule counts from here (epoch ms). */
  readonly startedAt: number;
  readonly s: SubscriptionCarried;
}

/** The subscription has ended: nothing more is charged. */
export const FINAL: ReadonlySet<SubscriptionStatus> = new Set(['Canceled', 'Closed']);
