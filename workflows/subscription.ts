// The subscription workflow (継続課金, docs/product-rules.md, Recurring charges): one per recurring charge permission. It charges each period through an order
// workflow of its own (capturable and refundable like any order), suspends itself and tells the admin and the shop when a charge
// fails for good or Amazon makes the permission non-chargeable, and is paused, resumed or cancelled (permission closed) by the admin.
// This file wires the messages (with their validators) to the machine (workflows/subscription/machine.ts).
import { setHandler } from '@temporalio/workflow';
import { isValidAmount, maxAmount } from '../lib/money';
import { invalid, requestIdReused, wrongState } from './rejections';
import { SubscriptionMachine } from './subscription/machine';
import { FINAL } from './subscription/types';
import * as m from './subscription-messages';
import type { SubscriptionInput, SubscriptionState } from './types';

/** What identifies a charge-now request's parameters: its requestId seen again with another amount is refused. */
function chargeFingerprint(args: { amount?: number }): string {
  return JSON.stringify(['chargeNow', args.amount ?? null]);
}
function requireRequestId(v: unknown): void {
  if (typeof v !== 'string' || v.trim() === '' || v.length > 200) invalid('requestId must be a non-empty string of at most 200 characters');
}

export async function subscription(input: SubscriptionInput): Promise<SubscriptionState> {
  const sub = new SubscriptionMachine(input);
  const known = (key: string) => sub.known(key);
  setHandler(m.subscriptionState, () => sub.snapshot());
  setHandler(m.pauseSubscription, (args) => sub.request({ kind: 'pause', key: `pause:${args.requestId}`, args }), {
    validator: (args) => {
      requireRequestId(args?.requestId);
      if (!known(`pause:${args.requestId}`) && sub.status !== 'Active' && sub.status !== 'Paused') wrongState(`the subscription is ${sub.status}; only an active one can be paused`);
    },
  });
  setHandler(m.resumeSubscription, (args) => sub.request({ kind: 'resume', key: `resume:${args.requestId}`, args }), {
    validator: (args) => {
      requireRequestId(args?.requestId);
      if (!known(`resume:${args.requestId}`) && FINAL.has(sub.status)) wrongState(`the subscription is ${sub.status}; it cannot be resumed`);
    },
  });
  setHandler(m.cancelSubscription, (args) => sub.request({ kind: 'cancel', key: `cancel:${args.requestId}`, args }), {
    validator: (args) => {
      requireRequestId(args?.requestId);
      if (args.reason !== undefined && (typeof args.reason !== 'string' || args.reason.length > 255)) invalid('reason must be a string of at most 255 characters');
      if (!known(`cancel:${args.requestId}`) && FINAL.has(sub.status)) wrongState(`the subscription is already ${sub.status}`);
    },
  });
  setHandler(m.chargeNow, (args) => sub.request({ kind: 'chargeNow', key: `charge:${args.requestId}`, args, fingerprint: chargeFingerprint(args) }), {
    validator: (args) => {
      requireRequestId(args?.requestId);
      const currency = input.amount.currency;
      if (args.amount !== undefined && !isValidAmount(args.amount, currency)) invalid(`amount must be a positive integer of the currency minor unit, at most ${maxAmount(currency)} ${currency}`);
      const key = `charge:${args.requestId}`;
      if (known(key) && sub.fingerprintOf(key) !== undefined && sub.fingerprintOf(key) !== chargeFingerprint(args)) {
        requestIdReused(`requestId ${args.requestId} was already used for a charge with another amount; use a new requestId for a new charge`);
      }
      if (!known(key) && sub.status !== 'Active' && sub.status !== 'Suspended') wrongState(`the subscription is ${sub.status}; resume it before charging`);
    },
  });
  setHandler(m.periodOutcome, (outcome) => sub.outcome(outcome));
  setHandler(m.permissionChanged, () => sub.permissionChanged());
  return await sub.run();
}
