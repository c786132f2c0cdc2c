/**
 * Request schemas of the HTTP API (zod). They validate every request at the edge and are the
 * single source of the OpenAPI document (api/openapi.ts), so the two cannot drift apart.
 * Money is `{amount, currency}`: an integer count of the currency's minor unit and its ISO code.
 */
import { z } from 'zod';
import { AMAZON_ID_PATTERNS } from '../lib/amazon-ids';
import { CURRENCY_EXPONENT, MAX_AMOUNT_ANY_CURRENCY, maxAmount } from '../lib/money';

const CURRENCIES = Object.keys(CURRENCY_EXPONENT) as [string, ...string[]];
export const currencySchema = z
  .enum(CURRENCIES, { error: `unsupported currency; expected one of ${CURRENCIES.join(', ')}` })
  .describe('ISO 4217 currency code supported by Amazon Pay');

export const minorUnitsSchema = z
  .number({ error: 'expected an integer number of minor units (e.g. 1500 for ¥1,500 or 1299 for $12.99)' })
  .int('expected an integer number of minor units (no fractions: 1299 means $12.99)')
  .positive('expected a positive amount')
  .max(MAX_AMOUNT_ANY_CURRENCY, `exceeds Amazon Pay's largest amount (${MAX_AMOUNT_ANY_CURRENCY} minor units; the order's currency may allow less)`)
  .describe('Integer amount of the currency minor unit (JPY: yen; USD: cents), at most Amazon Pay\'s maximum for the currency');

export const moneySchema = z
  .strictObject({ amount: minorUnitsSchema, currency: currencySchema })
  .superRefine((m, ctx) => {
    if (CURRENCY_EXPONENT[m.currency] !== undefined && m.amount > maxAmount(m.currency)) {
      ctx.addIssue({ code: 'custom', path: ['amount'], message: `exceeds Amazon Pay's maximum of ${maxAmount(m.currency)} minor units for ${m.currency}` });
    }
  });

export const orderIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'expected 1-64 characters: letters, digits and . _ : - (starting with a letter or digit)')
  .describe("The shop's order id");

const httpUrl = z
  .string()
  .max(2000)
  .regex(/^https?:\/\/[^\s]+$/, 'expected an http(s) URL')
  .describe('Absolute URL on the shop');

export const requestIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,100}$/, 'expected 1-100 characters: letters, digits and . _ : -')
  .describe('Chosen by the caller; the same requestId again returns the first result and never acts twice');

/** Where a quick checkout button sits in the shop (settings quickCheckout.buttonPosition: cart, product or both). */
export const quickPlacementSchema = z.enum(['cart', 'product']);

const customFieldMap = z
  .record(
    z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'expected a field key of 1-64 letters, digits, _ and - (hyphens allowed)'),
    z.union([z.string().trim().max(1000), z.array(z.string().trim().max(200)).max(20)]),
  )
  .refine((m) => Object.keys(m).length <= 30, 'at most 30 fields');

/** The shop's custom order fields (カスタム・オーダーフィールド) and delivery fields (カスタム・デリバリーフィールド). */
export const quickCustomFieldsSchema = z.strictObject({
  order: customFieldMap.optional().describe('カスタム・オーダーフィールド: key → value (or values of a multiple choice)'),
  delivery: customFieldMap.optional().describe('カスタム・デリバリーフィールド: key → value (or values)'),
});

/** 継続課金: how often a recurring permission is charged, and how much each later period. */
export const recurringPlanSchema = z
  .strictObject({
    frequency: z.strictObject({
      unit: z.enum(['Day', 'Week', 'Month', 'Year', 'Variable']).describe("Amazon's recurringMetadata.frequency.unit; Variable: charged only on request (POST /api/admin/subscriptions/{id}/charges)"),
      value: z.number().int('expected a whole number of units').min(1).max(365).default(1).describe('Units between charges (e.g. 1 Month)'),
    }),
    amount: moneySchema.optional().describe("Each later period's charge (default: the checkout amount); same currency as the order"),
  })
  .describe('Makes the checkout open a Recurring charge permission: the order pays period 1, then a subscription charges the later periods as orders <orderId>.R2, .R3…');

export const startCheckoutSchema = z.strictObject({
  orderId: orderIdSchema.refine((id) => !/\.R\d+$/.test(id), 'order ids ending in .R<number> are reserved for the later periods of recurring charges'),
  recurring: recurringPlanSchema.optional(),
  mode: z
    .enum(['standard', 'quick'])
    .optional()
    .describe('quick: クイック決済 from the cart, no address form in the shop; Amazon shares buyer and address and the review and complete answers carry a `customer` block (needs quickCheckout.enabled)'),
  amount: moneySchema,
  paymentIntent: z.enum(['Authorize', 'AuthorizeWithCapture']).optional().describe('Overrides the shop setting for this order'),
  reviewReturnUrl: httpUrl.describe('Where Amazon sends the buyer after sign-in (the shop review page)'),
  resultReturnUrl: httpUrl.describe('Where Amazon sends the buyer after payment approval'),
  cancelUrl: httpUrl.optional().describe('Where Amazon sends a buyer who cancels'),
  merchantStoreName: z.string().trim().min(1).max(50).optional(),
  noteToBuyer: z.string().trim().min(1).max(255).optional(),
  scopes: z
    .array(z.enum(['name', 'email', 'phoneNumber', 'billingAddress', 'shippingAddress', 'postalCode', 'primeStatus']))
    .min(1)
    .max(7)
    .optional()
    .describe('Buyer data requested from Amazon (default name, email, phoneNumber, billingAddress, shippingAddress)'),
  placement: quickPlacementSchema
    .optional()
    .describe("Quick checkout only: where the button was pressed (default `cart`); refused with 409 quick_checkout_placement_not_allowed when quickCheckout.buttonPosition does not offer it there"),
  note: z.string().trim().min(1).max(1000).optional().describe('Quick checkout only: the buyer note (備考); needs quickCheckout.noteField, else 409 note_field_disabled. Kept with the order'),
  customFields: quickCustomFieldsSchema.optional().describe('Quick checkout only: custom order and delivery fields; need quickCheckout.customFields, else 409 custom_fields_disabled. Kept with the order'),
});
export type StartCheckout = z.infer<typeof startCheckoutSchema>;

/** A checkout session id in Amazon's shape (lib/amazon-ids.ts): anything else is a 400 before it reaches a URL. */
export const checkoutSessionIdSchema = z.string().regex(AMAZON_ID_PATTERNS.checkoutSession, 'expected an Amazon Pay checkout session id (amazonCheckoutSessionId from the return URL)');

export const reviewQuerySchema = z.strictObject({
  amazonCheckoutSessionId: checkoutSessionIdSchema.describe('From the review return URL'),
});

export const checkoutResultQuerySchema = z.strictObject({
  amazonCheckoutSessionId: checkoutSessionIdSchema.optional().describe('When given, must be the session the order was paid with'),
});

export const confirmCheckoutSchema = z.strictObject({
  amount: moneySchema.optional().describe('The final amount, when it changed since the checkout started (same currency)'),
  resultReturnUrl: httpUrl.optional().describe('Overrides the result URL given at the start'),
});

export const completeCheckoutSchema = z.strictObject({
  amazonCheckoutSessionId: checkoutSessionIdSchema.describe('From the result return URL'),
});

export const subscriptionIdSchema = orderIdSchema.describe("The subscription's id: the id of the checkout order that opened it");
export const subscriptionActionSchema = z.strictObject({ requestId: requestIdSchema });
export const cancelSubscriptionSchema = z.strictObject({ requestId: requestIdSchema, reason: z.string().trim().min(1).max(255).optional().describe('Sent to Amazon as the closure reason') });
export const chargeNowSchema = z.strictObject({ requestId: requestIdSchema, amount: moneySchema.optional().describe("Default: the subscription's amount") });
export const listSubscriptionsQuerySchema = z.strictObject({
  status: z.enum(['Active', 'Paused', 'Suspended', 'Canceled', 'Closed']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const AMOUNT_SHAPE = 'expected {amount, currency} with an integer amount of minor units (e.g. {"amount": 1500, "currency": "JPY"})';

/**
 * Why an amount input fits neither shape, said for the shape the caller sent (a money object: its field's problem, e.g.
 * an unsupported currency; a number: the integer rule it breaks), so the answer names the mistake, not only the shapes.
 */
function amountInputError(iss: { code?: string; input?: unknown; errors?: ReadonlyArray<ReadonlyArray<{ path: PropertyKey[]; message: string }>> }): string {
  const v = iss.input;
  const option = typeof v === 'number' ? iss.errors?.[1] : typeof v === 'object' && v !== null && !Array.isArray(v) ? iss.errors?.[0] : undefined;
  const why = option?.map((i) => (i.path.length > 0 ? `${i.path.map(String).join('.')}: ${i.message}` : i.message)).join('; ');
  return why ? `${why} (${AMOUNT_SHAPE})` : AMOUNT_SHAPE;
}

/**
 * The amount of a capture or refund: `{amount, currency}` like every other money field; the bare integer of the order's
 * minor units is the deprecated shape, still accepted for one release (answered with a Deprecation header).
 */
export const amountInputSchema = z.union(
  [
    moneySchema.describe("The amount and its currency, which must be the order's (else 422 currency_mismatch)"),
    minorUnitsSchema.meta({ deprecated: true }).describe("DEPRECATED (accepted for one release, answered with a Deprecation header): the integer of the order's minor units; send {amount, currency}"),
  ],
  { error: amountInputError },
);
export type AmountInput = z.infer<typeof amountInputSchema>;

/** An amount input as minor units and the currency given (none for the deprecated bare integer). */
export function amountOf(input: AmountInput): { amount: number; currency?: string; deprecated: boolean } {
  return typeof input === 'number' ? { amount: input, deprecated: true } : { amount: input.amount, currency: input.currency, deprecated: false };
}

export const captureSchema = z.strictObject({ amount: amountInputSchema, requestId: requestIdSchema });
export const cancelSchema = z.strictObject({ reason: z.string().trim().min(1).max(500).optional(), requestId: requestIdSchema });
export const refundSchema = z.strictObject({ amount: amountInputSchema, requestId: requestIdSchema });
export const orderStatusSchema = z
  .strictObject({
    status: z.enum(['New', 'Backordered', 'Shipped', 'Cancelled']),
    carrierCode: z.string().regex(/^[A-Za-z0-9_-]{1,50}$/, 'expected a carrier code such as JP_POST, YAMATO, SAGAWA, UPS').optional().describe("With Shipped: the carrier, as Amazon's delivery trackers API names it"),
    trackingNumber: z.string().trim().min(1).max(100).optional().describe('With Shipped: the shipment tracking number'),
  })
  .superRefine((b, ctx) => {
    if ((b.carrierCode === undefined) !== (b.trackingNumber === undefined)) ctx.addIssue({ code: 'custom', path: [b.carrierCode === undefined ? 'carrierCode' : 'trackingNumber'], message: 'carrierCode and trackingNumber go together' });
    if (b.carrierCode !== undefined && b.status !== 'Shipped') ctx.addIssue({ code: 'custom', path: ['status'], message: 'a tracking number is sent with status Shipped only' });
  });

export const waitQuerySchema = z.strictObject({
  waitMs: z.coerce.number().int().min(0).max(30_000).optional().describe('Wait up to this long for the result before answering 202'),
});

export const PAYMENT_STATUSES = [
  'CheckoutPending',
  'AuthorizationPending',
  'Authorized',
  'CapturePending',
  'Captured',
  'Canceled',
  'Declined',
  'AuthorizationExpired',
  'RefundPending',
  'Refunded',
  'RefundDeclined',
  'Abandoned',
  'Recurring',
] as const;

export const listOrdersQuerySchema = z.strictObject({
  paymentStatus: z.enum(PAYMENT_STATUSES).optional(),
  orderStatus: z.enum(['New', 'Backordered', 'Shipped', 'Cancelled']).optional(),
  from: z.iso.datetime({ offset: true }).optional().describe('Created at or after (ISO 8601)'),
  to: z.iso.datetime({ offset: true }).optional().describe('Created before (ISO 8601)'),
  q: z.string().trim().min(1).max(200).optional().describe('Text search on order id and buyer email'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional().describe('nextCursor of the previous page'),
});

export const memberIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/, 'expected 1-128 characters: letters, digits and . _ : @ - (starting with a letter or digit)')
  .describe("The shop's member id");

export const buyerIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/, 'expected an Amazon buyer id (e.g. amzn1.account.…)')
  .describe("Amazon's stable buyer id");

const buyerTokenSchema = z.string().min(1).max(2000).describe('buyerToken from Sign in with Amazon (read with getBuyer)');

export const linkMemberSchema = z
  .strictObject({
    memberId: memberIdSchema,
    memberEmail: z.string().trim().max(320).pipe(z.email('expected the member email address')).describe("The member's email in the shop (compared case-insensitively)"),
    buyerToken: buyerTokenSchema.optional(),
    orderId: orderIdSchema.optional().describe("An order this buyer paid: the engine takes Amazon's buyer id and email from it"),
    buyerId: buyerIdSchema.optional().describe('A buyer id the engine has seen on an order'),
  })
  .refine((b) => [b.buyerToken, b.orderId, b.buyerId].filter((v) => v !== undefined).length === 1, {
    message: 'give exactly one of buyerToken, orderId or buyerId',
    path: ['buyerToken'],
  });

export const signInSchema = z.strictObject({ buyerToken: buyerTokenSchema });

/** Sign in with Amazon button (docs/product-rules.md, Members and Amazon accounts): the engine signs the payload with the merchant's key. */
export const signInButtonSchema = z.strictObject({
  signInReturnUrl: httpUrl.describe('Where Amazon sends the buyer after sign-in, with ?buyerToken=…'),
  signInCancelUrl: httpUrl.optional().describe('Where Amazon sends a buyer who cancels'),
  signInScopes: z
    .array(z.enum(['name', 'email', 'postalCode', 'shippingAddress', 'billingAddress', 'phoneNumber']))
    .min(1)
    .max(6)
    .optional()
    .describe('Buyer data Amazon shares at sign-in (default name, email: linking needs the email)'),
});
