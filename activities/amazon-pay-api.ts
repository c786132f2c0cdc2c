// The subset of the SDK's WebStoreClient the activities call, typed; lib/amazon-pay-client.ts's real client satisfies it structurally.

/** What the SDK resolves to: the axios response. */
export interface AmazonResponse<T> {
  status: number;
  data: T;
  headers: Record<string, unknown>;
}

/** Request headers: the idempotency key on POSTs, optionally a sandbox simulation code. */
export type AmazonHeaders = Record<string, string> | null;

export const IDEMPOTENCY_HEADER = 'x-amz-pay-idempotency-key';

export interface Price {
  amount: string;
  currencyCode: string;
}

export interface StatusDetails {
  state: string;
  reasonCode?: string | null;
  reasonDescription?: string | null;
  lastUpdatedTimestamp?: string;
}

export interface ChargePermissionStatusDetails {
  state: string;
  reasons?: Array<{ reasonCode: string; reasonDescription?: string }> | null;
  lastUpdatedTimestamp?: string;
}

export interface Buyer {
  buyerId?: string | null;
  name?: string | null;
  email?: string | null;
  phoneNumber?: string | null;
}

export interface CheckoutSession {
  checkoutSessionId: string;
  statusDetails: StatusDetails;
  chargePermissionId?: string | null;
  chargeId?: string | null;
  buyer?: Buyer | null;
  webCheckoutDetails?: { amazonPayRedirectUrl?: string | null; checkoutResultReturnUrl?: string | null } | null;
  paymentDetails?: { paymentIntent?: string | null; chargeAmount?: Price | null } | null;
  constraints?: Array<{ constraintId: string; description?: string }> | null;
  merchantMetadata?: { merchantReferenceId?: string | null; merchantStoreName?: string | null } | null;
}

export interface Charge {
  chargeId: string;
  chargePermissionId: string;
  chargeAmount: Price;
  captureAmount?: Price | null;
  refundedAmount?: Price | null;
  statusDetails: StatusDetails;
  expirationTimestamp?: string | null;
}

export interface ChargePermission {
  chargePermissionId: string;
  chargePermissionType?: string;
  presentmentCurrency?: string;
  limits?: { amountLimit?: Price; amountBalance?: Price } | null;
  statusDetails: ChargePermissionStatusDetails;
}

export interface Refund {
  refundId: string;
  chargeId: string;
  refundAmount: Price;
  statusDetails: StatusDetails;
}

export interface UpdateCheckoutSessionPayload {
  webCheckoutDetails?: { checkoutResultReturnUrl?: string };
  paymentDetails?: {
    paymentIntent: 'Authorize' | 'AuthorizeWithCapture' | 'Confirm';
    canHandlePendingAuthorization?: boolean;
    chargeAmount: Price;
    softDescriptor?: string;
  };
  merchantMetadata?: { merchantReferenceId?: string; merchantStoreName?: string; noteToBuyer?: string };
}

export interface CreateChargePayload {
  chargePermissionId: string;
  chargeAmount: Price;
  captureNow?: boolean;
  softDescriptor?: string;
  canHandlePendingAuthorization?: boolean;
  merchantMetadata?: { merchantReferenceId?: string };
}

export interface AmazonPayApi {
  getCheckoutSession(checkoutSessionId: string, headers?: AmazonHeaders): Promise<AmazonResponse<CheckoutSession>>;
  updateCheckoutSession(checkoutSessionId: string, payload: UpdateCheckoutSessionPayload, headers?: AmazonHeaders): Promise<AmazonResponse<CheckoutSession>>;
  completeCheckoutSession(checkoutSessionId: string, payload: { chargeAmount: Price; totalOrderAmount?: Price }, headers?: AmazonHeaders): Promise<AmazonResponse<CheckoutSession>>;
  getChargePermission(chargePermissionId: string, headers?: AmazonHeaders): Promise<AmazonResponse<ChargePermission>>;
  closeChargePermission(chargePermissionId: string, payload: { closureReason?: string; cancelPendingCharges?: boolean }, headers?: AmazonHeaders): Promise<AmazonResponse<ChargePermission>>;
  createCharge(payload: CreateChargePayload, headers: AmazonHeaders): Promise<AmazonResponse<Charge>>;
  getCharge(chargeId: string, headers?: AmazonHeaders): Promise<AmazonResponse<Charge>>;
  captureCharge(chargeId: string, payload: { captureAmount: Price; softDescriptor?: string }, headers?: AmazonHeaders): Promise<AmazonResponse<Charge>>;
  cancelCharge(chargeId: string, payload: { cancellationReason?: string }, headers?: AmazonHeaders): Promise<AmazonResponse<Charge>>;
  createRefund(payload: { chargeId: string; refundAmount: Price; softDescriptor?: string }, headers: AmazonHeaders): Promise<AmazonResponse<Refund>>;
  getRefund(refundId: string, headers?: AmazonHeaders): Promise<AmazonResponse<Refund>>;
}
