// Creating a Charge on a permission: simulation outcomes, pending authorization, capture-now and the ledger.
import type { SimCore } from './core';
import { AmazonError } from './errors';
import * as ids from './ids';
import type { Money } from './money';
import type { ChargeRecord, JsonObject, PermissionRecord } from './model';
import { simulationEffect, type SimulationEffect } from './simulation-codes';
import { markAuthorized, refreshPermission, setPermissionState } from './transitions';

interface SimulationHolder {
  simulationCode?: string;
  simulationRemaining?: number;
}

/**
 * The simulation to apply now: the request header wins, else the holder's (buyer approval) code.
 * A transient decline code is spent after `simulationRemaining` failures.
 */
export function takeSimulation(holder: SimulationHolder, headerCode: string | undefined): { code: string; effect: SimulationEffect } | undefined {
  if (headerCode !== undefined) return { code: headerCode, effect: simulationEffect(headerCode) };
  if (holder.simulationCode === undefined) return undefined;
  const code = holder.simulationCode;
  const effect = simulationEffect(code);
  if (effect.kind === 'decline' && effect.transient) {
    const left = (holder.simulationRemaining ?? 1) - 1;
    if (left <= 0) {
      holder.simulationCode = undefined;
      holder.simulationRemaining = undefined;
    } else holder.simulationRemaining = left;
  }
  return { code, effect };
}

export interface AuthorizeArgs {
  permission: PermissionRecord;
  amount: Money;
  captureNow: boolean;
  canHandlePendingAuthorization: boolean;
  softDescriptor?: string | null;
  merchantMetadata?: JsonObject | null;
  simulation?: { code: string; effect: SimulationEffect };
  idempotencyKey?: string;
  /** The checkout's own charge (completeCheckoutSession), as opposed to a Create Charge call. */
  fromCheckout?: boolean;
  at: number;
}

const NON_CHARGEABLE_AFTER: Record<string, string> = {
  HardDeclined: 'PaymentMethodInvalid',
  PaymentMethodNotAllowed: 'PaymentMethodNotAllowed',
  MFANotCompleted: 'MFAFailed',
};

/** Throws the 422 decline a simulation asks for (after marking the permission when the decline is permanent). */
export function applyDecline(sim: SimCore, permission: PermissionRecord | undefined, reasonCode: string, at: number): never {
  const reason = NON_CHARGEABLE_AFTER[reasonCode];
  if (permission && reason !== undefined) setPermissionState(sim, permission, 'NonChargeable', at, reason);
  throw new AmazonError(reasonCode, declineMessage(reasonCode));
}

export function declineMessage(reasonCode: string): string {
  switch (reasonCode) {
    case 'SoftDeclined':
      return 'Charge was soft declined. Retry attempts may or may not be successful.';
    case 'HardDeclined':
      return 'Charge was hard declined. Retry attempts will not succeed. Ask the buyer to choose a different payment method.';
    case 'TransactionTimedOut':
      return 'Amazon Pay could not authorize the charge in time. Retry, or allow pending authorization.';
    case 'ProcessingFailure':
      return 'Amazon Pay could not process the charge because of an internal processing error. Retry later.';
    case 'AmazonRejected':
      return 'Charge was rejected by Amazon.';
    case 'PaymentMethodNotAllowed':
      return 'The payment method selected by the buyer is not allowed for this charge.';
    case 'MFANotCompleted':
      return 'The buyer did not complete multi-factor authentication.';
    default:
      return reasonCode;
  }
}

export function authorize(sim: SimCore, a: AuthorizeArgs): ChargeRecord {
  const effect = a.simulation?.effect;
  if (effect?.kind === 'decline') applyDecline(sim, a.permission, effect.reasonCode, a.at);
  if (effect?.kind === 'sessionCanceled') {
    throw new AmazonError('InvalidSandboxSimulationSpecified', `The simulation code '${a.simulation?.code}' applies to checkout sessions, not charges.`);
  }
  if (effect?.kind === 'refundDeclined') {
    throw new AmazonError('InvalidSandboxSimulationSpecified', `The simulation code '${a.simulation?.code}' applies to refunds.`);
  }
  const pending = effect?.kind === 'pendingAuthorization';
  if (pending && !a.canHandlePendingAuthorization) applyDecline(sim, a.permission, 'TransactionTimedOut', a.at);
  const charge: ChargeRecord = {
    id: ids.chargeId(a.permission.id),
    permissionId: a.permission.id,
    merchantId: a.permission.merchantId,
    env: a.permission.env,
    amount: a.amount,
    refundedMinor: 0,
    state: 'AuthorizationInitiated',
    createdAt: a.at,
    updatedAt: a.at,
    expiresAt: a.at + 30 * 24 * 3600 * 1000,
    captureNow: a.captureNow,
    canHandlePendingAuthorization: a.canHandlePendingAuthorization,
    softDescriptor: a.softDescriptor,
    merchantMetadata: a.merchantMetadata,
    captureSimulation: effect?.kind === 'pendingCapture' ? a.simulation?.code : undefined,
    idempotencyKey: a.idempotencyKey,
    ...(a.fromCheckout ? { fromCheckout: true } : {}),
  };
  sim.addCharge(charge);
  const entry = sim.addLedger(charge, { type: 'authorization', status: 'pending', amount: a.amount.minor, idempotencyKey: a.idempotencyKey }, a.at);
  charge.authLedgerId = entry.id;
  if (effect?.kind === 'pendingAuthorization') {
    charge.dueAt = a.at + sim.delays.pendingAuthorizationMs;
    charge.pendingOutcome = { state: effect.outcome, reasonCode: effect.reasonCode };
    sim.notify({ merchantId: charge.merchantId, objectType: 'CHARGE', objectId: charge.id, chargePermissionId: charge.permissionId, env: charge.env });
    refreshPermission(sim, a.permission.id, a.at);
  } else {
    markAuthorized(sim, charge, a.at);
  }
  return charge;
}
