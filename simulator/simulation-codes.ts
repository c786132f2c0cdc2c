// Sandbox simulation codes: what each forces, where it applies, and whether it is spent after one failure.
import { AmazonError } from './errors';

export type SimulationEffect =
  /** complete fails with 422 CheckoutSessionCanceled and the session is Canceled with this reason. */
  | { kind: 'sessionCanceled'; reasonCode: 'BuyerCanceled' | 'AmazonCanceled' | 'Declined' }
  /** The authorization is declined synchronously with this 422 reason code. */
  | { kind: 'decline'; reasonCode: string; transient: boolean }
  /** The authorization goes AuthorizationInitiated, then to the outcome after the pending delay. */
  | { kind: 'pendingAuthorization'; outcome: 'Authorized' | 'Declined'; reasonCode?: string }
  /** The capture goes CaptureInitiated, then to the outcome after the pending delay. */
  | { kind: 'pendingCapture'; outcome: 'Captured' | 'Declined'; reasonCode?: string }
  /** A refund ends Declined with this reason. */
  | { kind: 'refundDeclined'; reasonCode: string };

export const SIMULATION_CODES: Record<string, SimulationEffect> = {
  BuyerCanceled: { kind: 'sessionCanceled', reasonCode: 'BuyerCanceled' },
  AmazonCanceled: { kind: 'sessionCanceled', reasonCode: 'AmazonCanceled' },
  Declined: { kind: 'sessionCanceled', reasonCode: 'Declined' },
  SoftDeclined: { kind: 'decline', reasonCode: 'SoftDeclined', transient: true },
  TransactionTimedOut: { kind: 'decline', reasonCode: 'TransactionTimedOut', transient: true },
  ProcessingFailure: { kind: 'decline', reasonCode: 'ProcessingFailure', transient: true },
  HardDeclined: { kind: 'decline', reasonCode: 'HardDeclined', transient: false },
  PaymentMethodNotAllowed: { kind: 'decline', reasonCode: 'PaymentMethodNotAllowed', transient: false },
  AmazonRejected: { kind: 'decline', reasonCode: 'AmazonRejected', transient: false },
  MFANotCompleted: { kind: 'decline', reasonCode: 'MFANotCompleted', transient: false },
  AuthorizationInitiated: { kind: 'pendingAuthorization', outcome: 'Authorized' },
  PendingAuthorization: { kind: 'pendingAuthorization', outcome: 'Authorized' },
  PendingAuthorizationSoftDeclined: { kind: 'pendingAuthorization', outcome: 'Declined', reasonCode: 'SoftDeclined' },
  PendingAuthorizationHardDeclined: { kind: 'pendingAuthorization', outcome: 'Declined', reasonCode: 'HardDeclined' },
  CaptureInitiated: { kind: 'pendingCapture', outcome: 'Captured' },
  PendingCapture: { kind: 'pendingCapture', outcome: 'Captured' },
  PendingCaptureDeclined: { kind: 'pendingCapture', outcome: 'Declined', reasonCode: 'ProcessingFailure' },
  RefundDeclined: { kind: 'refundDeclined', reasonCode: 'AmazonRejected' },
};

/** Codes accepted on a refund request (`x-amz-pay-simulation-code`). */
const REFUND_ALIASES: Record<string, string> = { Declined: 'AmazonRejected', AmazonRejected: 'AmazonRejected', ProcessingFailure: 'ProcessingFailure', RefundDeclined: 'AmazonRejected' };

export function simulationEffect(code: string): SimulationEffect {
  const effect = SIMULATION_CODES[code];
  if (effect === undefined) {
    throw new AmazonError('InvalidSandboxSimulationSpecified', `The simulation code '${code}' is not valid. Valid codes: ${Object.keys(SIMULATION_CODES).join(', ')}.`);
  }
  return effect;
}

export function refundSimulation(code: string): string {
  const reason = REFUND_ALIASES[code];
  if (reason === undefined) {
    throw new AmazonError('InvalidSandboxSimulationSpecified', `The simulation code '${code}' is not valid for refunds. Valid codes: ${Object.keys(REFUND_ALIASES).join(', ')}.`);
  }
  return reason;
}
