// Pending states left by an Amazon notification (the amazonNotification update). No time is skipped here: the Java test
// server stopped skipping time after notifications in earlier tests, so polling is tested in order-payment-waits.
import { amazonNotification, capture, refund, state } from '../../workflows/messages';
import type { WorkflowHandle } from '@temporalio/client';
import { harnessForFile, newRun } from './support/harness';
import { checkout } from './support/checkout';

const h = harnessForFile(120_000);

/** Updates the order's history holds (a refused update leaves none). */
async function acceptedUpdates(handle: WorkflowHandle): Promise<number> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length;
}

test('a pending authorization is left by an Amazon notification', async () => {
  const run = newRun(h);
  run.amazon.pendingAuthorization = true;
  await run.withWorker(async () => {
    const handle = await run.start({ settings: { paymentIntent: 'Authorize', canHandlePendingAuthorization: true } });
    const done = await checkout(handle, run.amazon);
    expect(done.paymentStatus).toBe('AuthorizationPending');
    run.amazon.resolveCharge(done.amazonObjectIds[0], 'Authorized');
    const n = await handle.executeUpdate(amazonNotification, { args: [{ objectType: 'CHARGE', objectId: done.amazonObjectIds[0], notificationId: 'n-1' }] });
    expect(n.accepted).toBe(true);
    // The same notification again changes nothing: refused by the update's validator, it leaves no event in history.
    await expect(handle.executeUpdate(amazonNotification, { args: [{ objectType: 'CHARGE', objectId: done.amazonObjectIds[0], notificationId: 'n-1' }] })).rejects.toMatchObject({ cause: { type: 'InvalidState', message: 'the notification was delivered before' } });
    // The notification is re-read in the workflow's loop, right after the update answered.
    for (let i = 0; i < 50 && (await handle.query(state)).paymentStatus !== 'Authorized'; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await handle.query(state)).paymentStatus).toBe('Authorized');
    expect(run.amazon.count('getCharge')).toBe(2);
  });
});


test('a pending capture and a pending refund are left by notifications', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start({ settings: { paymentIntent: 'Authorize' } });
    await checkout(handle, run.amazon);
    run.amazon.pendingCapture = true;
    const c = await handle.executeUpdate(capture, { args: [{ amount: 10_000, requestId: 'late' }] });
    expect(c.paymentStatus).toBe('CapturePending');
    expect((await handle.query(state)).amounts.capturePending).toBe(10_000);
    run.amazon.resolveCharge(c.amazonObjectIds[0], 'Captured');
    await handle.executeUpdate(amazonNotification, { args: [{ objectType: 'CHARGE', objectId: c.amazonObjectIds[0] }] });
    for (let i = 0; i < 50 && (await handle.query(state)).paymentStatus !== 'Captured'; i++) await new Promise((res) => setTimeout(res, 100));
    expect((await handle.query(state))).toMatchObject({ paymentStatus: 'Captured', amounts: { captured: 10_000, capturePending: 0 } });

    const r = await handle.executeUpdate(refund, { args: [{ amount: 2_000, requestId: 'r1' }] });
    expect(r.paymentStatus).toBe('RefundPending');
    run.amazon.resolveRefund(r.amazonObjectIds[0], 'Refunded');
    await handle.executeUpdate(amazonNotification, { args: [{ objectType: 'REFUND', objectId: r.amazonObjectIds[0] }] });
    for (let i = 0; i < 50 && (await handle.query(state)).paymentStatus !== 'Refunded'; i++) await new Promise((res) => setTimeout(res, 100));
    const s = await handle.query(state);
    expect(s).toMatchObject({ paymentStatus: 'Refunded', amounts: { refunded: 2_000, refundPending: 0 } });
    expect(s.history.filter((x) => x.kind.startsWith('refund')).map((x) => [x.kind, x.result])).toEqual([
      ['refund_started', 'OK'],
      ['refund', 'OK'],
    ]);
  });
});


test('many refunds: the workflow continues as new with its state, and a repeated requestId still returns the first result', async () => {
  const run = newRun(h);
  run.amazon.refundsSettleImmediately = true;
  await run.withWorker(async () => {
    const handle = await run.start({ timings: { continueAsNewAfterEvents: 60 } });
    await checkout(handle, run.amazon);
    const firstRun = (await handle.describe()).runId;
    const first = await handle.executeUpdate(refund, { args: [{ amount: 100, requestId: 'r0' }] });
    for (let i = 1; i < 8; i++) await handle.executeUpdate(refund, { args: [{ amount: 100, requestId: `r${i}` }] });
    expect((await handle.describe()).runId).not.toBe(firstRun);
    const s = await handle.query(state);
    expect(s.amounts.refunded).toBe(800);
    expect(s.paymentStatus).toBe('Refunded');
    expect(s.history.filter((r) => r.kind === 'refund').length).toBe(8);
    expect(await handle.executeUpdate(refund, { args: [{ amount: 100, requestId: 'r0' }] })).toEqual(first);
    expect(run.amazon.count('createRefund')).toBe(8);
  });
});

test('a notification that outruns the response of the call that made the object is re-read once that call has finished', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start({ settings: { paymentIntent: 'AuthorizeWithCapture' } });
    await checkout(handle, run.amazon);
    const answers: boolean[] = [];
    run.amazon.beforeResponse = async (op, value) => {
      if (op !== 'createRefund') return;
      // Amazon settles the refund and notifies while createRefund's response is still on its way to the worker.
      const refundId = (value as { refundId: string }).refundId;
      run.amazon.resolveRefund(refundId, 'Refunded');
      const n = await handle.executeUpdate(amazonNotification, { args: [{ objectType: 'REFUND', objectId: refundId, notificationId: 'early', source: 'ipn', state: 'Refunded' }] });
      answers.push(n.accepted);
    };
    const r = await handle.executeUpdate(refund, { args: [{ amount: 1_000, requestId: 'r-early' }] });
    run.amazon.beforeResponse = undefined;
    expect(answers).toEqual([true]);
    expect(r.paymentStatus).toBe('RefundPending');
    // No poll is due for 30 s: only the deferred re-read can settle it now.
    for (let i = 0; i < 50 && (await handle.query(state)).paymentStatus !== 'Refunded'; i++) await new Promise((res) => setTimeout(res, 100));
    expect((await handle.query(state))).toMatchObject({ paymentStatus: 'Refunded', amounts: { refunded: 1_000, refundPending: 0 } });
    expect(run.amazon.count('getRefund')).toBe(1);

    // A later IPN whose re-read state the workflow already holds is not read again: refused, it leaves no history.
    const updatesBefore = await acceptedUpdates(handle);
    await expect(handle.executeUpdate(amazonNotification, { args: [{ objectType: 'REFUND', objectId: r.amazonObjectIds[0], notificationId: 'late', source: 'ipn', state: 'Refunded' }] })).rejects.toMatchObject({ cause: { type: 'InvalidState', message: 'the order holds this state already' } });
    await new Promise((res) => setTimeout(res, 300));
    expect(run.amazon.count('getRefund')).toBe(1);
    expect(await acceptedUpdates(handle)).toBe(updatesBefore);
  });
});

test("a settled refund the webhook re-read is applied as it is; a summary that is not the notified refund's is read again", async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start({ settings: { paymentIntent: 'AuthorizeWithCapture' } });
    const chargeId = (await checkout(handle, run.amazon)).amazonObjectIds[0];
    const r1 = await handle.executeUpdate(refund, { args: [{ amount: 1_000, requestId: 'r1' }] });
    const r2 = await handle.executeUpdate(refund, { args: [{ amount: 500, requestId: 'r2' }] });
    expect(r2.paymentStatus).toBe('RefundPending');
    const [id1, id2] = [r1.amazonObjectIds[0], r2.amazonObjectIds[0]];
    run.amazon.resolveRefund(id1, 'Refunded');
    const reads = run.amazon.count('getRefund');
    const summary = (refundId: string, amount: number) => ({ refundId, chargeId, state: 'Refunded', amount, currency: 'JPY' });
    // The webhook's re-read of refund 1 travels with its notification: no second read.
    await handle.executeUpdate(amazonNotification, { args: [{ objectType: 'REFUND', objectId: id1, notificationId: 'ipn-1', source: 'ipn', state: 'Refunded', refund: summary(id1, 1_000) }] });
    for (let i = 0; i < 50 && (await handle.query(state)).amounts.refunded !== 1_000; i++) await new Promise((res) => setTimeout(res, 100));
    expect((await handle.query(state)).amounts).toMatchObject({ refunded: 1_000, refundPending: 500 });
    expect(run.amazon.count('getRefund')).toBe(reads);
    // A notification about refund 2 carrying refund 1's summary (a confused or hostile sender) is not believed: refund 2 is read.
    await handle.executeUpdate(amazonNotification, { args: [{ objectType: 'REFUND', objectId: id2, notificationId: 'ipn-2', source: 'ipn', state: 'Refunded', refund: summary(id1, 1_000) }] });
    for (let i = 0; i < 50 && run.amazon.count('getRefund') === reads; i++) await new Promise((res) => setTimeout(res, 100));
    expect(run.amazon.count('getRefund')).toBe(reads + 1);
    expect((await handle.query(state)).amounts).toMatchObject({ refunded: 1_000, refundPending: 500 });
    // A summary whose amount no refund can have (zero, beyond Amazon's maximum) is refused by the one amount rule.
    for (const amount of [0, 10 ** 12]) {
      await expect(handle.executeUpdate(amazonNotification, { args: [{ objectType: 'REFUND', objectId: id2, notificationId: `ipn-amount-${amount}`, source: 'ipn', state: 'Refunded', refund: summary(id2, amount) }] })).rejects.toMatchObject({ cause: { type: 'InvalidArgument' } });
    }
    // A summary in another currency than the order's is refused outright.
    await expect(handle.executeUpdate(amazonNotification, { args: [{ objectType: 'REFUND', objectId: id2, notificationId: 'ipn-3', source: 'ipn', state: 'Refunded', refund: { ...summary(id2, 500), currency: 'USD' } }] })).rejects.toMatchObject({ cause: { type: 'OrderCurrencyMismatch' } });
  });
});
