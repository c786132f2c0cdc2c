/**
 * Shop settings (docs/product-rules.md, Settings: the plugin's settings screen) kept in the `settings` table as one
 * validated JSON document per shop and key (docs/shops.md: each shop has its own). Each order's workflow gets the payment-related ones at start,
 * so a later change never alters an order already under way.
 */
import { z } from 'zod';
import type { PrismaClient } from '../prisma/generated/client';
import { credentialsInputSchema, writeCredentials } from './merchant-credentials';
import type { SecretBox } from './secret-box';
import { isSupportedCurrency, MAX_AMOUNT_ANY_CURRENCY } from './money';

export const paymentIntentSchema = z.enum(['Authorize', 'AuthorizeWithCapture']);

export const shopSettingsSchema = z.strictObject({
  /** Amazon Pay offered at checkout. */
  enabled: z.boolean().default(true),
  /** 処理区分: capture at checkout (default) or authorize only. */
  paymentIntent: paymentIntentSchema.default('AuthorizeWithCapture'),
  /** 自動継続課金処理区分: the same for recurring charges. */
  recurringPaymentIntent: paymentIntentSchema.default('AuthorizeWithCapture'),
  /** Order status changes capture (shipped) or cancel (cancelled) an authorized payment. */
  linkOrderStatus: z.boolean().default(false),
  /** Whose address the order uses; chargeback protection needs Amazon's. */
  addressSource: z.enum(['amazon', 'buyer']).default('amazon'),
  signInWithAmazon: z.boolean().default(false),
  quickCheckout: z
    .strictObject({
      enabled: z.boolean().default(false),
      buttonPosition: z.enum(['cart', 'product', 'both']).default('cart'),
      noteField: z.boolean().default(false),
      customFields: z.boolean().default(false),
      guestTakesAmazonAddress: z.boolean().default(true),
    })
    .default({ enabled: false, buttonPosition: 'cart', noteField: false, customFields: false, guestTakesAmazonAddress: true }),
  recurringCompletionMail: z.boolean().default(true),
  /** On authorization expiry, authorize again on the charge permission instead of expiring. */
  reauthorizeOnExpiry: z.boolean().default(false),
  /** Days before the 30-day authorization expiry the admin is warned. */
  expiryWarningDays: z.number().int().min(0).max(29).default(7),
  /** Let Amazon answer "authorization pending" (intent Authorize only). */
  canHandlePendingAuthorization: z.boolean().default(false),
  /** Shown to the buyer by Amazon (≤ 50 characters). No PEM armour: the database refuses a private key in settings. */
  merchantStoreName: z
    .string()
    .trim()
    .max(50)
    .refine((v) => !/-----BEGIN/.test(v), 'expected a store name, not a key')
    .optional(),
  /** On the buyer's statement as "AMZ* …" (≤ 16 characters). */
  softDescriptor: z.string().trim().max(16).optional(),
  /**
   * Second approval for large refunds (docs/product-rules.md, Refund approval): per currency, a refund above this many
   * minor units waits until another editor approves it. Absent currency (the default, {}): no approval.
   */
  refundApprovalAbove: z
    .record(
      z.string().refine(isSupportedCurrency, 'expected a supported ISO 4217 currency code such as JPY'),
      z.number().int('expected a whole number of minor units').min(0).max(MAX_AMOUNT_ANY_CURRENCY),
    )
    .default({}),
  /** How long a refund waits for its approval before it expires (hours, 1 to 720). */
  refundApprovalHours: z.number().int().min(1).max(720).default(24),
});

export type ShopSettings = z.infer<typeof shopSettingsSchema>;

const KEY = 'shop';

export const DEFAULT_SETTINGS: ShopSettings = shopSettingsSchema.parse({});

/**
 * The one rule of when a refund needs a second editor (docs/product-rules.md, Refund approval): above the shop's
 * threshold for its currency. Answers how long it may wait, or undefined when no approval is needed.
 */
export function refundApprovalFor(settings: ShopSettings, amount: number, currency: string): { ttlMs: number } | undefined {
  const above = settings.refundApprovalAbove[currency];
  if (above === undefined || amount <= above) return undefined;
  return { ttlMs: settings.refundApprovalHours * 3600_000 };
}

/** Warnings an admin should see for the current settings. */
export function settingsWarnings(s: ShopSettings): string[] {
  const out: string[] = [];
  if (s.addressSource === 'buyer') out.push('Chargeback protection only applies when the address Amazon selected is used (addressSource "amazon").');
  if (s.canHandlePendingAuthorization && s.paymentIntent === 'AuthorizeWithCapture') out.push('Pending authorization is only possible with payment intent Authorize; it is ignored with AuthorizeWithCapture.');
  return out;
}

export async function readSettings(prisma: Pick<PrismaClient, 'setting'>, shopId: string): Promise<ShopSettings> {
  const row = await prisma.setting.findUnique({ where: { shopId_key: { shopId, key: KEY } } });
  return settingsOfRow(row?.value);
}

/** A shop's stored settings value as the engine uses it (absent: the defaults). */
export function settingsOfRow(value: unknown): ShopSettings {
  if (value === undefined || value === null) return DEFAULT_SETTINGS;
  // Stored settings were validated on write; parsing again fills defaults added since.
  const parsed = shopSettingsSchema.safeParse(value);
  return parsed.success ? parsed.data : DEFAULT_SETTINGS;
}

/**
 * What a refund's approval rule needs, in one statement: the order's currency and the shop's settings as they are now
 * (not cached: a threshold an admin just lowered applies at once). Undefined when the shop has no such order.
 */
export async function refundContext(prisma: Pick<PrismaClient, '$queryRaw'>, shopId: string, orderId: string): Promise<{ currency: string; settings: ShopSettings } | undefined> {
  const [row] = await prisma.$queryRaw<Array<{ currency: string; settings: unknown }>>`
    SELECT o.currency, s.value AS settings FROM orders o LEFT JOIN settings s ON s.shop_id = o.shop_id AND s.key = ${KEY}
    WHERE o.shop_id = ${shopId} AND o.order_id = ${orderId}`;
  return row ? { currency: row.currency, settings: settingsOfRow(row.settings) } : undefined;
}

/**
 * How long the checkout start reuses the settings it read (one database read saved per checkout). A change made
 * through another API process reaches new checkouts within this bound; one made through this process at once.
 */
export const SETTINGS_CACHE_MS = 5_000;
const settingsCache = new WeakMap<PrismaClient, Map<string, { value: Promise<ShopSettings>; until: number }>>();

function cacheOf(prisma: PrismaClient) {
  let c = settingsCache.get(prisma);
  if (!c) settingsCache.set(prisma, (c = new Map()));
  return c;
}

/** readSettings, reused for SETTINGS_CACHE_MS per shop (concurrent callers share one read; a failed read is not kept). */
export function readSettingsCached(prisma: PrismaClient, shopId: string, now = Date.now()): Promise<ShopSettings> {
  const cache = cacheOf(prisma);
  const hit = cache.get(shopId);
  if (hit && hit.until > now) return hit.value;
  const value = readSettings(prisma, shopId);
  cache.set(shopId, { value, until: now + SETTINGS_CACHE_MS });
  value.catch(() => {
    if (cache.get(shopId)?.value === value) cache.delete(shopId);
  });
  return value;
}

/**
 * Checks a partial update on its own, before anything is written: every field is valid by itself (no rule spans
 * fields), so a patch valid over the defaults is valid over any stored settings. Throws a ZodError listing the problems.
 */
export function checkSettingsPatch(patch: unknown): Record<string, unknown> {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    throw new z.ZodError([{ code: 'custom', path: [], message: 'expected an object of settings', input: patch }]);
  }
  shopSettingsSchema.parse({ ...DEFAULT_SETTINGS, ...patch });
  return { ...(patch as Record<string, unknown>) };
}

/**
 * Validates a partial update (and, when given, the credentials entered with it: see lib/merchant-credentials.ts),
 * then writes both in one transaction. The settings row is locked (`SELECT … FOR UPDATE`) while the update merges
 * over it, so concurrent partial updates of different fields all survive; a refused body changes nothing.
 */
export async function updateSettings(prisma: PrismaClient, box: SecretBox, shopId: string, patch: unknown, credentials?: unknown): Promise<ShopSettings> {
  const issues: z.core.$ZodIssue[] = [];
  let checked: Record<string, unknown> = {};
  try {
    checked = checkSettingsPatch(patch);
  } catch (err) {
    if (!(err instanceof z.ZodError)) throw err;
    issues.push(...err.issues);
  }
  const creds = credentials === undefined ? undefined : credentialsInputSchema.safeParse(credentials);
  if (creds && !creds.success) issues.push(...creds.error.issues.map((i) => ({ ...i, path: ['amazonPay', ...i.path] })));
  if (issues.length > 0) throw new z.ZodError(issues);

  const next = await prisma.$transaction(async (tx) => {
    let merged: ShopSettings | undefined;
    if (Object.keys(checked).length > 0 || !creds) {
      // The row exists before it is locked (two first updates would otherwise both insert), then the lock serialises writers.
      await tx.$executeRaw`INSERT INTO settings (shop_id, key, value, updated_at) VALUES (${shopId}, ${KEY}, '{}'::jsonb, now()) ON CONFLICT (shop_id, key) DO NOTHING`;
      const rows = await tx.$queryRaw<{ value: unknown }[]>`SELECT value FROM settings WHERE shop_id = ${shopId} AND key = ${KEY} FOR UPDATE`;
      const stored = shopSettingsSchema.safeParse(rows[0]?.value);
      merged = shopSettingsSchema.parse({ ...(stored.success ? stored.data : DEFAULT_SETTINGS), ...checked });
      await tx.setting.update({ where: { shopId_key: { shopId, key: KEY } }, data: { value: merged } });
    }
    if (creds?.success) await writeCredentials(tx, box, shopId, creds.data);
    return merged;
    // Updates queue on the row lock (on PGlite, on the whole database): room to wait beyond Prisma's 2 s / 5 s defaults.
  }, { maxWait: 15_000, timeout: 20_000 });
  cacheOf(prisma).delete(shopId);
  return next ?? readSettings(prisma, shopId);
}
