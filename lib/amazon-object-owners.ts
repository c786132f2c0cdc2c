/**
 * One Amazon payment pays for one order (docs/invariants.md). Every checkout session, charge permission, charge and
 * refund belongs to exactly one order: a session is claimed by the order whose id Amazon holds as its
 * merchantReferenceId, the objects a money call creates by the order that made the call, and every later money call
 * checks the claim first. `amazon_object_owners`'s primary key makes a second owner impossible, whatever the code
 * above it does.
 */
import type { PrismaClient } from '../prisma/generated/client';
import { OWNERSHIP_CODES } from './ownership-codes';

export { OWNERSHIP_CODES };

export type AmazonObjectType = 'CheckoutSession' | 'ChargePermission' | 'Charge' | 'Refund';

export class OwnershipError extends Error {
  constructor(
    readonly code: (typeof OWNERSHIP_CODES)[keyof typeof OWNERSHIP_CODES],
    message: string,
  ) {
    super(message);
    this.name = 'OwnershipError';
  }
}

/** What a checkout session says about the order it was started for. */
export interface SessionReference {
  merchantMetadata?: { merchantReferenceId?: string | null } | null;
}

/** The one check of a session read from Amazon: it was started for this order (the engine signs merchantReferenceId into the button). */
export function assertSessionOfOrder(session: SessionReference, orderId: string): void {
  if (session.merchantMetadata?.merchantReferenceId !== orderId) {
    throw new OwnershipError(OWNERSHIP_CODES.sessionMismatch, `the checkout session was not started for order ${orderId}`);
  }
}

/** The order that owns the object, or undefined when nobody has claimed it yet. */
/** An order of a shop: the owner of an Amazon object. */
export interface OrderRef {
  shopId: string;
  orderId: string;
}

export async function ownerOf(prisma: PrismaClient, objectId: string): Promise<OrderRef | undefined> {
  // Raw: every update and completion of a checkout asks it, and a statement through the ORM costs several times the CPU.
  const [row] = await prisma.$queryRaw<Array<{ shop_id: string; order_id: string }>>`SELECT shop_id, order_id FROM amazon_object_owners WHERE object_id = ${objectId}`;
  return row ? { shopId: row.shop_id, orderId: row.order_id } : undefined;
}

/** Whether an owner is this order (of this shop: another shop's order of the same id is another order). */
export function isOwner(owner: OrderRef | undefined, ref: OrderRef): boolean {
  return owner !== undefined && owner.shopId === ref.shopId && owner.orderId === ref.orderId;
}

export async function claimFor(prisma: PrismaClient, objectId: string, objectType: AmazonObjectType, ref: OrderRef): Promise<void> {
  // One round trip: the claim, or the owner that was there before it. A claim committed by someone else while this
  // statement ran is not in its snapshot (no row back), so it is read again on its own.
  const rows = await prisma.$queryRaw<Array<{ shop_id: string; order_id: string }>>`
    WITH claimed AS (
      INSERT INTO amazon_object_owners (object_id, object_type, shop_id, order_id) VALUES (${objectId}, ${objectType}, ${ref.shopId}, ${ref.orderId})
      ON CONFLICT (object_id) DO NOTHING
      RETURNING shop_id, order_id
    )
    SELECT shop_id, order_id FROM claimed
    UNION ALL
    SELECT shop_id, order_id FROM amazon_object_owners WHERE object_id = ${objectId}
    LIMIT 1`;
  const owner = rows.length > 0 ? { shopId: rows[0].shop_id, orderId: rows[0].order_id } : await ownerOf(prisma, objectId);
  if (!isOwner(owner, ref)) {
    const code = objectType === 'CheckoutSession' ? OWNERSHIP_CODES.sessionMismatch : OWNERSHIP_CODES.ownedByAnotherOrder;
    throw new OwnershipError(code, `the ${objectType} belongs to another order, not to ${ref.orderId}`);
  }
}
