/**
 * Quick checkout (クイック決済, docs/product-rules.md, Quick checkout): the buyer starts at the cart, picks the address at Amazon,
 * and the shop receives Amazon's buyer and address data to register the guest or link a member.
 */
import type { ShopSettings } from '../lib/settings';
import type { PrismaClient } from '../prisma/generated/client';
import { ApiError } from './errors';

/** Amazon must share these for the shop to create the order without its own address form. */
export const QUICK_SCOPES = ['name', 'email', 'phoneNumber', 'billingAddress', 'shippingAddress'] as const;

export interface AmazonAddress {
  name?: string | null;
  addressLine1?: string | null;
  addressLine2?: string | null;
  addressLine3?: string | null;
  city?: string | null;
  county?: string | null;
  district?: string | null;
  stateOrRegion?: string | null;
  postalCode?: string | null;
  countryCode?: string | null;
  phoneNumber?: string | null;
}

export interface SessionBuyerData {
  buyer?: { buyerId?: string; name?: string; email?: string; phoneNumber?: string } | null;
  shippingAddress?: AmazonAddress | null;
  billingAddress?: AmazonAddress | null;
}

/** Refuses a quick checkout the shop has switched off. */
export function assertQuickCheckoutAllowed(settings: ShopSettings): void {
  if (!settings.quickCheckout.enabled) throw new ApiError(409, 'quick_checkout_disabled', 'Quick checkout (クイック決済) is switched off in the shop settings (quickCheckout.enabled)');
}

/**
 * The `customer` block of a quick checkout's answers: Amazon's stable buyer id, name, email, phone
 * and addresses, the address to store on a guest's customer record (null when the setting
 * guestTakesAmazonAddress is off), and the member already linked to this buyer, if any.
 */
export async function quickCustomer(prisma: PrismaClient, shopId: string, settings: ShopSettings, session: SessionBuyerData) {
  const buyerId = session.buyer?.buyerId ?? null;
  const link = buyerId ? await prisma.memberLink.findUnique({ where: { shopId_buyerId: { shopId, buyerId } } }) : null;
  const shippingAddress = session.shippingAddress ?? null;
  return {
    buyerId,
    name: session.buyer?.name ?? null,
    email: session.buyer?.email ?? null,
    phoneNumber: session.buyer?.phoneNumber ?? shippingAddress?.phoneNumber ?? null,
    shippingAddress,
    billingAddress: session.billingAddress ?? null,
    guestAddress: settings.quickCheckout.guestTakesAmazonAddress ? shippingAddress : null,
    linkedMemberId: link?.memberId ?? null,
  };
}

/** The placements whose quick checkout button the settings offer (buttonPosition cart, product or both). */
export function quickPlacements(settings: ShopSettings): Array<'cart' | 'product'> {
  const p = settings.quickCheckout.buttonPosition;
  return p === 'both' ? ['cart', 'product'] : [p];
}

/** What a checkout start says about the quick checkout page: where its button was, the note and custom fields. */
export interface QuickCheckoutRequest {
  mode?: 'standard' | 'quick';
  placement?: 'cart' | 'product';
  note?: string;
  customFields?: { order?: Record<string, unknown>; delivery?: Record<string, unknown> };
}

/**
 * The quick checkout page as the settings describe it (docs/product-rules.md, Settings): the button only where
 * buttonPosition puts it (a start without `placement` comes from the cart, as the plugin's does),
 * the note field and the custom order/delivery fields only when switched on. A standard checkout
 * has none of these (the shop's own forms collect them). Refused, never silently dropped.
 */
export function assertQuickCheckoutRequest(settings: ShopSettings, body: QuickCheckoutRequest): void {
  const given = (['placement', 'note', 'customFields'] as const).filter((k) => body[k] !== undefined);
  if (body.mode !== 'quick') {
    if (given.length > 0) throw new ApiError(400, 'quick_checkout_only', `${given.join(', ')} belong to a quick checkout (mode "quick"); a standard checkout collects them in the shop`, { fields: given });
    return;
  }
  const placement = body.placement ?? 'cart';
  const allowed = quickPlacements(settings);
  if (!allowed.includes(placement)) {
    throw new ApiError(409, 'quick_checkout_placement_not_allowed', `The quick checkout button is not offered on the ${placement} page (quickCheckout.buttonPosition is "${settings.quickCheckout.buttonPosition}")`, { placement, allowed });
  }
  if (body.note !== undefined && !settings.quickCheckout.noteField) throw new ApiError(409, 'note_field_disabled', 'The note field (備考) of quick checkout is switched off in the shop settings (quickCheckout.noteField)');
  if (body.customFields !== undefined && !settings.quickCheckout.customFields) {
    throw new ApiError(409, 'custom_fields_disabled', 'Custom order/delivery fields of quick checkout are switched off in the shop settings (quickCheckout.customFields)');
  }
}
