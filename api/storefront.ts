/**
 * What a shop renders (role `storefront`): `GET /api/storefront/config` answers from the shop
 * settings (docs/product-rules.md, Settings) whether to show the Amazon Pay button, the "Sign in with Amazon" button and
 * the quick checkout buttons (and where), the quick checkout page's note and custom fields, the
 * payment intent and the address source, plus the button script and merchant data the buttons
 * need. The engine refuses what the settings do not allow, so a shop that follows this answer
 * never shows a button that would fail.
 */
import { Router, type Request, type Response } from 'express';
import type { AmazonPayConfig } from '../lib/config';
import { readSettingsCached, type ShopSettings } from '../lib/settings';
import type { PrismaClient } from '../prisma/generated/client';
import type { ShopMerchants } from '../lib/amazon-pay-engine';
import { requireRole, shopOf } from './auth';
import { buttonScriptUrl, LANGUAGE, LEDGER_CURRENCY } from './buttons';
import { quickPlacements } from './quick-checkout';

export interface StorefrontDeps {
  prisma: PrismaClient;
  /** The storefront key's shop's merchant (docs/shops.md). */
  merchants: ShopMerchants;
}

export function storefrontConfig(settings: ShopSettings, m: AmazonPayConfig) {
  const on = settings.enabled;
  const quickOn = on && settings.quickCheckout.enabled;
  const placements = quickOn ? quickPlacements(settings) : [];
  return {
    enabled: on,
    paymentIntent: settings.paymentIntent,
    /** The standard checkout's address: Amazon's (chargeback protection) or the buyer-entered one; quick checkout always uses Amazon's. */
    addressSource: settings.addressSource,
    chargebackProtection: settings.addressSource === 'amazon',
    buttons: {
      amazonPay: on,
      signInWithAmazon: on && settings.signInWithAmazon,
      quickCheckout: { cart: placements.includes('cart'), product: placements.includes('product') },
    },
    quickCheckout: {
      enabled: quickOn,
      buttonPosition: settings.quickCheckout.buttonPosition,
      placements,
      noteField: quickOn && settings.quickCheckout.noteField,
      customFields: quickOn && settings.quickCheckout.customFields,
      addressSource: 'amazon' as const,
      guestTakesAmazonAddress: settings.quickCheckout.guestTakesAmazonAddress,
    },
    merchant: {
      merchantId: m.merchantId ?? null,
      region: m.region,
      sandbox: m.sandbox,
      ledgerCurrency: LEDGER_CURRENCY[m.region],
      checkoutLanguage: LANGUAGE[m.region],
      scriptUrl: buttonScriptUrl(m),
    },
  };
}

export function storefrontRoutes(deps: StorefrontDeps): Router {
  const router = Router();
  router.get('/api/storefront/config', requireRole(deps.prisma, 'storefront'), async (_req: Request, res: Response) => {
    const shopId = shopOf(res);
    res.json(storefrontConfig(await readSettingsCached(deps.prisma, shopId), (await deps.merchants.forShop(shopId)).config));
  });
  return router;
}
