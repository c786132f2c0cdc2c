// The pre-payment log (docs/product-rules.md, Recovery and logs): a row written before each money-moving call and resolved after it, keyed by the idempotency key.
import type { ActivityDeps } from './deps';
import { amazonIdColumns } from './persistence';

export interface PrePaymentEntry {
  orderId: string;
  action: string;
  idempotencyKey: string;
  amount: number;
  currency: string;
  checkoutSessionId?: string;
  chargePermissionId?: string;
  chargeId?: string;
}

/** Written before the call; a retry finds the row already there and leaves it as it is. */
export async function openPrePayment(deps: ActivityDeps, e: PrePaymentEntry): Promise<void> {
  // INSERT … ON CONFLICT DO NOTHING: one statement (an upsert with nothing to update is a read, an insert and a read).
  await deps.prisma.prePaymentLog.createMany({
    skipDuplicates: true,
    data: {
      shopId: deps.shopId,
      orderId: e.orderId,
      action: e.action,
      idempotencyKey: e.idempotencyKey,
      amount: e.amount,
      currency: e.currency,
      ...amazonIdColumns(e),
      status: 'pending',
    },
  });
}

/** Resolved once Amazon answered: `succeeded` with the object ids, or `failed` with the reason code. */
export async function resolvePrePayment(
  deps: ActivityDeps,
  idempotencyKey: string,
  outcome: { ok: true; chargeId?: string; chargePermissionId?: string; objectId?: string } | { ok: false; code: string },
): Promise<void> {
  await deps.prisma.prePaymentLog.update({
    where: { idempotencyKey },
    data: outcome.ok
      ? {
          status: 'succeeded',
          resultCode: 'OK',
          resolvedAt: deps.clock(),
          ...(outcome.chargeId ? { chargeId: outcome.chargeId } : {}),
          ...(outcome.chargePermissionId ? { chargePermissionId: outcome.chargePermissionId } : {}),
          ...(outcome.objectId ? { payload: { amazonObjectId: outcome.objectId } } : {}),
        }
      : { status: 'failed', resultCode: outcome.code, resolvedAt: deps.clock() },
  });
}
