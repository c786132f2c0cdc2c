// Domain types of the order payment workflow, shared by the workflow, its messages, the API and tests.

/** docs/product-rules.md, Payment status, plus the states the plugin hides; the same names as prisma's PaymentStatus enum. */
export type PaymentStatus =
  | 'CheckoutPending'
  | 'AuthorizationPending'
  | 'Authorized'
  | 'CapturePending'
  | 'Captured'
  | 'Canceled'
  | 'Declined'
  | 'AuthorizationExpired'
  | 'RefundPending'
  | 'Refunded'
  | 'RefundDeclined'
  | 'Abandoned'
  | 'Recurring';

/** 処理区分 (docs/product-rules.md, Payment intent). */
export type PaymentIntent = 'Authorize' | 'AuthorizeWithCapture';

/** 対応状況 (docs/product-rules.md, Order status linkage); the same names as prisma's OrderStatus enum. */
export type OrderStatus = 'New' | 'Backordered' | 'Shipped' | 'Cancelled';

/** What a payment history row records (docs/product-rules.md, Admin actions); prisma's HistoryKind. */
export type HistoryKind = 'authorize' | 'capture' | 'cancel' | 'refund_started' | 'refund' | 'expire' | 'notification' | 'delivery_tracker' | 'refund_approval';

/** Who asked for something (docs/audit.md): the API key and its name, as the API or console authenticated it. */
export interface Actor {
  keyId: string;
  name: string;
  role: string;
}

/** Money is an integer count of the currency's minor unit (JPY: yen, USD: cents) plus its ISO code. */
export interface Money {
  amount: number;
  currency: string;
}

/** Per-order settings the API reads from the settings table and passes at start. */
export interface OrderPaymentSettings {
  /** Default AuthorizeWithCapture. */
  paymentIntent: PaymentIntent;
  /** "Link order status to payment" (docs/product-rules.md, Order status linkage). */
  linkOrderStatus: boolean;
  /** On authorization expiry, authorize again on the charge permission instead of marking it expired. */
  reauthorizeOnExpiry: boolean;
  /** How long before the authorization expires the admin is warned; default 7 days. */
  expiryWarningLeadMs: number;
  /** A recurring order: never linked to order status (workflows/state-table.ts, linkedPaymentAction). */
  recurring: boolean;
  /** Let Amazon answer AuthorizationInitiated (intent Authorize only); the workflow then waits. */
  canHandlePendingAuthorization: boolean;
}

/** Timings, overridable for tests; defaults follow Amazon's clocks (docs/product-rules.md, Waits and timers). */
export interface OrderPaymentTimings {
  checkoutSessionMs: number;
  authorizationValidityMs: number;
  /** How long after the last capture refunds are still expected before the workflow ends. */
  refundWindowMs: number;
  /** Polling intervals for a pending object; the last one repeats. */
  pollBackoffMs: number[];
  /** Delays between workflow-level retries of a soft decline (each with a fresh idempotency key). */
  declineRetryBackoffMs: number[];
  /** Continue-as-new once history holds this many events (Temporal also suggests it itself). */
  continueAsNewAfterEvents: number;
}

/**
 * How the merchant appears to the buyer: the store name on Amazon's pages and the soft descriptor on the statement.
 * A subscription passes its own to every period's order.
 */
export interface MerchantLabels {
  merchantStoreName?: string;
  softDescriptor?: string;
}

export interface OrderPaymentInput extends MerchantLabels {
  orderId: string;
  amount: Money;
  settings?: Partial<OrderPaymentSettings>;
  timings?: Partial<OrderPaymentTimings>;
  checkoutSessionId?: string;
  orderStatus?: OrderStatus;
  /** A checkout that opens a recurring charge permission: the subscription to start once paid. */
  recurringPlan?: RecurringPlan;
  /** An order a subscription made for one period: it charges the permission instead of a checkout. */
  recurringCharge?: RecurringChargeRef;
  /** The buyer, when known before the checkout (a period's order: the subscription's buyer). */
  buyer?: BuyerSummary;
  /** Set only by continue-as-new: the state carried over. */
  carried?: CarriedState;
}

/** One row of the payment history (docs/product-rules.md, Admin actions). */
export interface HistoryRow {
  seq: number;
  at: string;
  kind: HistoryKind;
  amazonObjectId?: string;
  amount?: number;
  currency: string;
  /** "OK" or the Amazon reason code. */
  result: string;
  message?: string;
  debugDetail?: string;
  dedupeKey: string;
  /** The key whose request made this row (absent: Amazon, a timer or the engine itself). */
  requestedBy?: Actor;
  /** The second key that approved a large refund (docs/product-rules.md, Refund approval). */
  approvedBy?: Actor;
}

/** A refund waiting for approval, as the API shows it. */
export interface ApprovalView {
  approvalId: string;
  status: 'pending';
  amount: number;
  currency: string;
  requestId: string;
  requestedBy: { keyId: string; name: string };
  requestedAt: string;
  expiresAt: string;
}

/** A refund above the shop's approval threshold, waiting in the order's workflow for a second editor. */
export interface PendingApproval {
  approvalId: string;
  /** The refund request's own id: approving runs it under this requestId. */
  requestId: string;
  amount: number;
  requestedBy: Actor;
  /** Workflow time (ms). */
  requestedAt: number;
  expiresAt: number;
}

export type ChargeState = 'AuthorizationInitiated' | 'Authorized' | 'CaptureInitiated' | 'Captured' | 'Canceled' | 'Declined';
export type RefundState = 'RefundInitiated' | 'Refunded' | 'Declined';

/** A charge on the order's charge permission (split shipments make several). */
export interface ChargeRecord {
  chargeId: string;
  state: ChargeState;
  authorized: number;
  captured: number;
  /** Amount of a capture Amazon has not finished (CaptureInitiated). */
  capturePending: number;
  refunded: number;
  refundPending: number;
}

export interface RefundRecord {
  refundId: string;
  chargeId: string;
  amount: number;
  state: RefundState;
  requestId: string;
}

export interface PendingTimer {
  name: 'checkoutExpiry' | 'authorizationWarning' | 'authorizationExpiry' | 'poll' | 'declineRetry' | 'refundWindow' | 'projectionRetry' | 'refundApprovalExpiry';
  firesAt: string;
}

/** What the `state` query returns. */
export interface OrderPaymentState {
  orderId: string;
  workflowId: string;
  paymentStatus: PaymentStatus;
  orderStatus: OrderStatus;
  paymentIntent: PaymentIntent;
  currency: string;
  orderAmount: number;
  amounts: { authorized: number; captured: number; refunded: number; capturePending: number; refundPending: number; capturable: number; refundable: number };
  checkoutSessionId?: string;
  chargePermissionId?: string;
  chargeIds: string[];
  charges: ChargeRecord[];
  refunds: RefundRecord[];
  authorizedAt?: string;
  authorizationExpiresAt?: string;
  expiryWarned: boolean;
  buyer?: BuyerSummary;
  history: HistoryRow[];
  pendingTimers: PendingTimer[];
  /** Refunds waiting for a second editor (docs/product-rules.md, Refund approval). */
  pendingApprovals?: ApprovalView[];
  /** What an admin may do now (capture, cancel, refund) and with how much, by the workflow's own rules. */
  allowedActions: AllowedActions;
  /** The last failure code met (e.g. HardDeclined), for the admin. */
  lastError?: { code: string; message?: string };
  completed: boolean;
}

export interface BuyerSummary {
  buyerId?: string;
  name?: string;
  email?: string;
}

/** A finished request, kept so a repeated requestId returns the first result. */
/** A command's outcome; a money request's keeps the fingerprint of its parameters (a reused requestId is refused). */
export type StoredResult = ({ ok: true; value: unknown } | { ok: false; code: string; message: string; details?: unknown }) & { fingerprint?: string };

/** The order's state as a refused request is told it (409 with the current state). */
export interface StateDetails {
  paymentStatus: PaymentStatus;
  currency: string;
  capturable: number;
  captured: number;
  refunded: number;
  refundable: number;
}

/** Everything continue-as-new carries to the next run. */
export interface CarriedState {
  paymentStatus: PaymentStatus;
  orderStatus: OrderStatus;
  linkageDone: boolean;
  amount: number;
  checkoutSessionId?: string;
  chargePermissionId?: string;
  permissionClosed: boolean;
  charges: ChargeRecord[];
  refunds: RefundRecord[];
  authorizedAt?: number;
  authorizationExpiresAt?: number;
  expiryWarned: boolean;
  lastCaptureAt?: number;
  checkoutDeadline: number;
  buyer?: BuyerSummary;
  history: HistoryRow[];
  historySeq: number;
  results: Array<[string, StoredResult]>;
  seenNotifications: string[];
  reauthorizations: number;
  lastError?: { code: string; message?: string };
  /** Events emitted so far (docs/events.md): the last one's number in its key. Absent in runs from before events. */
  eventSeq?: number;
  /** Refunds waiting for a second editor's approval (absent: none, or a run from before approvals). */
  approvals?: PendingApproval[];
}

/** How the workflow ended. */
export interface OrderPaymentResult {
  orderId: string;
  paymentStatus: PaymentStatus;
  captured: number;
  refunded: number;
  currency: string;
}

// ---------------------------------------------------------------- recurring charges (継続課金, docs/product-rules.md, Recurring charges)

/** Amazon's recurringMetadata.frequency units; Variable charges only when asked (no schedule). */
export type FrequencyUnit = 'Day' | 'Week' | 'Month' | 'Year' | 'Variable';

export interface RecurringFrequency {
  unit: FrequencyUnit;
  /** Periods of `unit` between charges (ignored for Variable). */
  value: number;
}

/** Given to the order that opens a recurring charge permission at checkout: it starts the subscription once paid. */
export interface RecurringPlan {
  frequency: RecurringFrequency;
  /** What each later period charges (minor units, the order's currency). */
  amount: number;
}

/** Given to an order created by a subscription: it charges the permission itself instead of a checkout. */
export interface RecurringChargeRef {
  subscriptionId: string;
  subscriptionWorkflowId: string;
  chargePermissionId: string;
  /** 1 is the checkout order; later charges count up from 2. */
  period: number;
}

/** Active: charges on schedule. Paused: by the admin. Suspended: a hard decline or a non-chargeable permission; the admin may resume. */
export type SubscriptionStatus = 'Active' | 'Paused' | 'Suspended' | 'Canceled' | 'Closed';

export interface SubscriptionTimings {
  /** How long a period's order may take to report its charge before the subscription suspends itself. */
  chargeOutcomeTimeoutMs: number;
  /** Continue-as-new after this many charges (history stays small; periods are in the database). */
  continueAsNewAfterPeriods: number;
}

export interface SubscriptionPeriod {
  period: number;
  /** The period's order; absent when the charge stopped before one was made (a non-chargeable permission). */
  orderId?: string;
  at: string;
  amount: number;
  /** The period order's payment status when it reported, or the code that stopped the charge. */
  result: string;
  chargeId?: string;
}

export interface SubscriptionCarried {
  status: SubscriptionStatus;
  /** Number of the last period charged or attempted. */
  period: number;
  /** Scheduled periods passed so far (charge-now periods do not move the schedule). */
  scheduleIndex: number;
  nextChargeAt?: number;
  periods: SubscriptionPeriod[];
  results: Array<[string, StoredResult]>;
  lastError?: { code: string; message?: string };
  /** Shop events sent so far: each gets the next number in its id. */
  eventSeq: number;
}

export interface SubscriptionInput extends MerchantLabels {
  subscriptionId: string;
  chargePermissionId: string;
  amount: Money;
  frequency: RecurringFrequency;
  /** 自動継続課金処理区分: each period's payment intent. */
  paymentIntent: PaymentIntent;
  /** When the checkout charge was made: the schedule counts from here. */
  startedAt: string;
  /** Settings and timings each period's order gets. */
  orderSettings?: Partial<OrderPaymentSettings>;
  orderTimings?: Partial<OrderPaymentTimings>;
  timings?: Partial<SubscriptionTimings>;
  /** The buyer of the checkout: shown on every period's order. */
  buyer?: BuyerSummary;
  carried?: SubscriptionCarried;
}

export interface SubscriptionState {
  subscriptionId: string;
  workflowId: string;
  chargePermissionId: string;
  status: SubscriptionStatus;
  amount: number;
  currency: string;
  frequency: RecurringFrequency;
  paymentIntent: PaymentIntent;
  nextChargeAt?: string;
  periods: SubscriptionPeriod[];
  lastError?: { code: string; message?: string };
}

/** What a period's order reports to its subscription once its charge is decided. */
export interface PeriodOutcome {
  period: number;
  orderId: string;
  ok: boolean;
  paymentStatus: PaymentStatus;
  chargeId?: string;
  code?: string;
  message?: string;
}

/** What the admin may do now and for how much (computed by `allowedActions` in validators.ts from the validators' own rules). */
export interface AllowedActions {
  capture: { allowed: boolean; maxAmount: number; reason?: string };
  cancel: { allowed: boolean; releases: number; reason?: string };
  refund: { allowed: boolean; maxAmount: number; reason?: string };
}
