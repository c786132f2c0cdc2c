// ChargePermission, Charge, Refund and Buyer operations with Amazon's state and amount rules.
import { authorize, takeSimulation } from './authorization';
import { findBuyer } from './buyers';
import { AmazonError, notFound } from './errors';
import * as ids from './ids';
import { refundLimit } from '../lib/money';
import { parsePrice } from './money';
import type { RefundRecord } from './model';
import { owned, type OpContext, type OpResult } from './op-context';
import {
  cancelChargeSchema,
  captureChargeSchema,
  closeChargePermissionSchema,
  createChargeSchema,
  createRefundSchema,
  updateChargePermissionSchema,
  validate,
} from './schemas';
import { refundSimulation, simulationEffect } from './simulation-codes';
import { chargeCount, markCanceled, MAX_CHARGES_PER_ONE_TIME_PERMISSION, pendingCaptureOutcome, PENDING_CAPTURE_AFTER_MS, permissionBalance, setPermissionState, startCapture } from './transitions';
import { buyerProfileView, chargeView, permissionView, refundView } from './views';

const sandboxCode = (ctx: OpContext): string | undefined => (ctx.env === 'Sandbox' ? ctx.simulationCode : undefined);

function permissionResult(ctx: OpContext, id: string): OpResult {
  const p = owned(ctx.sim.permissions, id, ctx, 'ChargePermission');
  return { status: 200, body: permissionView(p, permissionBalance(ctx.sim, p)) };
}

export const getChargePermission = (ctx: OpContext, id: string): OpResult => permissionResult(ctx, id);

export function updateChargePermission(ctx: OpContext, id: string, raw: unknown): OpResult {
  const body = validate(updateChargePermissionSchema, raw);
  const p = owned(ctx.sim.permissions, id, ctx, 'ChargePermission');
  if (p.state === 'Closed') throw new AmazonError('InvalidChargePermissionStatus', 'The Charge Permission is Closed and cannot be updated.');
  if (body.merchantMetadata) p.merchantMetadata = { ...(p.merchantMetadata ?? {}), ...body.merchantMetadata };
  if (body.recurringMetadata) p.recurringMetadata = body.recurringMetadata;
  p.updatedAt = ctx.sim.now();
  ctx.sim.dirty = true;
  return permissionResult(ctx, id);
}

export function closeChargePermission(ctx: OpContext, id: string, raw: unknown): OpResult {
  const body = validate(closeChargePermissionSchema, raw);
  const p = owned(ctx.sim.permissions, id, ctx, 'ChargePermission');
  const at = ctx.sim.now();
  if (p.state !== 'Closed') {
    if (body.cancelPendingCharges) {
      for (const c of ctx.sim.chargesOf(p.id)) {
        if ((c.state === 'Authorized' || c.state === 'AuthorizationInitiated')) markCanceled(ctx.sim, c, 'ChargePermissionCanceled', at);
      }
    }
    setPermissionState(ctx.sim, p, 'Closed', at, 'MerchantClosed');
    if (body.closureReason) p.reasons[0].reasonDescription = body.closureReason;
  }
  return permissionResult(ctx, id);
}

export function createCharge(ctx: OpContext, raw: unknown): OpResult {
  const body = validate(createChargeSchema, raw);
  const p = owned(ctx.sim.permissions, body.chargePermissionId, ctx, 'ChargePermission');
  const amount = parsePrice(body.chargeAmount, 'chargeAmount');
  if (amount.currency !== p.currency) throw new AmazonError('CurrencyMismatch', `The currency ${amount.currency} differs from the Charge Permission's presentmentCurrency ${p.currency}.`);
  const captureNow = body.captureNow ?? false;
  const canPend = body.canHandlePendingAuthorization ?? false;
  if (captureNow && canPend) throw new AmazonError('InvalidParameterCombination', 'canHandlePendingAuthorization cannot be true together with captureNow.');
  const header = sandboxCode(ctx);
  if (header !== undefined) simulationEffect(header);
  if (p.state !== 'Chargeable') {
    throw new AmazonError('InvalidChargePermissionStatus', `The Charge Permission is ${p.state}${p.reasons[0] ? ` (${p.reasons[0].reasonCode})` : ''}; no charge can be created.`);
  }
  if (p.type === 'OneTime' && chargeCount(ctx.sim, p) >= MAX_CHARGES_PER_ONE_TIME_PERMISSION) {
    throw new AmazonError('TransactionCountExceeded', `A one-time Charge Permission takes at most ${MAX_CHARGES_PER_ONE_TIME_PERMISSION} Create Charge calls; this one has had them all.`);
  }
  const balance = permissionBalance(ctx.sim, p);
  if (balance !== undefined && amount.minor > balance) {
    throw new AmazonError('TransactionAmountExceeded', `chargeAmount exceeds the Charge Permission's remaining balance (${balance} minor units).`);
  }
  const charge = authorize(ctx.sim, {
    permission: p,
    amount,
    captureNow,
    canHandlePendingAuthorization: canPend,
    softDescriptor: body.softDescriptor,
    merchantMetadata: body.merchantMetadata,
    simulation: takeSimulation(p, header),
    idempotencyKey: ctx.idempotencyKey,
    at: ctx.sim.now(),
  });
  return { status: 201, body: chargeView(charge) };
}

export function getCharge(ctx: OpContext, id: string): OpResult {
  return { status: 200, body: chargeView(owned(ctx.sim.charges, id, ctx, 'Charge')) };
}

export function captureCharge(ctx: OpContext, id: string, raw: unknown): OpResult {
  const body = validate(captureChargeSchema, raw);
  const c = owned(ctx.sim.charges, id, ctx, 'Charge');
  const amount = parsePrice(body.captureAmount, 'captureAmount');
  if (amount.currency !== c.amount.currency) throw new AmazonError('CurrencyMismatch', `The currency ${amount.currency} differs from the Charge's ${c.amount.currency}.`);
  if (c.state !== 'Authorized') throw new AmazonError('InvalidChargeStatus', `The Charge is in ${c.state} state; only an Authorized charge can be captured.`);
  if (amount.minor > c.amount.minor) {
    throw new AmazonError('TransactionAmountExceeded', `captureAmount ${body.captureAmount.amount} exceeds the authorized amount.`);
  }
  const permission = ctx.sim.permissions.get(c.permissionId);
  const balance = permission === undefined ? undefined : permissionBalance(ctx.sim, permission);
  if (balance !== undefined && amount.minor > balance) {
    throw new AmazonError('TransactionAmountExceeded', `captureAmount ${body.captureAmount.amount} exceeds the Charge Permission's remaining balance (${balance} minor units).`);
  }
  const at = ctx.sim.now();
  const header = sandboxCode(ctx);
  if (header !== undefined) {
    const effect = simulationEffect(header);
    if (effect.kind !== 'pendingCapture') throw new AmazonError('InvalidSandboxSimulationSpecified', `The simulation code '${header}' does not apply to captures.`);
    c.captureSimulation = header;
  }
  if (body.softDescriptor) c.softDescriptor = body.softDescriptor;
  const late = c.authorizedAt !== undefined && at - c.authorizedAt > PENDING_CAPTURE_AFTER_MS;
  startCapture(ctx.sim, c, amount.minor, at, ctx.idempotencyKey, pendingCaptureOutcome(c) ?? (late ? { state: 'Captured' } : undefined));
  return { status: 200, body: chargeView(c) };
}

export function cancelCharge(ctx: OpContext, id: string, raw: unknown): OpResult {
  validate(cancelChargeSchema, raw);
  const c = owned(ctx.sim.charges, id, ctx, 'Charge');
  if (c.state !== 'Authorized' && c.state !== 'AuthorizationInitiated') {
    throw new AmazonError('InvalidChargeStatus', `The Charge is in ${c.state} state; only an Authorized or AuthorizationInitiated charge can be canceled.`);
  }
  markCanceled(ctx.sim, c, 'MerchantCanceled', ctx.sim.now(), ctx.idempotencyKey);
  return { status: 200, body: chargeView(c) };
}

export function createRefund(ctx: OpContext, raw: unknown): OpResult {
  const { sim } = ctx;
  const body = validate(createRefundSchema, raw);
  const c = owned(sim.charges, body.chargeId, ctx, 'Charge');
  const amount = parsePrice(body.refundAmount, 'refundAmount');
  if (amount.currency !== c.amount.currency) throw new AmazonError('CurrencyMismatch', `The currency ${amount.currency} differs from the Charge's ${c.amount.currency}.`);
  const header = sandboxCode(ctx);
  const declineReason = header === undefined ? undefined : refundSimulation(header);
  if (c.state !== 'Captured' || c.captureMinor === undefined) {
    throw new AmazonError('InvalidChargeStatus', `The Charge is in ${c.state} state; only a Captured charge can be refunded.`);
  }
  let committed = 0;
  for (const r of sim.refundsOf(c.id)) if (r.state !== 'Declined') committed += r.amount.minor;
  const cap = refundLimit(c.captureMinor, c.amount.currency);
  if (committed + amount.minor > cap) {
    throw new AmazonError('TransactionAmountExceeded', `Refunds would total more than the allowed ${cap} minor units (captured amount plus the smaller of 15% and the per-currency ceiling).`);
  }
  const at = sim.now();
  const id = ids.refundId(c.permissionId);
  const entry = sim.addLedger(c, { type: 'refund', status: 'pending', amount: amount.minor, refundId: id, idempotencyKey: ctx.idempotencyKey }, at);
  const refund: RefundRecord = {
    id,
    chargeId: c.id,
    permissionId: c.permissionId,
    merchantId: c.merchantId,
    env: c.env,
    amount,
    state: 'RefundInitiated',
    createdAt: at,
    updatedAt: at,
    softDescriptor: body.softDescriptor,
    dueAt: at + sim.delays.refundMs,
    outcome: declineReason === undefined ? { state: 'Refunded' } : { state: 'Declined', reasonCode: declineReason },
    idempotencyKey: ctx.idempotencyKey,
    ledgerId: entry.id,
  };
  sim.addRefund(refund);
  sim.notify({ merchantId: c.merchantId, objectType: 'REFUND', objectId: id, chargePermissionId: c.permissionId, env: c.env });
  return { status: 201, body: refundView(refund) };
}

export function getRefund(ctx: OpContext, id: string): OpResult {
  return { status: 200, body: refundView(owned(ctx.sim.refunds, id, ctx, 'Refund')) };
}

export function getBuyer(ctx: OpContext, token: string): OpResult {
  const rec = ctx.sim.buyerTokens.get(token);
  const buyer = rec && rec.merchantId === ctx.merchant.merchantId ? findBuyer(rec.buyerId) : undefined;
  if (!buyer) throw notFound('Buyer token', token);
  return { status: 200, body: buyerProfileView(buyer) };
}
