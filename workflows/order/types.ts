// Types shared by the parts of the order workflow (workflows/order/*); the domain types are in workflows/types.ts.
import type {
  AmazonNotificationArgs,
  ApproveRefundArgs,
  RejectRefundArgs,
  CancelArgs,
  CaptureArgs,
  CheckoutCompletedArgs,
  CheckoutConfirmedArgs,
  CheckoutReviewedArgs,
  RefundArgs,
  SetOrderStatusArgs,
} from '../messages';
import type { CarriedState, OrderPaymentInput, OrderPaymentSettings, OrderPaymentTimings } from '../types';
import type { ActivityInterfaceFor } from '@temporalio/workflow';
import type { Activities } from '../../activities';

/** What the command queue runs, one at a time: the updates' requests, notifications' re-reads, a period's charge. */
export type Command =
  | { kind: 'review'; key: string; args: CheckoutReviewedArgs }
  | { kind: 'confirm'; key: string; args: CheckoutConfirmedArgs }
  | { kind: 'complete'; key: string; args: CheckoutCompletedArgs }
  | { kind: 'capture'; key: string; args: CaptureArgs; fingerprint: string }
  | { kind: 'cancel'; key: string; args: CancelArgs; fingerprint: string }
  | { kind: 'refund'; key: string; args: RefundArgs; fingerprint: string }
  | { kind: 'orderStatus'; key: string; args: SetOrderStatusArgs }
  | { kind: 'approveRefund'; key: string; args: ApproveRefundArgs }
  | { kind: 'rejectRefund'; key: string; args: RejectRefundArgs }
  | { kind: 'refresh'; key: string; args: AmazonNotificationArgs }
  | { kind: 'recurringCharge'; key: string };

/** Who the order is and what it was started with; `s` is the state carried over continue-as-new, shared by every part. */
export interface OrderContext {
  readonly input: OrderPaymentInput;
  readonly workflowId: string;
  readonly orderId: string;
  readonly currency: string;
  readonly settings: OrderPaymentSettings;
  readonly timings: OrderPaymentTimings;
  readonly s: CarriedState;
  /** The run took the lean order (workflows/patches.ts, LEAN_ORDER), decided once in its first workflow task. */
  readonly lean: boolean;
  /** The run took ORDER_V14 (workflows/patches.ts): search attributes seeded from its start, later timers kept. */
  readonly v14: boolean;
  /** The run took ORDER_V15 (workflows/patches.ts): every Amazon call local, a lost call recovered from its pre-payment row. */
  readonly v15: boolean;
  /** Whether the run takes a patched change: always for a lean run and the changes it settled, else patched(id). */
  uses(patchId: string): boolean;
  /** The Amazon Pay calls of this run: regular before LOCAL_AMAZON_CALLS, all local under it, under ORDER_V14 local reads with regular state-changing calls (calls.ts), all local again under ORDER_V15. */
  readonly amazon: AmazonCalls;
}

/** The Amazon Pay calls a run makes (workflows/order/calls.ts: regular or local activities). */
export type AmazonCalls = ActivityInterfaceFor<Activities>;

/** A period's order: which subscription it charges for, and which period. */
export type PeriodRef = NonNullable<OrderPaymentInput['recurringCharge']>;
