// Wire views: the JSON bodies Amazon returns for CheckoutSession, ChargePermission, Charge, Refund and Buyer.
import { findBuyer, type FakeBuyer } from './buyers';
import { amazonTimestamp } from './clock';
import { toPrice, type Money } from './money';
import type { ChargeRecord, JsonObject, PermissionRecord, RefundRecord, SessionRecord } from './model';

const price = (m: Money | undefined) => (m === undefined ? null : toPrice(m));
const ts = (ms: number | undefined) => (ms === undefined ? null : amazonTimestamp(ms));

/** `statusDetails` of a session, charge, refund or dispute: state, reason (null when none) and last change. */
export function statusDetailsView(o: { state: string; reasonCode?: string; reasonDescription?: string; updatedAt: number }) {
  return { state: o.state, reasonCode: o.reasonCode ?? null, reasonDescription: o.reasonDescription ?? null, lastUpdatedTimestamp: ts(o.updatedAt) };
}

/** merchantMetadata as every object view returns it: all four keys, null when unset. */
export function merchantMetadataView(m: JsonObject | null | undefined) {
  return { merchantReferenceId: null, merchantStoreName: null, noteToBuyer: null, customInformation: null, ...(m ?? {}) };
}

/** Constraints still open on a session (constraint ids, not error codes). */
export function sessionConstraints(s: SessionRecord): { constraintId: string; description: string }[] {
  const out: { constraintId: string; description: string }[] = [];
  if (s.buyerId === undefined) out.push({ constraintId: 'BuyerNotAssociated', description: 'There is no buyer associated with the Checkout Session. Return the checkout button to the buyer.' });
  if (s.paymentDetails.chargeAmount === undefined && s.chargePermissionType === 'OneTime') out.push({ constraintId: 'ChargeAmountNotSet', description: 'chargeAmount is not set.' });
  if (s.webCheckoutDetails.checkoutResultReturnUrl === undefined) out.push({ constraintId: 'CheckoutResultReturnUrlNotSet', description: 'checkoutResultReturnUrl is not set.' });
  if (s.paymentDetails.paymentIntent === undefined) out.push({ constraintId: 'PaymentIntentNotSet', description: 'paymentIntent is not set.' });
  if (s.chargePermissionType === 'Recurring' && s.recurringMetadata?.frequency === undefined) out.push({ constraintId: 'RecurringFrequencyNotSet', description: 'recurringMetadata.frequency is not set.' });
  return out;
}

function buyerView(b: FakeBuyer | undefined) {
  if (!b) return null;
  return { buyerId: b.buyerId, name: b.name, email: b.email, phoneNumber: b.phoneNumber, primeMembershipTypes: b.primeMembershipTypes };
}

export function sessionView(s: SessionRecord, baseUrl: string) {
  const buyer = s.buyerId === undefined ? undefined : findBuyer(s.buyerId);
  const constraints = sessionConstraints(s);
  const redirect = s.state === 'Open' && constraints.length === 0 ? `${baseUrl}/buyer/pay?amazonCheckoutSessionId=${s.id}` : null;
  const pd = s.paymentDetails;
  return {
    checkoutSessionId: s.id,
    webCheckoutDetails: {
      checkoutReviewReturnUrl: s.webCheckoutDetails.checkoutReviewReturnUrl ?? null,
      checkoutResultReturnUrl: s.webCheckoutDetails.checkoutResultReturnUrl ?? null,
      checkoutCancelUrl: s.webCheckoutDetails.checkoutCancelUrl ?? null,
      amazonPayRedirectUrl: redirect,
      checkoutMode: s.webCheckoutDetails.checkoutMode ?? null,
    },
    productType: 'PayAndShip',
    paymentDetails: {
      paymentIntent: pd.paymentIntent ?? null,
      canHandlePendingAuthorization: pd.canHandlePendingAuthorization ?? false,
      chargeAmount: price(pd.chargeAmount),
      totalOrderAmount: price(pd.totalOrderAmount),
      softDescriptor: pd.softDescriptor ?? null,
      presentmentCurrency: pd.presentmentCurrency ?? pd.chargeAmount?.currency ?? null,
      allowOvercharge: pd.allowOvercharge ?? null,
      extendExpiration: pd.extendExpiration ?? null,
    },
    chargePermissionType: s.chargePermissionType,
    recurringMetadata: s.recurringMetadata ?? null,
    merchantMetadata: merchantMetadataView(s.merchantMetadata),
    supplementaryData: null,
    buyer: buyerView(buyer),
    billingAddress: buyer ? buyer.billingAddress : null,
    paymentPreferences: buyer ? [{ paymentDescriptor: buyer.paymentDescriptor }] : null,
    statusDetails: statusDetailsView(s),
    shippingAddress: buyer ? buyer.shippingAddress : null,
    // The SDK JSON.parses each element of this list: null (or an array of JSON strings) only.
    shippingAddressList: null,
    platformId: s.platformId ?? null,
    chargePermissionId: s.chargePermissionId ?? null,
    chargeId: s.chargeId ?? null,
    constraints,
    creationTimestamp: ts(s.createdAt),
    expirationTimestamp: ts(s.expiresAt),
    storeId: s.storeId,
    deliverySpecifications: s.deliverySpecifications ?? null,
    providerMetadata: s.providerMetadata ?? null,
    addressDetails: s.addressDetails ?? null,
    checkoutButtonText: null,
    releaseEnvironment: s.env,
  };
}

export function permissionView(p: PermissionRecord, balanceMinor: number | undefined) {
  const buyer = findBuyer(p.buyerId);
  return {
    chargePermissionId: p.id,
    chargePermissionReferenceId: null,
    chargePermissionType: p.type,
    recurringMetadata: p.recurringMetadata ?? null,
    buyer: buyerView(buyer),
    shippingAddress: buyer ? buyer.shippingAddress : null,
    billingAddress: buyer ? buyer.billingAddress : null,
    paymentPreferences: buyer ? [{ paymentDescriptor: buyer.paymentDescriptor }] : null,
    statusDetails: {
      state: p.state,
      reasons: p.reasons.length > 0 ? p.reasons : null,
      lastUpdatedTimestamp: ts(p.updatedAt),
    },
    creationTimestamp: ts(p.createdAt),
    expirationTimestamp: ts(p.expiresAt),
    merchantMetadata: merchantMetadataView(p.merchantMetadata),
    platformId: p.platformId ?? null,
    limits:
      p.limitMinor === undefined
        ? null
        : { amountLimit: toPrice({ minor: p.limitMinor, currency: p.currency }), amountBalance: toPrice({ minor: Math.max(0, balanceMinor ?? 0), currency: p.currency }) },
    presentmentCurrency: p.currency,
    releaseEnvironment: p.env,
  };
}

export function chargeView(c: ChargeRecord) {
  return {
    chargeId: c.id,
    chargePermissionId: c.permissionId,
    chargeAmount: toPrice(c.amount),
    captureAmount: c.captureMinor === undefined ? null : toPrice({ minor: c.captureMinor, currency: c.amount.currency }),
    refundedAmount: c.captureMinor === undefined ? null : toPrice({ minor: c.refundedMinor, currency: c.amount.currency }),
    convertedAmount: null,
    conversionRate: null,
    softDescriptor: c.softDescriptor ?? null,
    merchantMetadata: merchantMetadataView(c.merchantMetadata),
    providerMetadata: { providerReferenceId: null },
    statusDetails: statusDetailsView(c),
    creationTimestamp: ts(c.createdAt),
    expirationTimestamp: ts(c.expiresAt),
    captureNow: c.captureNow,
    canHandlePendingAuthorization: c.canHandlePendingAuthorization,
    releaseEnvironment: c.env,
  };
}

export function refundView(r: RefundRecord) {
  return {
    refundId: r.id,
    chargeId: r.chargeId,
    refundAmount: toPrice(r.amount),
    softDescriptor: r.softDescriptor ?? null,
    creationTimestamp: ts(r.createdAt),
    statusDetails: statusDetailsView(r),
    releaseEnvironment: r.env,
  };
}

export function buyerProfileView(b: FakeBuyer) {
  return {
    buyerId: b.buyerId,
    name: b.name,
    email: b.email,
    postalCode: b.shippingAddress.postalCode,
    countryCode: b.shippingAddress.countryCode,
    phoneNumber: b.phoneNumber,
    shippingAddress: b.shippingAddress,
    billingAddress: b.billingAddress,
    primeMembershipTypes: b.primeMembershipTypes,
  };
}
