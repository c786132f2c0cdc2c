// Scratch review tests (not part of the repo).
import { ApplicationFailure } from '@temporalio/common';
import { type WorkflowHandle } from '@temporalio/client';
import { amazonNotification, approveRefund, capture, checkoutCompleted, checkoutConfirmed, checkoutReviewed, refund, rejectRefund, state } from '../../workflows/messages';
import { DEFAULT_SHOP_ID } from '../../lib/names';
import { harnessForFile, newRun, type Run } from './support/harness';
import { checkout } from './support/checkout';

const h = harnessForFile(120_000);
const editor = { keyId: 'key-eve', name: 'eve', role: 'editor' };
const approver = { keyId: 'key-bob', name: 'bob', role: 'editor' };
const carol = { keyId: 'key-carol', name: 'carol', role: 'editor' };
const readState = (handle: WorkflowHandle) => handle.query(state);
const orderIdOf = (handle: WorkflowHandle) => handle.workflowId.replace(/^order-/, '');
async function settled(handle: WorkflowHandle, done: (s: Awaited<ReturnType<typeof readState>>) => boolean, n = 50) {
  for (let i = 0; i < n; i++) {
    const s = await readState(handle);
    if (done(s)) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  return readState(handle);
}
async function lostCompletion(run: Run, handle: WorkflowHandle) {
  const sessionId = run.amazon.addSession(undefined, { orderId: orderIdOf(handle) });
  await handle.executeUpdate(checkoutReviewed, { args: [{ checkoutSessionId: sessionId }] });
  await handle.executeUpdate(checkoutConfirmed, { args: [{ checkoutResultReturnUrl: 'https://shop.example/result' }] });
  return run.shopActivities.completeCheckoutSession({
    orderId: orderIdOf(handle), checkoutSessionId: sessionId, amount: 10_000, currency: 'JPY',
    key: { workflowId: handle.workflowId, action: 'complete', requestId: `${sessionId}/0`, declineRetry: 0 },
    readCharge: true, command: { kind: 'complete', checkoutSessionId: sessionId },
  });
}
const amazonRefunds = (run: Run) => [...((run.amazon as unknown as { refunds: Map<string, { refundId: string; chargeId: string; refundAmount: { amount: string }; statusDetails: { state: string } }> }).refunds.values())];

test('T4 failed read at checkout expiry: the completed checkout is abandoned', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start({ settings: { paymentIntent: 'Authorize' }, timings: { checkoutSessionMs: 60_000 } });
    const session = await lostCompletion(run, handle);
    const log = (run.prisma as unknown as { prePaymentLog: { findMany: (...a: unknown[]) => Promise<unknown> } }).prePaymentLog;
    log.findMany = async () => { throw ApplicationFailure.nonRetryable('db down (stands for the half-hour retry running out)'); };
    await h.env.sleep('2 minutes');
    const s = await settled(handle, (x) => x.paymentStatus !== 'CheckoutPending');
    console.log('T4', s.paymentStatus, 'amazon charge', session.chargeId, 'order charges', s.chargeIds);
    expect(s.paymentStatus).toBe('Abandoned');
  });
});

test('T7 a completion that failed and was answered: the expiring checkout completes it anew', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start({ settings: { paymentIntent: 'Authorize' }, timings: { checkoutSessionMs: 60_000 } });
    const sessionId = run.amazon.addSession(undefined, { orderId: orderIdOf(handle) });
    await handle.executeUpdate(checkoutReviewed, { args: [{ checkoutSessionId: sessionId }] });
    await handle.executeUpdate(checkoutConfirmed, { args: [{ checkoutResultReturnUrl: 'https://shop.example/result' }] });
    run.amazon.inject('completeCheckoutSession', { kind: 'error', status: 422, reasonCode: 'InvalidCheckoutSessionStatus' });
    const first = await handle.executeUpdate(checkoutCompleted, { args: [{}] }).then((v) => ['ok', v], (e) => ['failed', String(e?.cause?.type ?? e)]);
    console.log('T7 buyer completion answered', first[0], first[1]);
    await h.env.sleep('2 minutes');
    const s = await settled(handle, (x) => x.paymentStatus !== 'CheckoutPending');
    console.log('T7', s.paymentStatus, 'completeCheckoutSession calls', run.amazon.count('completeCheckoutSession'));
    expect(s.paymentStatus).toBe('Authorized');
  });
});

test('T1 retry of a lost refund in pieces before any notification, after the room changed: refunded twice', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start({ settings: { paymentIntent: 'Authorize' } });
    await checkout(handle, run.amazon);
    const c1 = (await handle.executeUpdate(capture, { args: [{ amount: 4_000, requestId: 'ship-1', actor: editor }] })).amazonObjectIds[0];
    const c2 = (await handle.executeUpdate(capture, { args: [{ amount: 6_000, requestId: 'ship-2', actor: editor }] })).amazonObjectIds[0];
    const r0 = await handle.executeUpdate(refund, { args: [{ amount: 4_000, requestId: 'r0', actor: editor }] });
    const command = { kind: 'refund' as const, requestId: 'r1', amount: 2_000, pieces: [{ chargeId: c1, amount: 600 }, { chargeId: c2, amount: 1_400 }], actor: editor };
    const piece = (chargeId: string, amount: number, requestId: string) =>
      run.shopActivities.createRefund({ orderId: orderIdOf(handle), chargeId, amount, currency: 'JPY', key: { workflowId: handle.workflowId, action: 'refund', requestId, declineRetry: 0 }, command });
    await piece(c1, 600, 'r1#0');
    await piece(c2, 1_400, 'r1#1');
    run.amazon.resolveRefund(r0.amazonObjectIds[0], 'Declined');
    await handle.executeUpdate(amazonNotification, { args: [{ objectType: 'REFUND', objectId: r0.amazonObjectIds[0], notificationId: 'n-r0', source: 'ipn', state: 'Declined' }] });
    await settled(handle, (x) => x.refunds.find((r) => r.refundId === r0.amazonObjectIds[0])?.state === 'Declined');
    // The caller retries r1 before Amazon's notifications of its pieces arrive.
    const again = await handle.executeUpdate(refund, { args: [{ amount: 2_000, requestId: 'r1', actor: editor }] });
    const r1AtAmazon = amazonRefunds(run).filter((r) => r.refundId !== r0.amazonObjectIds[0]).map((r) => [r.chargeId === c1 ? 'c1' : 'c2', r.refundAmount.amount]);
    console.log('T1 answered', again.amazonObjectIds, 'amazon refunds other than r0', JSON.stringify(r1AtAmazon));
    expect(r1AtAmazon.length).toBe(3);
  });
});

test('T2 an approval rejected before the recovery: the lost approved refund is never taken', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start();
    const chargeId = (await checkout(handle, run.amazon)).amazonObjectIds[0];
    const asked = await handle.executeUpdate(refund, { args: [{ amount: 3_000, requestId: 'big-1', actor: editor, approval: { ttlMs: 3_600_000 } }] });
    const approvalId = (asked as unknown as { approval: { approvalId: string } }).approval.approvalId;
    const lost = await run.shopActivities.createRefund({
      orderId: orderIdOf(handle), chargeId, amount: 3_000, currency: 'JPY',
      key: { workflowId: handle.workflowId, action: 'refund', requestId: 'big-1', declineRetry: 0 },
      command: { kind: 'refund', requestId: 'big-1', amount: 3_000, pieces: [{ chargeId, amount: 3_000 }], actor: editor, approver, approvalId },
    });
    await handle.executeUpdate(rejectRefund, { args: [{ approvalId, actor: carol, reason: 'too much' }] });
    await handle.executeUpdate(amazonNotification, { args: [{ objectType: 'REFUND', objectId: lost.refundId, notificationId: 'n-a', source: 'ipn', state: 'RefundInitiated' }] });
    await new Promise((r) => setTimeout(r, 1500));
    const s = await readState(handle);
    const retry = await handle.executeUpdate(approveRefund, { args: [{ approvalId, actor: approver }] }).then((v) => ['ok', JSON.stringify(v)], (e) => ['refused', String(e?.cause?.type)]);
    console.log('T2 order refunds', s.refunds.length, 'refunded', s.amounts.refunded, 'amazon refunds', amazonRefunds(run).length, 'approver retry', retry);
    expect(s.refunds.length).toBe(0);
  });
});

test('T3 a lost refund recovered while a later capture is pending: refused, the retry answered with the refusal', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start({ settings: { paymentIntent: 'Authorize' } });
    await checkout(handle, run.amazon);
    const c1 = (await handle.executeUpdate(capture, { args: [{ amount: 4_000, requestId: 'ship-1', actor: editor }] })).amazonObjectIds[0];
    const lost = await run.shopActivities.createRefund({
      orderId: orderIdOf(handle), chargeId: c1, amount: 1_000, currency: 'JPY',
      key: { workflowId: handle.workflowId, action: 'refund', requestId: 'r1', declineRetry: 0 },
      command: { kind: 'refund', requestId: 'r1', amount: 1_000, pieces: [{ chargeId: c1, amount: 1_000 }], actor: editor },
    });
    run.amazon.pendingCapture = true;
    await handle.executeUpdate(capture, { args: [{ amount: 6_000, requestId: 'ship-2', actor: editor }] });
    console.log('T3 status before notification', (await readState(handle)).paymentStatus);
    await handle.executeUpdate(amazonNotification, { args: [{ objectType: 'REFUND', objectId: lost.refundId, notificationId: 'n-r1', source: 'ipn', state: 'RefundInitiated' }] });
    await new Promise((r) => setTimeout(r, 1500));
    const s = await readState(handle);
    const retry = await handle.executeUpdate(refund, { args: [{ amount: 1_000, requestId: 'r1', actor: editor }] }).then((v) => ['ok', v.amazonObjectIds], (e) => ['refused', String(e?.cause?.type), String(e?.cause?.message)]);
    console.log('T3 order refunds', s.refunds.length, 'amazon refunds', amazonRefunds(run).length, 'retry', JSON.stringify(retry));
    expect(s.refunds.length).toBe(0);
  });
});

test('T5/T6 row payloads: pieces not a list fails the task; an unknown kind is run as a refund', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const a = await run.start();
    await checkout(a, run.amazon);
    run.prisma.prePayment.set('bad-1', { shopId: DEFAULT_SHOP_ID, orderId: orderIdOf(a), action: 'refund', idempotencyKey: 'bad-1', status: 'pending', payload: { command: { kind: 'refund', requestId: 'bad', amount: 100, pieces: 'oops' } } } as never);
    await a.executeUpdate(amazonNotification, { args: [{ objectType: 'CHARGE', objectId: (await readState(a)).chargeIds[0], notificationId: 'nudge-a' }] });
    await new Promise((r) => setTimeout(r, 3000));
    const hist = await a.fetchHistory();
    const failed = (hist.events ?? []).filter((e) => e.workflowTaskFailedEventAttributes);
    console.log('T5 workflow task failures', failed.length, failed[0]?.workflowTaskFailedEventAttributes?.failure?.message);

    const b = await run.start();
    await checkout(b, run.amazon);
    const before = run.amazon.count('createRefund');
    run.prisma.prePayment.set('bad-2', { shopId: DEFAULT_SHOP_ID, orderId: orderIdOf(b), action: 'reauthorize', idempotencyKey: 'bad-2', status: 'pending', payload: { command: { kind: 'reauthorize', requestId: 'zz', amount: 500 } } } as never);
    await b.executeUpdate(amazonNotification, { args: [{ objectType: 'CHARGE', objectId: (await readState(b)).chargeIds[0], notificationId: 'nudge-b' }] });
    const s = await settled(b, (x) => x.refunds.length > 0, 30);
    console.log('T6 createRefund calls', run.amazon.count('createRefund') - before, 'order refunds', JSON.stringify(s.refunds.map((r) => [r.amount, r.requestId])));
    expect(failed.length).toBeGreaterThan(0);
  });
});
