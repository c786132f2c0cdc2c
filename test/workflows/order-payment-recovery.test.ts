// A money call whose answer the order lost (ORDER_V15, docs/recovery.md): the workflow task that made it was lost after
// Amazon acted, so history holds neither the command nor its answer. Each test makes the call as that task did (the
// same activity, the same key, outside the workflow), then lets Amazon's notification and the caller's retry arrive.
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowUpdateStage, type WorkflowHandle } from '@temporalio/client';
import { DEFAULT_SHOP_ID } from '../../lib/names';
import { amazonNotification, approveRefund, cancel, capture, checkoutCompleted, checkoutConfirmed, checkoutReviewed, refund, rejectRefund, setOrderStatus, state } from '../../workflows/messages';
import { harnessForFile, newRun, type Run } from './support/harness';
import { checkout } from './support/checkout';

const h = harnessForFile(120_000);
const editor = { keyId: 'key-eve', name: 'eve', role: 'editor' };
const approver = { keyId: 'key-bob', name: 'bob', role: 'editor' };

async function settled(handle: WorkflowHandle, done: (s: Awaited<ReturnType<typeof readState>>) => boolean) {
  for (let i = 0; i < 100; i++) {
    const s = await readState(handle);
    if (done(s)) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  return readState(handle);
}
const readState = (handle: WorkflowHandle) => handle.query(state);
const orderIdOf = (handle: WorkflowHandle) => handle.workflowId.replace(/^order-/, '');

/** The capture a lost workflow task made: what `money.capture` sends for this requestId. */
async function lostCapture(run: Run, handle: WorkflowHandle, chargeId: string, amount: number, requestId: string) {
  return run.shopActivities.captureCharge({
    orderId: orderIdOf(handle),
    chargeId,
    amount,
    currency: 'JPY',
    key: { workflowId: handle.workflowId, action: 'capture', requestId, declineRetry: 0 },
    command: { kind: 'capture', requestId, amount, actor: editor },
  });
}

/** Review and confirm, then the completion as a lost workflow task made it. */
async function lostCompletion(run: Run, handle: WorkflowHandle) {
  const sessionId = run.amazon.addSession(undefined, { orderId: orderIdOf(handle) });
  await handle.executeUpdate(checkoutReviewed, { args: [{ checkoutSessionId: sessionId }] });
  await handle.executeUpdate(checkoutConfirmed, { args: [{ checkoutResultReturnUrl: 'https://shop.example/result' }] });
  return run.shopActivities.completeCheckoutSession({
    orderId: orderIdOf(handle),
    checkoutSessionId: sessionId,
    amount: 10_000,
    currency: 'JPY',
    key: { workflowId: handle.workflowId, action: 'complete', requestId: `${sessionId}/0`, declineRetry: 0 },
    readCharge: true,
    command: { kind: 'complete', checkoutSessionId: sessionId, requestId: `${sessionId}/0` },
  });
}

// First in the file: the time-skipping server skips time reliably only before notifications (order-payment-notifications.test.ts).
test('a completion whose task was lost, with no notification and no buyer: the expiring checkout finds it and is authorized, not abandoned', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start({ settings: { paymentIntent: 'Authorize' }, timings: { checkoutSessionMs: 60_000 } });
    const session = await lostCompletion(run, handle);
    await h.env.sleep('2 minutes');
    const s = await settled(handle, (x) => x.paymentStatus !== 'CheckoutPending');
    expect(s).toMatchObject({ paymentStatus: 'Authorized', chargeIds: [session.chargeId] });
  });
});

// Early in the file too (it skips time): found by a review of the first version, which ran the retry a second time.
test('a retry that arrives while a recovered capture waits on a decline retry waits for it: one capture at Amazon', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start({ settings: { paymentIntent: 'Authorize' }, timings: { declineRetryBackoffMs: [20_000, 20_000] } });
    const done = await checkout(handle, run.amazon);
    const chargeId = done.amazonObjectIds[0];
    // The lost task's first try was declined (soft): the charge is Declined at Amazon, the row names the command.
    run.amazon.inject('captureCharge', { kind: 'error', status: 422, reasonCode: 'SoftDeclined' });
    await expect(lostCapture(run, handle, chargeId, 3_000, 'cap-1')).rejects.toThrow();
    // Amazon answers the same key with the same decline (the fake keeps no faults: given again).
    run.amazon.inject('captureCharge', { kind: 'error', status: 422, reasonCode: 'SoftDeclined' });
    // The reconciliation's nudge makes the order look; the recovered capture sleeps on its decline retry.
    await handle.executeUpdate(amazonNotification, { args: [{ objectType: 'CHARGE', objectId: chargeId, notificationId: 'rec-1' }] });
    await settled(handle, (x) => x.pendingTimers.some((t) => t.name === 'declineRetry'));
    const retry = await handle.startUpdate(capture, { args: [{ amount: 3_000, requestId: 'cap-1', actor: editor }], waitForStage: WorkflowUpdateStage.ACCEPTED });
    await h.env.sleep('30 seconds');
    const answered = await retry.result();
    const s = await settled(handle, (x) => x.amounts.captured > 0);
    expect(s.amounts.captured).toBe(3_000);
    expect(run.amazon.ledger.filter((l) => l.kind === 'capture')).toHaveLength(1);
    expect(run.amazon.count('createCharge')).toBe(1);
    expect((await handle.executeUpdate(capture, { args: [{ amount: 3_000, requestId: 'cap-1', actor: editor }] })).amazonObjectIds).toEqual(answered.amazonObjectIds);
  });
});

// Found by a second review: time-skipping tests, early in the file.
test('an expiring checkout whose rows cannot be read is not abandoned: it looks again, and is authorized once they can be', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start({ settings: { paymentIntent: 'Authorize' }, timings: { checkoutSessionMs: 60_000 } });
    const session = await lostCompletion(run, handle);
    const log = (run.prisma as unknown as { prePaymentLog: { findMany: (...a: unknown[]) => Promise<unknown> } }).prePaymentLog;
    const real = log.findMany;
    // Non-retryable: stands for the database's half-hour retry running out.
    log.findMany = async () => {
      throw ApplicationFailure.nonRetryable('the database is down');
    };
    await h.env.sleep('2 minutes');
    expect((await readState(handle)).paymentStatus).toBe('CheckoutPending');
    log.findMany = real;
    await h.env.sleep('2 minutes');
    const s = await settled(handle, (x) => x.paymentStatus !== 'CheckoutPending');
    expect(s).toMatchObject({ paymentStatus: 'Authorized', chargeIds: [session.chargeId] });
  });
});

test('a completion that failed and was answered is not made again when the checkout expires', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start({ settings: { paymentIntent: 'Authorize' }, timings: { checkoutSessionMs: 60_000 } });
    const sessionId = run.amazon.addSession(undefined, { orderId: orderIdOf(handle) });
    await handle.executeUpdate(checkoutReviewed, { args: [{ checkoutSessionId: sessionId }] });
    await handle.executeUpdate(checkoutConfirmed, { args: [{ checkoutResultReturnUrl: 'https://shop.example/result' }] });
    run.amazon.inject('completeCheckoutSession', { kind: 'error', status: 422, reasonCode: 'InvalidCheckoutSessionStatus' });
    await expect(handle.executeUpdate(checkoutCompleted, { args: [{}] })).rejects.toMatchObject({ cause: { type: 'InvalidCheckoutSessionStatus' } });
    await h.env.sleep('2 minutes');
    const s = await settled(handle, (x) => x.paymentStatus !== 'CheckoutPending');
    expect(s.paymentStatus).toBe('Abandoned');
    expect(run.amazon.count('completeCheckoutSession')).toBe(1);
  });
});

test('the retry of a lost capture before any notification: sent again with the same key, Amazon answers with the capture it made', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start({ settings: { paymentIntent: 'Authorize' } });
    const done = await checkout(handle, run.amazon);
    await lostCapture(run, handle, done.amazonObjectIds[0], 10_000, 'cap-1');
    const again = await handle.executeUpdate(capture, { args: [{ amount: 10_000, requestId: 'cap-1', actor: editor }] });
    expect(again).toMatchObject({ paymentStatus: 'Captured', amazonObjectIds: [done.amazonObjectIds[0]] });
    expect(run.amazon.captures()).toBe(1);
  });
});

test('a capture whose task was lost: the notification finds it, the retry of its requestId is answered with it', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start({ settings: { paymentIntent: 'Authorize' } });
    const done = await checkout(handle, run.amazon);
    const chargeId = done.amazonObjectIds[0];
    await lostCapture(run, handle, chargeId, 10_000, 'cap-1');
    expect((await readState(handle)).paymentStatus).toBe('Authorized');

    // Amazon tells of the capture: the order finds the call behind it before taking the new state.
    await handle.executeUpdate(amazonNotification, { args: [{ objectType: 'CHARGE', objectId: chargeId, notificationId: 'n-cap', source: 'ipn', state: 'Captured' }] });
    const s = await settled(handle, (x) => x.paymentStatus === 'Captured');
    expect(s).toMatchObject({ paymentStatus: 'Captured', amounts: { captured: 10_000, capturable: 0 } });
    // Its history row names the editor who asked, as the lost task's would have.
    expect(s.history.filter((r) => r.kind === 'capture').map((r) => [r.result, r.amount, r.requestedBy?.name])).toEqual([['OK', 10_000, 'eve']]);

    // The caller's retry of the same request is answered with that capture, not refused for the state it made.
    const again = await handle.executeUpdate(capture, { args: [{ amount: 10_000, requestId: 'cap-1', actor: editor }] });
    expect(again).toMatchObject({ paymentStatus: 'Captured', amazonObjectIds: [chargeId] });
    // The same requestId with another amount is still refused.
    await expect(handle.executeUpdate(capture, { args: [{ amount: 5_000, requestId: 'cap-1', actor: editor }] })).rejects.toMatchObject({ cause: { type: 'RequestIdReused' } });
    // Amazon captured once: the recovery's call was answered from its idempotency key.
    expect(run.amazon.captures()).toBe(1);
    expect(run.amazon.count('captureCharge')).toBe(2);
  });
});

test('a refund whose task was lost: the order takes it as its own from the notification, and answers its retry', async () => {
  const run = newRun(h);
  run.amazon.refundsSettleImmediately = true;
  await run.withWorker(async () => {
    const handle = await run.start();
    const done = await checkout(handle, run.amazon);
    const chargeId = done.amazonObjectIds[0];
    const lost = await run.shopActivities.createRefund({
      orderId: orderIdOf(handle),
      chargeId,
      amount: 3_000,
      currency: 'JPY',
      key: { workflowId: handle.workflowId, action: 'refund', requestId: 'ref-1', declineRetry: 0 },
      command: { kind: 'refund', requestId: 'ref-1', amount: 3_000, pieces: [{ chargeId, amount: 3_000 }], actor: editor },
    });
    // The webhook routes a refund it does not find on any order by its charge: to this order, which does not hold it.
    await handle.executeUpdate(amazonNotification, {
      args: [{ objectType: 'REFUND', objectId: lost.refundId, notificationId: 'n-ref', source: 'ipn', state: 'Refunded', refund: { ...lost, state: 'Refunded' } }],
    });
    const s = await settled(handle, (x) => x.amounts.refunded === 3_000);
    expect(s).toMatchObject({ paymentStatus: 'Refunded', amounts: { captured: 10_000, refunded: 3_000, refundPending: 0 } });
    expect(s.refunds.map((r) => [r.refundId, r.amount, r.requestId])).toEqual([[lost.refundId, 3_000, 'ref-1']]);

    const again = await handle.executeUpdate(refund, { args: [{ amount: 3_000, requestId: 'ref-1', actor: editor }] });
    expect(again.amazonObjectIds).toEqual([lost.refundId]);
    expect(run.amazon.ledger.filter((l) => l.kind === 'refund')).toEqual([{ kind: 'refund', objectId: lost.refundId, amount: 3_000 }]);
    // The same notification delivered again changes nothing.
    await expect(
      handle.executeUpdate(amazonNotification, { args: [{ objectType: 'REFUND', objectId: lost.refundId, notificationId: 'n-ref', source: 'ipn', state: 'Refunded' }] }),
    ).rejects.toMatchObject({ cause: { type: 'InvalidState' } });
    expect((await readState(handle)).amounts.refunded).toBe(3_000);
  });
});

test('a cancel whose task was lost: the order is cancelled by it (and, with nothing left, finishes)', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start({ settings: { paymentIntent: 'Authorize' } });
    const done = await checkout(handle, run.amazon);
    const chargeId = done.amazonObjectIds[0];
    await run.shopActivities.cancelCharge({
      orderId: orderIdOf(handle),
      chargeId,
      amount: 10_000,
      currency: 'JPY',
      reason: 'out of stock',
      key: { workflowId: handle.workflowId, action: 'cancel', requestId: 'can-1' },
      command: { kind: 'cancel', requestId: 'can-1', reason: 'out of stock', actor: editor },
    });
    await handle.executeUpdate(amazonNotification, { args: [{ objectType: 'CHARGE', objectId: chargeId, notificationId: 'n-can', source: 'ipn', state: 'Canceled' }] });
    const s = await settled(handle, (x) => x.paymentStatus === 'Canceled');
    expect(s.paymentStatus).toBe('Canceled');
    expect(s.history.filter((r) => r.kind === 'cancel').map((r) => [r.result, r.requestedBy?.name])).toEqual([['OK', 'eve']]);
    // The recovery sent the cancel again with its key; Amazon answered it from there.
    expect(run.amazon.count('cancelCharge')).toBe(2);
  });
});

test('the cancel of a partly shipped order whose task was lost: the closed permission finds it, and its retry is answered', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start({ settings: { paymentIntent: 'Authorize' } });
    await checkout(handle, run.amazon);
    await handle.executeUpdate(capture, { args: [{ amount: 4_000, requestId: 'ship-1', actor: editor }] });
    const permission = (await readState(handle)).chargePermissionId as string;
    // What money.cancel sends for a partly captured order: the permission closed, framed by a row of its own.
    await run.shopActivities.closeChargePermission({
      orderId: orderIdOf(handle),
      chargePermissionId: permission,
      reason: 'rest not shipped',
      cancelPendingCharges: false,
      key: { workflowId: handle.workflowId, action: 'close', requestId: 'can-2' },
      amount: 6_000,
      currency: 'JPY',
      command: { kind: 'cancel', requestId: 'can-2', reason: 'rest not shipped', actor: editor },
    });
    await handle.executeUpdate(amazonNotification, { args: [{ objectType: 'CHARGE_PERMISSION', objectId: permission, notificationId: 'n-close', source: 'ipn', state: 'Closed' }] });
    const s = await settled(handle, (x) => x.amounts.capturable === 0);
    expect(s).toMatchObject({ paymentStatus: 'Captured', amounts: { captured: 4_000, capturable: 0 } });
    expect(s.history.filter((r) => r.kind === 'cancel').map((r) => [r.result, r.amount, r.requestedBy?.name])).toEqual([['OK', 6_000, 'eve']]);
    const again = await handle.executeUpdate(cancel, { args: [{ reason: 'rest not shipped', requestId: 'can-2', actor: editor }] });
    expect(again).toMatchObject({ amount: 6_000, amazonObjectIds: [permission] });
  });
});

test('a completion whose task was lost: the buyer never returns, Amazon tells of the permission, and the order is authorized', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start({ settings: { paymentIntent: 'Authorize' } });
    const session = await lostCompletion(run, handle);
    expect((await readState(handle)).paymentStatus).toBe('CheckoutPending');
    await handle.executeUpdate(amazonNotification, {
      args: [{ objectType: 'CHARGE_PERMISSION', objectId: session.chargePermissionId as string, notificationId: 'n-perm', source: 'ipn', state: 'Chargeable' }],
    });
    const s = await settled(handle, (x) => x.paymentStatus === 'Authorized');
    expect(s).toMatchObject({ paymentStatus: 'Authorized', chargePermissionId: session.chargePermissionId, chargeIds: [session.chargeId] });
    // The buyer comes back after all: answered with the authorization, nothing made twice.
    const late = await handle.executeUpdate(checkoutCompleted, { args: [{}] });
    expect(late).toMatchObject({ paymentStatus: 'Authorized', amazonObjectIds: [session.chargeId] });
    expect(run.amazon.count('completeCheckoutSession')).toBe(2);
  });
});

test('a refund this order never asked for (made in Seller Central) is not taken as its own, and nothing is called again', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start();
    const done = await checkout(handle, run.amazon);
    // Another order's lost refund row must not be recovered into this one.
    const other = await run.start();
    const otherDone = await checkout(other, run.amazon);
    await run.shopActivities.createRefund({
      orderId: orderIdOf(other),
      chargeId: otherDone.amazonObjectIds[0],
      amount: 1_000,
      currency: 'JPY',
      key: { workflowId: other.workflowId, action: 'refund', requestId: 'x-1', declineRetry: 0 },
      command: { kind: 'refund', requestId: 'x-1', amount: 1_000, pieces: [{ chargeId: otherDone.amazonObjectIds[0], amount: 1_000 }] },
    });
    const foreign = await run.amazon.createRefund({ chargeId: done.amazonObjectIds[0], refundAmount: { amount: '500', currencyCode: 'JPY' } }, { 'x-amz-pay-idempotency-key': 'seller-central-1' });
    const refundId = (foreign.data as { refundId: string }).refundId;
    const refundsBefore = run.amazon.count('createRefund');
    await handle.executeUpdate(amazonNotification, { args: [{ objectType: 'REFUND', objectId: refundId, notificationId: 'n-foreign', source: 'ipn', state: 'RefundInitiated' }] });
    await new Promise((r) => setTimeout(r, 500));
    const s = await readState(handle);
    expect(s).toMatchObject({ paymentStatus: 'Captured', amounts: { refunded: 0, refundPending: 0 } });
    expect(s.refunds).toEqual([]);
    expect(run.amazon.count('createRefund')).toBe(refundsBefore);
  });
});

test('a permission Amazon closed after a capture in full is news (the shop\'s charge_permission.closed) but no lost call: nothing is read', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const full = await run.start();
    await checkout(full, run.amazon);
    const permission = (await readState(full)).chargePermissionId as string;
    const reads = () => run.prisma.journal.filter((j) => j === 'prePayment.read').length;
    const before = reads();
    await full.executeUpdate(amazonNotification, { args: [{ objectType: 'CHARGE_PERMISSION', objectId: permission, notificationId: 'n-closed', source: 'ipn', state: 'Closed', permission: { chargePermissionId: permission, state: 'Closed', reasons: ['AmazonClosed'] } }] });
    const s = await settled(full, (x) => x.history.some((r) => r.kind === 'notification' && r.result === 'Closed'));
    expect(s.history.some((r) => r.kind === 'notification' && r.result === 'Closed')).toBe(true);
    expect(reads()).toBe(before);
  });
});

test('a refund approved by a lost task: recovered as approved, and the approver\'s retry is answered with it', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start();
    const done = await checkout(handle, run.amazon);
    const chargeId = done.amazonObjectIds[0];
    const asked = await handle.executeUpdate(refund, { args: [{ amount: 3_000, requestId: 'big-1', actor: editor, approval: { ttlMs: 3_600_000 } }] });
    const approvalId = (asked as unknown as { approval: { approvalId: string } }).approval.approvalId;
    const lost = await run.shopActivities.createRefund({
      orderId: orderIdOf(handle),
      chargeId,
      amount: 3_000,
      currency: 'JPY',
      key: { workflowId: handle.workflowId, action: 'refund', requestId: 'big-1', declineRetry: 0 },
      command: { kind: 'refund', requestId: 'big-1', amount: 3_000, pieces: [{ chargeId, amount: 3_000 }], actor: editor, approver, approvalId },
    });
    await handle.executeUpdate(amazonNotification, { args: [{ objectType: 'REFUND', objectId: lost.refundId, notificationId: 'n-a', source: 'ipn', state: 'RefundInitiated' }] });
    const s = await settled(handle, (x) => x.refunds.length === 1);
    expect(s.refunds.map((r) => r.refundId)).toEqual([lost.refundId]);
    expect(s.pendingApprovals).toEqual([]);
    const row = s.history.find((r) => r.kind === 'refund_started');
    expect([row?.requestedBy?.name, row?.approvedBy?.name]).toEqual(['eve', 'bob']);
    const again = await handle.executeUpdate(approveRefund, { args: [{ approvalId, actor: approver }] });
    expect((again as unknown as { amazonObjectIds: string[] }).amazonObjectIds).toEqual([lost.refundId]);
    expect(run.amazon.count('createRefund')).toBe(2);
  });
});

/**
 * Two captured charges (4000 on C1, 6000 on C2); a pending refund r0 leaves C1 600 of room; the lost refund r1 of 2000
 * as its task sent it, 600 on C1 (r1#0) and 1400 on C2 (r1#1); then r0 is declined, which gives C1 its room back:
 * deciding r1's pieces again now would make one piece of 2000 under a new key.
 */
async function lostRefundInPiecesThenRoomGrows(run: Run, handle: WorkflowHandle) {
  const c1 = (await checkout(handle, run.amazon)).amazonObjectIds[0];
  await handle.executeUpdate(capture, { args: [{ amount: 4_000, requestId: 'ship-1', actor: editor }] });
  const c2 = (await handle.executeUpdate(capture, { args: [{ amount: 6_000, requestId: 'ship-2', actor: editor }] })).amazonObjectIds[0];
  const r0 = await handle.executeUpdate(refund, { args: [{ amount: 4_000, requestId: 'r0', actor: editor }] });
  const command = { kind: 'refund' as const, requestId: 'r1', amount: 2_000, pieces: [{ chargeId: c1, amount: 600 }, { chargeId: c2, amount: 1_400 }], actor: editor };
  const piece = (chargeId: string, amount: number, requestId: string) =>
    run.shopActivities.createRefund({ orderId: orderIdOf(handle), chargeId, amount, currency: 'JPY', key: { workflowId: handle.workflowId, action: 'refund', requestId, declineRetry: 0 }, command });
  const p0 = await piece(c1, 600, 'r1#0');
  const p1 = await piece(c2, 1_400, 'r1#1');
  run.amazon.resolveRefund(r0.amazonObjectIds[0], 'Declined');
  await handle.executeUpdate(amazonNotification, { args: [{ objectType: 'REFUND', objectId: r0.amazonObjectIds[0], notificationId: 'n-r0', source: 'ipn', state: 'Declined' }] });
  await settled(handle, (x) => x.refunds.find((r) => r.refundId === r0.amazonObjectIds[0])?.state === 'Declined');
  return { p0, p1 };
}

test('a refund a lost task spread over two charges is sent again in the same pieces, even after the room on them changed', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start({ settings: { paymentIntent: 'Authorize' } });
    const { p0, p1 } = await lostRefundInPiecesThenRoomGrows(run, handle);
    run.amazon.resolveRefund(p0.refundId, 'Refunded');
    await handle.executeUpdate(amazonNotification, { args: [{ objectType: 'REFUND', objectId: p0.refundId, notificationId: 'n-p0', source: 'ipn', state: 'Refunded' }] });
    const s = await settled(handle, (x) => x.refunds.length === 3);
    expect(s.refunds.filter((r) => r.requestId === 'r1').map((r) => [r.refundId, r.amount])).toEqual([[p0.refundId, 600], [p1.refundId, 1_400]]);
    // Amazon made exactly the two pieces for r1: the recovery's calls were answered from their keys.
    expect(run.amazon.count('createRefund')).toBe(5);
    const answered = await handle.executeUpdate(refund, { args: [{ amount: 2_000, requestId: 'r1', actor: editor }] });
    expect(answered.amazonObjectIds).toEqual([p0.refundId, p1.refundId]);
  });
});

test('an order-status change whose linked capture was lost is recovered as that change; a linked capture that failed is not run again', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start({ settings: { paymentIntent: 'Authorize', linkOrderStatus: true } });
    const chargeId = (await checkout(handle, run.amazon)).amazonObjectIds[0];
    // What setOrderStatus(Shipped) sends for its linked capture.
    await run.shopActivities.captureCharge({
      orderId: orderIdOf(handle),
      chargeId,
      amount: 10_000,
      currency: 'JPY',
      key: { workflowId: handle.workflowId, action: 'capture', requestId: 'order-status-Shipped', declineRetry: 0 },
      command: { kind: 'orderStatus', status: 'Shipped', actor: editor },
    });
    await handle.executeUpdate(amazonNotification, { args: [{ objectType: 'CHARGE', objectId: chargeId, notificationId: 'n-ship', source: 'ipn', state: 'Captured' }] });
    const s = await settled(handle, (x) => x.paymentStatus === 'Captured');
    expect(s).toMatchObject({ paymentStatus: 'Captured', orderStatus: 'Shipped', amounts: { captured: 10_000 } });
    expect(run.amazon.captures()).toBe(1);

    const other = await run.start({ settings: { paymentIntent: 'Authorize', linkOrderStatus: true } });
    const otherCharge = (await checkout(other, run.amazon)).amazonObjectIds[0];
    run.amazon.inject('captureCharge', { kind: 'error', status: 422, reasonCode: 'InvalidChargeStatus' });
    const st = await other.executeUpdate(setOrderStatus, { args: [{ status: 'Shipped', actor: editor }] });
    expect(st.error?.code).toBe('InvalidChargeStatus');
    const calls = run.amazon.count('captureCharge');
    await other.executeUpdate(amazonNotification, { args: [{ objectType: 'CHARGE', objectId: otherCharge, notificationId: 'rec-d' }] });
    await new Promise((r) => setTimeout(r, 500));
    expect(run.amazon.count('captureCharge')).toBe(calls);
    expect((await readState(other)).amounts.captured).toBe(0);
  });
});

test('the pre-payment rows cannot be read for a while: the notified capture waits for them, then the lost capture is found', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start({ settings: { paymentIntent: 'Authorize' } });
    const chargeId = (await checkout(handle, run.amazon)).amazonObjectIds[0];
    await lostCapture(run, handle, chargeId, 10_000, 'cap-e');
    const log = (run.prisma as unknown as { prePaymentLog: { findMany: (...a: unknown[]) => Promise<unknown> } }).prePaymentLog;
    const real = log.findMany;
    let failures = 0;
    log.findMany = async (...a: unknown[]) => {
      if (failures < 2) {
        failures += 1;
        throw new Error('the database is restarting');
      }
      return real(...a);
    };
    await handle.executeUpdate(amazonNotification, { args: [{ objectType: 'CHARGE', objectId: chargeId, notificationId: 'n-e', source: 'ipn', state: 'Captured' }] });
    const s = await settled(handle, (x) => x.paymentStatus === 'Captured');
    expect(failures).toBe(2);
    expect(s.history.filter((r) => r.kind === 'capture').map((r) => r.requestedBy?.name)).toEqual(['eve']);
    expect((await handle.executeUpdate(capture, { args: [{ amount: 10_000, requestId: 'cap-e', actor: editor }] })).paymentStatus).toBe('Captured');
    expect(run.amazon.captures()).toBe(1);
  });
});

test('the caller\'s retry of a refund a lost task sent in pieces sends the same pieces, even after the room on the charges grew', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start({ settings: { paymentIntent: 'Authorize' } });
    const { p0, p1 } = await lostRefundInPiecesThenRoomGrows(run, handle);
    // The retry comes before any notification of r1's pieces.
    const again = await handle.executeUpdate(refund, { args: [{ amount: 2_000, requestId: 'r1', actor: editor }] });
    expect(again.amazonObjectIds).toEqual([p0.refundId, p1.refundId]);
    expect(run.amazon.count('createRefund')).toBe(5);
  });
});

test('a lost approved refund is taken even when the approval was rejected before its notification came (Amazon refunded)', async () => {
  const run = newRun(h);
  const carol = { keyId: 'key-carol', name: 'carol', role: 'editor' };
  await run.withWorker(async () => {
    const handle = await run.start();
    const chargeId = (await checkout(handle, run.amazon)).amazonObjectIds[0];
    const asked = await handle.executeUpdate(refund, { args: [{ amount: 3_000, requestId: 'big-1', actor: editor, approval: { ttlMs: 3_600_000 } }] });
    const approvalId = (asked as unknown as { approval: { approvalId: string } }).approval.approvalId;
    const lost = await run.shopActivities.createRefund({
      orderId: orderIdOf(handle),
      chargeId,
      amount: 3_000,
      currency: 'JPY',
      key: { workflowId: handle.workflowId, action: 'refund', requestId: 'big-1', declineRetry: 0 },
      command: { kind: 'refund', requestId: 'big-1', amount: 3_000, pieces: [{ chargeId, amount: 3_000 }], actor: editor, approver, approvalId },
    });
    await handle.executeUpdate(rejectRefund, { args: [{ approvalId, actor: carol, reason: 'too much' }] });
    await handle.executeUpdate(amazonNotification, { args: [{ objectType: 'REFUND', objectId: lost.refundId, notificationId: 'n-a', source: 'ipn', state: 'RefundInitiated' }] });
    const s = await settled(handle, (x) => x.refunds.length === 1);
    expect(s.refunds.map((r) => r.refundId)).toEqual([lost.refundId]);
    const again = await handle.executeUpdate(approveRefund, { args: [{ approvalId, actor: approver }] });
    expect((again as unknown as { amazonObjectIds: string[] }).amazonObjectIds).toEqual([lost.refundId]);
  });
});

test('a lost refund is recovered while a later capture is pending: the rules for a new request do not refuse it', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start({ settings: { paymentIntent: 'Authorize' } });
    await checkout(handle, run.amazon);
    const c1 = (await handle.executeUpdate(capture, { args: [{ amount: 4_000, requestId: 'ship-1', actor: editor }] })).amazonObjectIds[0];
    const lost = await run.shopActivities.createRefund({
      orderId: orderIdOf(handle),
      chargeId: c1,
      amount: 1_000,
      currency: 'JPY',
      key: { workflowId: handle.workflowId, action: 'refund', requestId: 'r1', declineRetry: 0 },
      command: { kind: 'refund', requestId: 'r1', amount: 1_000, pieces: [{ chargeId: c1, amount: 1_000 }], actor: editor },
    });
    run.amazon.pendingCapture = true;
    await handle.executeUpdate(capture, { args: [{ amount: 6_000, requestId: 'ship-2', actor: editor }] });
    expect((await readState(handle)).paymentStatus).toBe('CapturePending');
    await handle.executeUpdate(amazonNotification, { args: [{ objectType: 'REFUND', objectId: lost.refundId, notificationId: 'n-r1', source: 'ipn', state: 'RefundInitiated' }] });
    const s = await settled(handle, (x) => x.refunds.length === 1);
    expect(s.refunds.map((r) => [r.refundId, r.requestId])).toEqual([[lost.refundId, 'r1']]);
    expect((await handle.executeUpdate(refund, { args: [{ amount: 1_000, requestId: 'r1', actor: editor }] })).amazonObjectIds).toEqual([lost.refundId]);
  });
});

test('a row naming a command that does not fit (pieces not a list, an unknown kind) is left out: nothing fails, nothing is sent', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start();
    await checkout(handle, run.amazon);
    const orderId = orderIdOf(handle);
    const row = (key: string, command: unknown) => run.prisma.prePayment.set(key, { shopId: DEFAULT_SHOP_ID, orderId, action: 'refund', idempotencyKey: key, status: 'pending', payload: { command } });
    row('bad-1', { kind: 'refund', requestId: 'bad', amount: 100, pieces: 'oops' });
    row('bad-2', { kind: 'reauthorize', requestId: 'zz', amount: 500 });
    row('bad-3', { kind: 'refund', requestId: 'sum', amount: 500, pieces: [{ chargeId: 'x', amount: 100 }] });
    row('bad-4', { kind: 'orderStatus', status: 'Lost' });
    const before = run.amazon.count('createRefund');
    await handle.executeUpdate(amazonNotification, { args: [{ objectType: 'CHARGE', objectId: (await readState(handle)).chargeIds[0], notificationId: 'nudge' }] });
    await new Promise((r) => setTimeout(r, 1_000));
    const failed = ((await handle.fetchHistory()).events ?? []).filter((e) => e.workflowTaskFailedEventAttributes);
    expect(failed).toEqual([]);
    expect(run.amazon.count('createRefund')).toBe(before);
    expect((await readState(handle)).refunds).toEqual([]);
  });
});
