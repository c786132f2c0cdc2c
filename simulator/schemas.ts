// Request bodies of every API operation (zod, strict) and the mapping of validation failures to Amazon's reason codes.
import { z } from 'zod';
import { AmazonError } from './errors';

const price = z.strictObject({ amount: z.string(), currencyCode: z.string() });

/** HTTPS, or plain HTTP on a loopback host so a local shop can be tested. */
const returnUrl = z
  .string()
  .max(1024)
  .refine((v) => {
    try {
      const u = new URL(v);
      return u.protocol === 'https:' || (u.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname));
    } catch {
      return false;
    }
  }, 'expected an https URL');

const webCheckoutDetails = z.strictObject({
  checkoutReviewReturnUrl: returnUrl.nullish(),
  checkoutResultReturnUrl: returnUrl.nullish(),
  checkoutCancelUrl: returnUrl.nullish(),
  checkoutMode: z.enum(['ProcessOrder']).nullish(),
});

const paymentDetails = z.strictObject({
  paymentIntent: z.enum(['Confirm', 'Authorize', 'AuthorizeWithCapture']).nullish(),
  canHandlePendingAuthorization: z.boolean().nullish(),
  chargeAmount: price.nullish(),
  totalOrderAmount: price.nullish(),
  softDescriptor: z.string().max(16).nullish(),
  presentmentCurrency: z.string().nullish(),
  allowOvercharge: z.boolean().nullish(),
  extendExpiration: z.boolean().nullish(),
});

const merchantMetadata = z.strictObject({
  merchantReferenceId: z.string().max(256).nullish(),
  merchantStoreName: z.string().max(50).nullish(),
  noteToBuyer: z.string().max(255).nullish(),
  customInformation: z.string().max(4096).nullish(),
});

const recurringMetadata = z.strictObject({
  frequency: z.strictObject({ unit: z.enum(['Year', 'Month', 'Week', 'Day', 'Variable']), value: z.string() }).nullish(),
  amount: price.nullish(),
});

const deliverySpecifications = z.strictObject({
  specialRestrictions: z.array(z.enum(['RestrictPOBoxes', 'RestrictPackstations'])).nullish(),
  addressRestrictions: z
    .strictObject({ type: z.enum(['Allowed', 'NotAllowed']), restrictions: z.record(z.string(), z.record(z.string(), z.unknown())) })
    .nullish(),
});

const providerMetadata = z.strictObject({ providerReferenceId: z.string().nullish() });

export const createCheckoutSessionSchema = z.strictObject({
  webCheckoutDetails,
  storeId: z.string().min(1),
  scopes: z.array(z.enum(['name', 'email', 'phoneNumber', 'billingAddress', 'postalCode', 'shippingAddress', 'primeStatus'])).nullish(),
  chargePermissionType: z.enum(['OneTime', 'Recurring', 'PaymentMethodOnFile']).nullish(),
  recurringMetadata: recurringMetadata.nullish(),
  deliverySpecifications: deliverySpecifications.nullish(),
  paymentDetails: paymentDetails.nullish(),
  merchantMetadata: merchantMetadata.nullish(),
  platformId: z.string().nullish(),
  providerMetadata: providerMetadata.nullish(),
  addressDetails: z.record(z.string(), z.unknown()).nullish(),
});

export const updateCheckoutSessionSchema = z.strictObject({
  webCheckoutDetails: webCheckoutDetails.nullish(),
  paymentDetails: paymentDetails.nullish(),
  merchantMetadata: merchantMetadata.nullish(),
  recurringMetadata: recurringMetadata.nullish(),
  platformId: z.string().nullish(),
  providerMetadata: providerMetadata.nullish(),
});

export const completeCheckoutSessionSchema = z.strictObject({ chargeAmount: price, totalOrderAmount: price.nullish() });

export const updateChargePermissionSchema = z.strictObject({ merchantMetadata: merchantMetadata.nullish(), recurringMetadata: recurringMetadata.nullish() });

export const closeChargePermissionSchema = z.strictObject({ closureReason: z.string().max(255).nullish(), cancelPendingCharges: z.boolean().nullish() });

export const createChargeSchema = z.strictObject({
  chargePermissionId: z.string().min(1),
  chargeAmount: price,
  captureNow: z.boolean().nullish(),
  softDescriptor: z.string().max(16).nullish(),
  canHandlePendingAuthorization: z.boolean().nullish(),
  merchantMetadata: merchantMetadata.nullish(),
  providerMetadata: providerMetadata.nullish(),
  platformId: z.string().nullish(),
});

export const captureChargeSchema = z.strictObject({ captureAmount: price, softDescriptor: z.string().max(16).nullish() });

export const cancelChargeSchema = z.strictObject({ cancellationReason: z.string().max(255).nullish() });

export const createRefundSchema = z.strictObject({ chargeId: z.string().min(1), refundAmount: price, softDescriptor: z.string().max(16).nullish() });

export type CreateCheckoutSessionBody = z.infer<typeof createCheckoutSessionSchema>;
export type UpdateCheckoutSessionBody = z.infer<typeof updateCheckoutSessionSchema>;
export type MerchantMetadataBody = z.infer<typeof merchantMetadata>;
export type RecurringMetadataBody = z.infer<typeof recurringMetadata>;

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = data;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

/** Validates `data`, throwing Amazon's 400 for the first problem (UnrecognizedField, MissingParameterValue, InvalidParameterValue). */
export function validate<T>(schema: z.ZodType<T>, data: unknown): T {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new AmazonError('InvalidRequestFormat', 'The request body must be a JSON object.');
  }
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const at = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const field = [at, issue.keys[0]].filter((p) => p !== '').join('.');
    throw new AmazonError('UnrecognizedField', `The field '${field}' is not recognized.`);
  }
  if (issue.code === 'invalid_type' && valueAt(data, issue.path) === undefined) {
    throw new AmazonError('MissingParameterValue', `The mandatory parameter '${at}' is missing.`);
  }
  throw new AmazonError('InvalidParameterValue', `The value provided for '${at}' is invalid: ${issue.message}.`);
}
