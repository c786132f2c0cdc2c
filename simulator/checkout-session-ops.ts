// CheckoutSession operations: create (API and button), get, update, complete, and the buyer's sign-in and approval.
import type { SimCore } from './core';
import { AmazonError, notFound } from './errors';
import * as ids from './ids';
import { parsePrice } from './money';
import type { MerchantRecord, PaymentDetailsRecord, PermissionRecord, ReleaseEnvironment, SessionRecord, WebCheckoutDetailsRecord } from './model';
import { owned, type OpContext, type OpResult } from './op-context';
import { authorize, applyDecline, takeSimulation } from './authorization';
import {
  completeCheckoutSessionSchema,
  createCheckoutSessionSchema,
  updateCheckoutSessionSchema,
  validate,
  type CreateCheckoutSessionBody,
  type UpdateCheckoutSessionBody,
} from './schemas';
import { simulationEffect } from './simulation-codes';
import { cancelSession, EXTENDED_PERMISSION_LIFETIME_MS, ONE_TIME_PERMISSION_LIFETIME_MS, SESSION_LIFETIME_MS } from './transitions';
import { sessionConstraints, sessionView } from './views';

type WebBody = NonNullable<UpdateCheckoutSessionBody['webCheckoutDetails']>;
type PaymentBody = NonNullable<UpdateCheckoutSessionBody['paymentDetails']>;

function mergeWeb(into: WebCheckoutDetailsRecord, body: WebBody | null | undefined): void {
  if (!body) return;
  if (body.checkoutReviewReturnUrl) into.checkoutReviewReturnUrl = body.checkoutReviewReturnUrl;
  if (body.checkoutResultReturnUrl) into.checkoutResultReturnUrl = body.checkoutResultReturnUrl;
  if (body.checkoutCancelUrl) into.checkoutCancelUrl = body.checkoutCancelUrl;
  if (body.checkoutMode) into.checkoutMode = body.checkoutMode;
}

function mergePayment(into: PaymentDetailsRecord, body: PaymentBody | null | undefined): void {
  if (!body) return;
  if (body.paymentIntent) into.paymentIntent = body.paymentIntent;
  if (body.canHandlePendingAuthorization != null) into.canHandlePendingAuthorization = body.canHandlePendingAuthorization;
  if (body.chargeAmount) into.chargeAmount = parsePrice(body.chargeAmount, 'paymentDetails.chargeAmount');
  if (body.totalOrderAmount) into.totalOrderAmount = parsePrice(body.totalOrderAmount, 'paymentDetails.totalOrderAmount');
  if (body.softDescriptor != null) into.softDescriptor = body.softDescriptor;
  if (body.presentmentCurrency) into.presentmentCurrency = body.presentmentCurrency;
  if (body.allowOvercharge != null) into.allowOvercharge = body.allowOvercharge;
  if (body.extendExpiration != null) into.extendExpiration = body.extendExpiration;
  checkPaymentDetails(into);
}

function checkPaymentDetails(pd: PaymentDetailsRecord): void {
  const currency = pd.chargeAmount?.currency;
  if (currency !== undefined && pd.presentmentCurrency !== undefined && pd.presentmentCurrency !== currency) {
    throw new AmazonError('CurrencyMismatch', `paymentDetails.presentmentCurrency (${pd.presentmentCurrency}) differs from the chargeAmount currency (${currency}).`);
  }
  if (currency !== undefined && pd.totalOrderAmount !== undefined && pd.totalOrderAmount.currency !== currency) {
    throw new AmazonError('CurrencyMismatch', 'paymentDetails.totalOrderAmount and paymentDetails.chargeAmount use different currencies.');
  }
  if (pd.paymentIntent === 'AuthorizeWithCapture' && pd.canHandlePendingAuthorization === true) {
    throw new AmazonError('InvalidParameterCombination', 'canHandlePendingAuthorization cannot be true when paymentIntent is AuthorizeWithCapture.');
  }
}

/** Shared by the API and the button (payload already validated). */
export function createSession(sim: SimCore, merchant: MerchantRecord, env: ReleaseEnvironment, region: string, body: CreateCheckoutSessionBody): SessionRecord {
  if (body.storeId !== merchant.storeId) {
    throw new AmazonError('InvalidParameterValue', `The value '${body.storeId}' provided for 'storeId' is invalid.`);
  }
  const web: WebCheckoutDetailsRecord = {};
  mergeWeb(web, body.webCheckoutDetails);
  if (web.checkoutMode !== 'ProcessOrder' && web.checkoutReviewReturnUrl === undefined) {
    throw new AmazonError('MissingParameterValue', "The mandatory parameter 'webCheckoutDetails.checkoutReviewReturnUrl' is missing.");
  }
  const pd: PaymentDetailsRecord = {};
  mergePayment(pd, body.paymentDetails);
  if (web.checkoutMode === 'ProcessOrder' && (web.checkoutResultReturnUrl === undefined || pd.chargeAmount === undefined || pd.paymentIntent === undefined)) {
    throw new AmazonError('MissingParameterValue', 'checkoutMode ProcessOrder needs webCheckoutDetails.checkoutResultReturnUrl, paymentDetails.paymentIntent and paymentDetails.chargeAmount.');
  }
  const at = sim.now();
  const session: SessionRecord = {
    id: ids.checkoutSessionId(),
    merchantId: merchant.merchantId,
    storeId: body.storeId,
    env,
    region,
    state: 'Open',
    createdAt: at,
    updatedAt: at,
    expiresAt: at + SESSION_LIFETIME_MS,
    webCheckoutDetails: web,
    paymentDetails: pd,
    chargePermissionType: body.chargePermissionType ?? 'OneTime',
    scopes: body.scopes ?? undefined,
    recurringMetadata: body.recurringMetadata ?? null,
    merchantMetadata: body.merchantMetadata ?? null,
    deliverySpecifications: body.deliverySpecifications ?? null,
    addressDetails: body.addressDetails ?? null,
    platformId: body.platformId ?? null,
    providerMetadata: body.providerMetadata ?? null,
    paymentApproved: false,
  };
  sim.sessions.set(session.id, session);
  sim.dirty = true;
  return session;
}

export function createCheckoutSession(ctx: OpContext, raw: unknown): OpResult {
  const body = validate(createCheckoutSessionSchema, raw);
  const session = createSession(ctx.sim, ctx.merchant, ctx.env, ctx.region, body);
  return { status: 201, body: sessionView(session, ctx.baseUrl) };
}

export function getCheckoutSession(ctx: OpContext, id: string): OpResult {
  return { status: 200, body: sessionView(owned(ctx.sim.sessions, id, ctx, 'CheckoutSession'), ctx.baseUrl) };
}

export function updateCheckoutSession(ctx: OpContext, id: string, raw: unknown): OpResult {
  const body = validate(updateCheckoutSessionSchema, raw);
  const session = owned(ctx.sim.sessions, id, ctx, 'CheckoutSession');
  if (session.state !== 'Open') {
    throw new AmazonError('InvalidCheckoutSessionStatus', `The Checkout Session is in ${session.state} state; it can be updated only while Open.`);
  }
  // Validate everything on copies first: a rejected update changes nothing.
  const web = { ...session.webCheckoutDetails };
  const pd = { ...session.paymentDetails };
  const before = { ...session.paymentDetails };
  mergeWeb(web, body.webCheckoutDetails);
  mergePayment(pd, body.paymentDetails);
  session.webCheckoutDetails = web;
  session.paymentDetails = pd;
  if (body.merchantMetadata) session.merchantMetadata = { ...(session.merchantMetadata ?? {}), ...body.merchantMetadata };
  if (body.recurringMetadata) session.recurringMetadata = body.recurringMetadata;
  if (body.platformId) session.platformId = body.platformId;
  if (body.providerMetadata) session.providerMetadata = body.providerMetadata;
  // A change to what the buyer pays sends them back through amazonPayRedirectUrl before completion.
  if (JSON.stringify(pd) !== JSON.stringify(before)) session.paymentApproved = false;
  session.updatedAt = ctx.sim.now();
  ctx.sim.dirty = true;
  return { status: 200, body: sessionView(session, ctx.baseUrl) };
}

export function completeCheckoutSession(ctx: OpContext, id: string, raw: unknown): OpResult {
  const { sim } = ctx;
  const body = validate(completeCheckoutSessionSchema, raw);
  const session = owned(sim.sessions, id, ctx, 'CheckoutSession');
  const amount = parsePrice(body.chargeAmount, 'chargeAmount');
  const expected = session.paymentDetails.chargeAmount;
  if (session.state === 'Completed') {
    if (expected && expected.minor === amount.minor && expected.currency === amount.currency) return { status: 200, body: sessionView(session, ctx.baseUrl) };
    throw new AmazonError('InvalidCheckoutSessionStatus', 'The Checkout Session is already Completed.');
  }
  if (session.state === 'Canceled') {
    if (session.reasonCode === 'Expired') throw new AmazonError('InvalidCheckoutSessionStatus', 'The Checkout Session expired (Canceled/Expired); start a new checkout.');
    throw new AmazonError('CheckoutSessionCanceled', `The Checkout Session was canceled (${session.reasonCode ?? 'unknown'}); the buyer must start over.`);
  }
  const constraints = sessionConstraints(session);
  if (constraints.length > 0) {
    throw new AmazonError('InvalidCheckoutSessionStatus', `The Checkout Session has open constraints: ${constraints.map((c) => c.constraintId).join(', ')}.`);
  }
  if (!session.paymentApproved) {
    throw new AmazonError('InvalidCheckoutSessionStatus', 'The buyer has not confirmed the payment at amazonPayRedirectUrl yet.');
  }
  if (!expected) throw new AmazonError('InvalidCheckoutSessionStatus', 'chargeAmount is not set on the Checkout Session.');
  if (amount.currency !== expected.currency) {
    throw new AmazonError('CurrencyMismatch', `The currency ${amount.currency} differs from the Checkout Session's ${expected.currency}.`);
  }
  if (amount.minor !== expected.minor) {
    throw new AmazonError('AmountMismatch', `chargeAmount ${body.chargeAmount.amount} differs from the amount the buyer confirmed (${expected.minor} minor units).`);
  }
  const at = sim.now();
  const intent = session.paymentDetails.paymentIntent ?? 'Confirm';
  const sandboxHeader = ctx.env === 'Sandbox' ? ctx.simulationCode : undefined;
  const simulation = intent === 'Confirm' && sandboxHeader === undefined ? undefined : takeSimulation(session, sandboxHeader);
  const effect = simulation?.effect;
  if (effect?.kind === 'sessionCanceled') {
    cancelSession(session, effect.reasonCode, at);
    sim.dirty = true;
    throw new AmazonError('CheckoutSessionCanceled', `The Checkout Session was canceled (${effect.reasonCode}).`);
  }
  if (effect?.kind === 'decline') {
    if (!effect.transient) cancelSession(session, 'Declined', at);
    session.updatedAt = at;
    sim.dirty = true;
    applyDecline(sim, undefined, effect.reasonCode, at);
  }
  const recurring = session.chargePermissionType !== 'OneTime';
  const permission: PermissionRecord = {
    id: ids.chargePermissionId(session.region, session.env === 'Sandbox', session.chargePermissionType === 'Recurring'),
    merchantId: session.merchantId,
    env: session.env,
    region: session.region,
    type: session.chargePermissionType,
    state: 'Chargeable',
    reasons: [],
    createdAt: at,
    updatedAt: at,
    expiresAt: at + (session.paymentDetails.extendExpiration || recurring ? EXTENDED_PERMISSION_LIFETIME_MS : ONE_TIME_PERMISSION_LIFETIME_MS),
    currency: expected.currency,
    limitMinor: recurring ? undefined : (session.paymentDetails.totalOrderAmount ?? expected).minor,
    buyerId: session.buyerId ?? '',
    checkoutSessionId: session.id,
    merchantMetadata: session.merchantMetadata,
    recurringMetadata: session.recurringMetadata,
    platformId: session.platformId,
  };
  if (intent === 'Confirm' && session.simulationCode !== undefined) {
    permission.simulationCode = session.simulationCode;
    permission.simulationRemaining = session.simulationRemaining;
  }
  sim.permissions.set(permission.id, permission);
  if (intent !== 'Confirm') {
    const charge = authorize(sim, {
      permission,
      amount,
      captureNow: intent === 'AuthorizeWithCapture',
      canHandlePendingAuthorization: session.paymentDetails.canHandlePendingAuthorization ?? false,
      softDescriptor: session.paymentDetails.softDescriptor,
      merchantMetadata: session.merchantMetadata,
      simulation,
      idempotencyKey: ctx.idempotencyKey,
      fromCheckout: true,
      at,
    });
    session.chargeId = charge.id;
  }
  session.chargePermissionId = permission.id;
  session.state = 'Completed';
  session.updatedAt = at;
  sim.dirty = true;
  return { status: 200, body: sessionView(session, ctx.baseUrl) };
}

// ---- buyer side (pages and /__sim/buyer) ----

export function sessionForBuyer(sim: SimCore, id: string): SessionRecord {
  const s = sim.sessions.get(id);
  if (!s) throw notFound('CheckoutSession', id);
  return s;
}

function withSessionId(url: string, id: string): string {
  const u = new URL(url);
  u.searchParams.set('amazonCheckoutSessionId', id);
  return u.toString();
}

/**
 * One buyer step. Before sign-in: associate the buyer, go to the review URL. After the shop's update
 * (no constraints left): the buyer confirms the payment, go to the result URL.
 */
export function buyerApprove(sim: SimCore, id: string, opts: { buyerId?: string; simulationCode?: string; simulationRepeat?: number }): { redirectUrl: string; step: 'review' | 'result' } {
  const s = sessionForBuyer(sim, id);
  if (s.state !== 'Open') throw new AmazonError('InvalidCheckoutSessionStatus', `The Checkout Session is ${s.state}.`);
  if (opts.simulationCode !== undefined) {
    if (s.env !== 'Sandbox') throw new AmazonError('InvalidSandboxSimulationSpecified', 'Simulation codes are honoured in the sandbox only.');
    simulationEffect(opts.simulationCode);
    s.simulationCode = opts.simulationCode;
    s.simulationRemaining = opts.simulationRepeat ?? 1;
  }
  const at = sim.now();
  s.updatedAt = at;
  sim.dirty = true;
  if (s.buyerId === undefined || (s.webCheckoutDetails.checkoutMode !== 'ProcessOrder' && sessionConstraints(s).length > 0)) {
    s.buyerId = opts.buyerId ?? s.buyerId ?? 'amzn1.account.AH6TEXAMPLEYAMADATARO00001';
    if (s.webCheckoutDetails.checkoutMode !== 'ProcessOrder') {
      return { redirectUrl: withSessionId(s.webCheckoutDetails.checkoutReviewReturnUrl ?? '', s.id), step: 'review' };
    }
  }
  const open = sessionConstraints(s);
  if (open.length > 0) {
    throw new AmazonError('InvalidCheckoutSessionStatus', `The shop must update the Checkout Session first: ${open.map((c) => c.constraintId).join(', ')}.`);
  }
  s.paymentApproved = true;
  return { redirectUrl: withSessionId(s.webCheckoutDetails.checkoutResultReturnUrl ?? '', s.id), step: 'result' };
}

export function buyerCancel(sim: SimCore, id: string): { redirectUrl: string | null } {
  const s = sessionForBuyer(sim, id);
  if (s.state === 'Open') cancelSession(s, 'BuyerCanceled', sim.now());
  sim.dirty = true;
  return { redirectUrl: s.webCheckoutDetails.checkoutCancelUrl ?? null };
}
