/**
 * Quick checkout (クイック決済, SPEC §5): the buyer starts at the cart, picks the address at Amazon,
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
export async function quickCustomer(prisma: PrismaClient, settings: ShopSettings, session: SessionBuyerData) {
  const buyerId = session.buyer?.buyerId ?? null;
  const link = buyerId ? await prisma.memberLink.findUnique({ where: { buyerId } }) : null;
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
