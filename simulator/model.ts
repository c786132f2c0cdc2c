// The simulator's records: merchants, checkout sessions, charge permissions, charges, refunds, disputes, delivery trackers, ledger entries.
import type { Money } from './money';

export type ReleaseEnvironment = 'Sandbox' | 'Live';
export type JsonObject = { [key: string]: unknown };

export interface MerchantRecord {
  merchantId: string;
  storeId: string;
  publicKeyId: string;
  publicKeyPem: string;
  notificationUrl?: string;
  ipnSignatureVersion: '1' | '2';
  /** Region for ids of objects made through the button (API calls use x-amz-pay-region). */
  region: 'na' | 'eu' | 'jp';
}

export interface PaymentDetailsRecord {
  paymentIntent?: 'Confirm' | 'Authorize' | 'AuthorizeWithCapture';
  canHandlePendingAuthorization?: boolean;
  chargeAmount?: Money;
  totalOrderAmount?: Money;
  softDescriptor?: string;
  presentmentCurrency?: string;
  allowOvercharge?: boolean;
  extendExpiration?: boolean;
}

export interface WebCheckoutDetailsRecord {
  checkoutReviewReturnUrl?: string;
  checkoutResultReturnUrl?: string;
  checkoutCancelUrl?: string;
  checkoutMode?: string;
}

export interface SessionRecord {
  id: string;
  merchantId: string;
  storeId: string;
  env: ReleaseEnvironment;
  region: string;
  state: 'Open' | 'Completed' | 'Canceled';
  reasonCode?: string;
  reasonDescription?: string;
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
  webCheckoutDetails: WebCheckoutDetailsRecord;
  paymentDetails: PaymentDetailsRecord;
  chargePermissionType: 'OneTime' | 'Recurring' | 'PaymentMethodOnFile';
  scopes?: string[];
  recurringMetadata?: JsonObject | null;
  merchantMetadata?: JsonObject | null;
  deliverySpecifications?: JsonObject | null;
  addressDetails?: JsonObject | null;
  platformId?: string | null;
  providerMetadata?: JsonObject | null;
  buyerId?: string;
  /** The buyer pressed "pay" on Amazon's payment page (second approval). */
  paymentApproved: boolean;
  simulationCode?: string;
  /** How many more attempts a transient simulation code still fails (then it is spent). */
  simulationRemaining?: number;
  chargePermissionId?: string;
  chargeId?: string;
}

export type PermissionState = 'Chargeable' | 'NonChargeable' | 'Closed';

export interface PermissionRecord {
  id: string;
  merchantId: string;
  env: ReleaseEnvironment;
  region: string;
  type: 'OneTime' | 'Recurring' | 'PaymentMethodOnFile';
  state: PermissionState;
  reasons: { reasonCode: string; reasonDescription: string }[];
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
  currency: string;
  /** OneTime: the order amount (minor units); undefined means unlimited. */
  limitMinor?: number;
  buyerId: string;
  checkoutSessionId: string;
  merchantMetadata?: JsonObject | null;
  recurringMetadata?: JsonObject | null;
  platformId?: string | null;
  /** A simulation code from the buyer's approval still to apply to the next charge (Confirm intent). */
  simulationCode?: string;
  simulationRemaining?: number;
}

export type ChargeState = 'AuthorizationInitiated' | 'Authorized' | 'CaptureInitiated' | 'Captured' | 'Canceled' | 'Declined';

export interface PendingOutcome {
  state: ChargeState | 'Refunded';
  reasonCode?: string;
}

export interface ChargeRecord {
  id: string;
  permissionId: string;
  merchantId: string;
  env: ReleaseEnvironment;
  amount: Money;
  captureMinor?: number;
  refundedMinor: number;
  state: ChargeState;
  reasonCode?: string;
  reasonDescription?: string;
  createdAt: number;
  updatedAt: number;
  authorizedAt?: number;
  expiresAt: number;
  captureNow: boolean;
  canHandlePendingAuthorization: boolean;
  softDescriptor?: string | null;
  merchantMetadata?: JsonObject | null;
  /** When the pending state (AuthorizationInitiated / CaptureInitiated) resolves, in sim time. */
  dueAt?: number;
  pendingOutcome?: PendingOutcome;
  /** Simulation code for a later capture (e.g. CaptureInitiated). */
  captureSimulation?: string;
  idempotencyKey?: string;
  captureIdempotencyKey?: string;
  /** Made by completeCheckoutSession (Authorize intents), not by a Create Charge call. */
  fromCheckout?: boolean;
  authLedgerId?: string;
  captureLedgerId?: string;
}

/** What a refund and a dispute have alike: each is made on one charge, for an amount. */
interface OnCharge {
  id: string;
  chargeId: string;
  permissionId: string;
  merchantId: string;
  env: ReleaseEnvironment;
  amount: Money;
}

export interface RefundRecord extends OnCharge {
  state: 'RefundInitiated' | 'Refunded' | 'Declined';
  reasonCode?: string;
  reasonDescription?: string;
  createdAt: number;
  updatedAt: number;
  softDescriptor?: string | null;
  dueAt: number;
  outcome: { state: 'Refunded' | 'Declined'; reasonCode?: string };
  idempotencyKey?: string;
  ledgerId: string;
}

export interface LedgerEntry {
  id: string;
  type: 'authorization' | 'capture' | 'refund' | 'cancel';
  /** pending: Amazon is still processing; completed: money moved (or the hold was released); declined: nothing moved. */
  status: 'pending' | 'completed' | 'declined';
  /** Integer minor units. */
  amount: number;
  /** Amazon's decimal string, e.g. "1500" (JPY) or "15.00" (USD). */
  amountDecimal: string;
  currency: string;
  merchantId: string;
  chargePermissionId: string;
  chargeId: string;
  refundId: string | null;
  idempotencyKey: string | null;
  reasonCode: string | null;
  at: string;
  /** The same instant as `at` (issue 4 calls the field "time"). */
  time: string;
  updatedAt: string;
  releaseEnvironment: ReleaseEnvironment;
}

export interface IdempotencyRecord {
  hash: string;
  status: number;
  body: unknown;
}

export interface BuyerTokenRecord {
  buyerId: string;
  merchantId: string;
  createdAt: number;
}

export type DisputeState = 'ActionRequired' | 'UnderReview' | 'Resolved' | 'Closed';

/** A chargeback (or A-to-z claim) a buyer filed on a charge; opened through /__sim. */
export interface DisputeRecord extends OnCharge {
  state: DisputeState;
  /** Resolved/Closed: BuyerWon, MerchantWon, ...; else null. */
  reasonCode?: string;
  reasonDescription?: string;
  filingReason: string;
  createdAt: number;
  updatedAt: number;
}

/** A shipment the merchant reported through deliveryTrackers. */
export interface DeliveryTrackerRecord {
  merchantId: string;
  env: ReleaseEnvironment;
  chargePermissionId: string;
  trackingNumber: string;
  carrierCode: string;
  createdAt: number;
}
