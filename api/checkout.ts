/**
 * Storefront endpoints (role `storefront`): start an order's checkout (its workflow and the
 * signed Amazon Pay button payload), read the buyer and address after Amazon's review redirect,
 * confirm the final amount, and complete the payment. Money moves only inside the workflow.
 */
import { Router, type Request, type Response } from 'express';
import type { WebStoreClient } from '../lib/amazon-pay-client';
import type { ShopMerchants } from '../lib/amazon-pay-engine';
import { readSettings, readSettingsCached } from '../lib/settings';
import type { PrismaClient } from '../prisma/generated/client';
import { checkoutCompleted, checkoutConfirmed, checkoutReviewed } from '../workflows/messages';
import { toAmazonAmount } from '../lib/money';
import { MAX_SUBSCRIPTION_ID_LENGTH } from '../lib/names';
import type { OrderPaymentInput, RecurringPlan } from '../workflows/types';
import { requireRole, shopOf } from './auth';
import { signedButton } from './buttons';
import { ApiError, currencyMismatchError } from './errors';
import { classifyAmazonError } from '../lib/amazon-errors';
import { apiErrorForCode, type OrdersGateway } from './orders';
import { assertSessionOfOrder, type SessionReference } from '../lib/amazon-object-owners';
import { assertQuickCheckoutAllowed, assertQuickCheckoutRequest, QUICK_SCOPES, quickCustomer, type SessionBuyerData } from './quick-checkout';
import { checkoutResultQuerySchema, completeCheckoutSchema, confirmCheckoutSchema, orderIdSchema, reviewQuerySchema, startCheckoutSchema, type StartCheckout } from './schemas';

export interface CheckoutDeps {
  prisma: PrismaClient;
  orders: OrdersGateway;
  /** Each shop's merchant: the storefront key's shop signs its buttons and reads its sessions (docs/shops.md). */
  merchants: ShopMerchants;
  /** Updates that talk to Amazon are awaited this long before answering 503. */
  actionTimeoutMs?: number;
}


/** A standard checkout asks for the same buyer data a quick checkout needs. */
const DEFAULT_SCOPES = QUICK_SCOPES;

interface SessionDetails extends SessionBuyerData, SessionReference {
  paymentPreferences?: Array<{ paymentDescriptor?: string | null }> | null;
  statusDetails?: { state?: string };
}

/**
 * Reads the checkout session for the order's answers (buyer, addresses), checked like every read: Amazon's failure
 * becomes a 4xx/5xx with its code (never a 500), and a session started for another order is refused.
 */
async function readSession<T extends SessionReference>(amazonPay: WebStoreClient, checkoutSessionId: string, orderId: string): Promise<T> {
  let data: T;
  try {
    data = (await amazonPay.getCheckoutSession<T>(checkoutSessionId)).data;
  } catch (err) {
    throw apiErrorForCode(classifyAmazonError(err).code);
  }
  try {
    assertSessionOfOrder(data, orderId);
  } catch {
    throw new ApiError(409, 'checkout_session_mismatch', `The checkout session was not started for order ${orderId}`);
  }
  return data;
}

/** An outcome that is a failed checkout: a decline, or an order that ended with nothing ever authorized. */
function checkoutFailed(paymentStatus: string, authorized: number | bigint): boolean {
  return paymentStatus === 'Declined' || ((paymentStatus === 'Canceled' || paymentStatus === 'AuthorizationExpired') && Number(authorized) === 0);
}

/**
 * The checkout's outcome as the database holds it, however long ago it was decided: 200 with the result for a payment
 * (and the order's status now, e.g. Captured or Canceled later), 402 with the reason code and the buyer's message for a
 * decline, 409 for a checkout the buyer never finished. Used when a completion is asked again (after a 503, a reload of
 * the result page) and by GET /api/checkouts/:orderId/result.
 */
async function checkoutOutcome(prisma: PrismaClient, shopId: string, orderId: string, checkoutSessionId?: string) {
  const row = await prisma.order.findUnique({ where: { shopId_orderId: { shopId, orderId } } });
  if (!row) throw new ApiError(404, 'order_not_found', `No payment for order ${orderId}`);
  if (checkoutSessionId !== undefined && row.checkoutSessionId !== null && row.checkoutSessionId !== checkoutSessionId) {
    throw new ApiError(409, 'checkout_session_mismatch', `Order ${orderId} was paid with another checkout session`);
  }
  if (row.paymentStatus === 'CheckoutPending') return { decided: false as const, row };
  if (row.paymentStatus === 'Abandoned') throw new ApiError(409, 'checkout_abandoned', `The checkout of order ${orderId} was not completed within the checkout session's lifetime; start a new checkout`);
  if (checkoutFailed(row.paymentStatus, row.authorizedAmount)) {
    const failed = await prisma.paymentHistory.findFirst({ where: { shopId, orderId, kind: 'authorize', NOT: { result: 'OK' } }, orderBy: [{ occurredAt: 'desc' }, { id: 'desc' }] });
    throw apiErrorForCode(failed?.result ?? 'HardDeclined');
  }
  return {
    decided: true as const,
    row,
    result: {
      paymentStatus: row.paymentStatus,
      amount: Number(row.amount),
      currency: row.currency,
      amazonObjectIds: row.chargeId ? [row.chargeId] : [],
      chargePermissionId: row.chargePermissionId ?? undefined,
      authorized: Number(row.authorizedAmount),
      captured: Number(row.capturedAmount),
      refunded: Number(row.refundedAmount),
    },
  };
}

function orderIdOf(req: Request): string {
  return orderIdSchema.parse(req.params.orderId);
}

/** The result of a storefront step that must finish now: waits, then 503 if Amazon is slow. */
async function finished<R>(p: Promise<{ done: true; result: R } | { done: false }>): Promise<R> {
  const outcome = await p;
  if (!outcome.done) throw new ApiError(503, 'still_processing', 'Amazon Pay is taking longer than usual; send the same request again shortly');
  return outcome.result;
}

/** The recurring plan of a checkout (継続課金), checked against the order: same currency, room for the period suffix. */
function recurringPlanOf(body: StartCheckout): RecurringPlan | undefined {
  if (!body.recurring) return undefined;
  if (body.orderId.length > MAX_SUBSCRIPTION_ID_LENGTH) {
    throw new ApiError(422, 'invalid_argument', `A recurring checkout's orderId has at most ${MAX_SUBSCRIPTION_ID_LENGTH} characters (later periods are <orderId>.R<n>)`);
  }
  const amount = body.recurring.amount ?? body.amount;
  const mismatch = currencyMismatchError(amount.currency, body.amount.currency);
  if (mismatch) throw mismatch;
  return { frequency: body.recurring.frequency, amount: amount.amount };
}

export function checkoutRoutes(deps: CheckoutDeps): Router {
  const router = Router();
  const auth = requireRole(deps.prisma, 'storefront');
  const waitMs = deps.actionTimeoutMs ?? 25_000;

  router.post('/api/checkouts', auth, async (req: Request, res: Response) => {
    const body = startCheckoutSchema.parse(req.body);
    const shopId = shopOf(res);
    const settings = await readSettingsCached(deps.prisma, shopId);
    if (!settings.enabled) throw new ApiError(409, 'amazon_pay_disabled', 'Amazon Pay is switched off in the shop settings');
    const quick = body.mode === 'quick';
    if (quick) assertQuickCheckoutAllowed(settings);
    assertQuickCheckoutRequest(settings, body);
    // What the quick checkout page carried, kept with the order (its memo) for the admin's order detail.
    const quickPage = quick ? { placement: body.placement ?? 'cart', ...(body.note ? { note: body.note } : {}), ...(body.customFields ? { customFields: body.customFields } : {}) } : {};
    // A quick checkout has no address form in the shop: Amazon's address is the order's address.
    const addressSource = quick ? 'amazon' : settings.addressSource;
    const { config: m, client: amazonPay } = await deps.merchants.forShop(shopId);
    const storeName = body.merchantStoreName ?? settings.merchantStoreName;
    const plan = recurringPlanOf(body);
    const payload = {
      webCheckoutDetails: {
        checkoutReviewReturnUrl: body.reviewReturnUrl,
        ...(body.cancelUrl ? { checkoutCancelUrl: body.cancelUrl } : {}),
      },
      storeId: m.storeId,
      scopes: quick ? [...new Set([...(body.scopes ?? []), ...QUICK_SCOPES])] : (body.scopes ?? [...DEFAULT_SCOPES]),
      merchantMetadata: {
        merchantReferenceId: body.orderId,
        ...(storeName ? { merchantStoreName: storeName } : {}),
        ...(body.noteToBuyer ? { noteToBuyer: body.noteToBuyer } : {}),
      },
      ...(plan
        ? {
            chargePermissionType: 'Recurring',
            recurringMetadata: {
              frequency: { unit: plan.frequency.unit, value: String(plan.frequency.value) },
              amount: { amount: toAmazonAmount(plan.amount, body.amount.currency), currencyCode: body.amount.currency },
            },
          }
        : {}),
    };
    const payloadJSON = JSON.stringify(payload);
    const signature = amazonPay.generateButtonSignature(payloadJSON);

    // A recurring checkout follows 自動継続課金処理区分 (the recurring payment intent); `recurring` alone keeps it from
    // being linked to order status (linkedPaymentAction, workflows/state-table.ts).
    const paymentIntent = body.paymentIntent ?? (plan ? settings.recurringPaymentIntent : settings.paymentIntent);
    const input: OrderPaymentInput = {
      orderId: body.orderId,
      amount: body.amount,
      settings: {
        paymentIntent,
        linkOrderStatus: settings.linkOrderStatus,
        reauthorizeOnExpiry: settings.reauthorizeOnExpiry,
        expiryWarningLeadMs: settings.expiryWarningDays * 24 * 3600 * 1000,
        recurring: plan !== undefined,
        canHandlePendingAuthorization: settings.canHandlePendingAuthorization && paymentIntent === 'Authorize' && !plan,
      },
      ...(plan ? { recurringPlan: plan } : {}),
      ...(storeName ? { merchantStoreName: storeName } : {}),
      ...(settings.softDescriptor ? { softDescriptor: settings.softDescriptor } : {}),
    };
    await deps.orders.forShop(shopId).start(input, { resultReturnUrl: body.resultReturnUrl, reviewReturnUrl: body.reviewReturnUrl, checkoutMode: quick ? 'quick' : 'standard', addressSource, ...quickPage });

    res.status(201).json({
      orderId: body.orderId,
      paymentStatus: 'CheckoutPending',
      paymentIntent,
      mode: quick ? 'quick' : 'standard',
      addressSource,
      ...quickPage,
      amount: body.amount,
      ...(plan ? { recurring: { frequency: plan.frequency, amount: { amount: plan.amount, currency: body.amount.currency } } } : {}),
      ...signedButton(m, payloadJSON, signature, {
        productType: 'PayAndShip',
        placement: 'Checkout',
        config: 'createCheckoutSessionConfig',
        extra: { estimatedOrderAmount: { amount: toAmazonAmount(body.amount.amount, body.amount.currency), currencyCode: body.amount.currency } },
      }),
    });
  });

  router.get('/api/checkouts/:orderId', auth, async (req: Request, res: Response) => {
    const orderId = orderIdOf(req);
    const shopId = shopOf(res);
    const orders = deps.orders.forShop(shopId);
    const { amazonCheckoutSessionId } = reviewQuerySchema.parse(req.query);
    // Address and payment descriptor come from Amazon's session as the buyer left it (read only). That read and the
    // order's memo are fetched while the workflow reads the session; the workflow's answer (or failure) comes first.
    const sessionRead = readSession<SessionDetails>((await deps.merchants.forShop(shopId)).client, amazonCheckoutSessionId, orderId);
    const memoRead = orders.memo(orderId);
    sessionRead.catch(() => undefined);
    memoRead.catch(() => undefined);
    const reviewed = await finished(orders.act(orderId, checkoutReviewed, { checkoutSessionId: amazonCheckoutSessionId }, { waitMs }));
    const session = await sessionRead;
    const memo = await memoRead;
    const quick = memo.checkoutMode === 'quick';
    const needsSettings = quick || typeof memo.addressSource !== 'string';
    const settings = needsSettings ? await readSettings(deps.prisma, shopId) : undefined;
    res.json({
      orderId,
      checkoutSessionId: amazonCheckoutSessionId,
      sessionState: reviewed.sessionState ?? session.statusDetails?.state,
      paymentStatus: reviewed.paymentStatus,
      buyer: {
        buyerId: session.buyer?.buyerId ?? reviewed.buyer?.buyerId,
        name: session.buyer?.name ?? reviewed.buyer?.name,
        email: session.buyer?.email ?? reviewed.buyer?.email,
        phoneNumber: session.buyer?.phoneNumber ?? undefined,
      },
      mode: quick ? 'quick' : 'standard',
      addressSource: typeof memo.addressSource === 'string' ? memo.addressSource : settings?.addressSource,
      // With addressSource "buyer" the shop uses the address the buyer typed; Amazon's is still shown.
      shippingAddress: session.shippingAddress ?? null,
      billingAddress: session.billingAddress ?? null,
      paymentDescriptor: session.paymentPreferences?.[0]?.paymentDescriptor ?? null,
      ...(quick && settings ? { customer: await quickCustomer(deps.prisma, shopId, settings, session) } : {}),
    });
  });

  router.post('/api/checkouts/:orderId/confirm', auth, async (req: Request, res: Response) => {
    const orderId = orderIdOf(req);
    const shopId = shopOf(res);
    const orders = deps.orders.forShop(shopId);
    const body = confirmCheckoutSchema.parse(req.body);
    const memo = await orders.memo(orderId);
    const resultReturnUrl = body.resultReturnUrl ?? (typeof memo.resultReturnUrl === 'string' ? memo.resultReturnUrl : undefined);
    if (!resultReturnUrl) throw new ApiError(422, 'invalid_argument', 'resultReturnUrl is required');
    // The order's workflow refuses an amount in another currency (422 currency_mismatch), as it does for every amount.
    const confirmed = await finished(
      orders.act(orderId, checkoutConfirmed, { checkoutResultReturnUrl: resultReturnUrl, ...(body.amount ? { amount: body.amount.amount, currency: body.amount.currency } : {}) }, { waitMs }),
    );
    if (!confirmed.amazonPayRedirectUrl) throw new ApiError(409, 'InvalidCheckoutSessionStatus', 'Amazon gave no payment redirect URL; start the checkout again');
    res.json({ orderId, amazonPayRedirectUrl: confirmed.amazonPayRedirectUrl, amount: confirmed.amount, paymentStatus: confirmed.paymentStatus });
  });

  router.post('/api/checkouts/:orderId/complete', auth, async (req: Request, res: Response) => {
    const orderId = orderIdOf(req);
    const shopId = shopOf(res);
    const orders = deps.orders.forShop(shopId);
    const body = completeCheckoutSchema.parse(req.body);
    let result;
    try {
      result = await finished(orders.act(orderId, checkoutCompleted, { checkoutSessionId: body.amazonCheckoutSessionId }, { waitMs }));
    } catch (err) {
      // Completed before (the workflow has ended, or refuses a second completion): answer what was decided then.
      if (!(err instanceof ApiError) || (err.code !== 'order_closed' && err.code !== 'invalid_state')) throw err;
      const outcome = await checkoutOutcome(deps.prisma, shopId, orderId, body.amazonCheckoutSessionId);
      if (!outcome.decided) throw err;
      result = outcome.result;
    }
    // A completion asked again while the first was still being decided gets its decline too, not a success shape.
    if (checkoutFailed(result.paymentStatus, result.authorized)) await checkoutOutcome(deps.prisma, shopId, orderId, body.amazonCheckoutSessionId);
    const memo = await orders.memo(orderId);
    if (memo.checkoutMode !== 'quick') {
      res.json({ orderId, ...result });
      return;
    }
    // Quick checkout: what the shop needs to create the order and register the guest or link a member.
    const session = await readSession<SessionBuyerData & SessionReference>((await deps.merchants.forShop(shopId)).client, body.amazonCheckoutSessionId, orderId);
    res.json({ orderId, ...result, mode: 'quick', customer: await quickCustomer(deps.prisma, shopId, await readSettings(deps.prisma, shopId), session) });
  });

  router.get('/api/checkouts/:orderId/result', auth, async (req: Request, res: Response) => {
    const orderId = orderIdOf(req);
    const shopId = shopOf(res);
    const { amazonCheckoutSessionId } = checkoutResultQuerySchema.parse(req.query);
    const outcome = await checkoutOutcome(deps.prisma, shopId, orderId, amazonCheckoutSessionId);
    if (!outcome.decided) {
      res.status(202).json({ orderId, status: 'processing', paymentStatus: 'CheckoutPending', message: 'The payment is not decided yet; ask again shortly' });
      return;
    }
    res.json({ orderId, ...outcome.result });
  });

  return router;
}
