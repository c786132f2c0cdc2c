// Disputes (chargebacks) on charges, opened and moved through /__sim with a CHARGEBACK notification, read with getDispute; and deliveryTrackers.
import { z } from 'zod';
import { amazonTimestamp } from './clock';
import type { SimCore } from './core';
import { AmazonError, notFound } from './errors';
import { alnumUpper } from './ids';
import { toPrice } from './money';
import type { DisputeRecord, DisputeState } from './model';
import { statusDetailsView } from './views';
import { owned, type OpContext, type OpResult } from './op-context';

export const openDisputeSchema = z.strictObject({
  /** Integer minor units; default the charge's captured (else authorized) amount. */
  amount: z.number().int().positive().optional(),
  filingReason: z.enum(['ProductNotReceived', 'ProductNotAsDescribed', 'UnauthorizedTransaction', 'ProductSubstantiallyDifferent', 'Other']).optional(),
  state: z.enum(['ActionRequired', 'UnderReview']).optional(),
});

export const disputeStateSchema = z.strictObject({
  state: z.enum(['ActionRequired', 'UnderReview', 'Resolved', 'Closed']),
  /** For Resolved/Closed: who won (BuyerWon, MerchantWon) or another code. */
  reasonCode: z.string().min(1).max(64).optional(),
  reasonDescription: z.string().max(500).optional(),
});

export function disputeView(d: DisputeRecord) {
  return {
    disputeId: d.id,
    chargeId: d.chargeId,
    chargePermissionId: d.permissionId,
    disputeType: 'Chargeback',
    filingReason: d.filingReason,
    disputeAmount: toPrice(d.amount),
    statusDetails: statusDetailsView(d),
    creationTimestamp: amazonTimestamp(d.createdAt),
    releaseEnvironment: d.env,
  };
}

function notifyDispute(sim: SimCore, d: DisputeRecord): void {
  sim.notify({ merchantId: d.merchantId, objectType: 'CHARGEBACK', objectId: d.id, chargePermissionId: d.permissionId, env: d.env });
}

export const getDispute = (ctx: OpContext, id: string): OpResult => ({ status: 200, body: disputeView(owned(ctx.sim.disputes, id, ctx, 'Dispute')) });

/** `/__sim/charges/:chargeId/disputes`: the buyer files a chargeback on a captured (or authorized) charge. */
export function openDispute(sim: SimCore, chargeId: string, b: z.infer<typeof openDisputeSchema>): DisputeRecord {
  const c = sim.charges.get(chargeId);
  if (!c) throw notFound('Charge', chargeId);
  const base = c.captureMinor ?? c.amount.minor;
  const minor = b.amount ?? base;
  if (minor > base) throw new AmazonError('InvalidParameterValue', `The dispute amount ${minor} is more than the charge's ${base}.`);
  const at = sim.now();
  const d: DisputeRecord = {
    id: `${c.id}-D${alnumUpper(6)}`,
    chargeId: c.id,
    permissionId: c.permissionId,
    merchantId: c.merchantId,
    env: c.env,
    amount: { minor, currency: c.amount.currency },
    state: b.state ?? 'ActionRequired',
    filingReason: b.filingReason ?? 'ProductNotReceived',
    createdAt: at,
    updatedAt: at,
  };
  sim.disputes.set(d.id, d);
  notifyDispute(sim, d);
  return d;
}

/** `/__sim/disputes/:id/state`: Amazon moves the dispute on (review, resolution, closure). */
export function setDisputeState(sim: SimCore, id: string, b: z.infer<typeof disputeStateSchema>): DisputeRecord {
  const d = sim.disputes.get(id);
  if (!d) throw notFound('Dispute', id);
  if (d.state === 'Closed') throw new AmazonError('InvalidDisputeStatus', 'The dispute is Closed.');
  const state: DisputeState = b.state;
  d.state = state;
  d.reasonCode = b.reasonCode;
  d.reasonDescription = b.reasonDescription;
  d.updatedAt = sim.now();
  notifyDispute(sim, d);
  return d;
}

const deliveryTrackerSchema = z
  .object({
    chargePermissionId: z.string().min(1).optional(),
    amazonOrderReferenceId: z.string().min(1).optional(),
    deliveryDetails: z.array(z.strictObject({ trackingNumber: z.string().min(1).max(100), carrierCode: z.string().min(1).max(50) })).min(1).max(10),
  })
  .refine((b) => b.chargePermissionId !== undefined || b.amazonOrderReferenceId !== undefined, 'chargePermissionId or amazonOrderReferenceId is required');

/** POST deliveryTrackers: records the shipment (Amazon notifies the buyer when it is delivered). */
export function createDeliveryTracker(ctx: OpContext, raw: unknown): OpResult {
  const r = deliveryTrackerSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new AmazonError('InvalidParameterValue', `${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  const permissionId = r.data.chargePermissionId ?? r.data.amazonOrderReferenceId ?? '';
  owned(ctx.sim.permissions, permissionId, ctx, 'ChargePermission');
  const at = ctx.sim.now();
  for (const d of r.data.deliveryDetails) {
    ctx.sim.deliveryTrackers.push({ merchantId: ctx.merchant.merchantId, env: ctx.env, chargePermissionId: permissionId, trackingNumber: d.trackingNumber, carrierCode: d.carrierCode, createdAt: at });
  }
  ctx.sim.dirty = true;
  return { status: 200, body: { chargePermissionId: permissionId, amazonOrderReferenceId: permissionId, deliveryDetails: r.data.deliveryDetails } };
}
