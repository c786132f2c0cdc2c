// orderPayment on the time-skipping server: both intents, captures (partial, split shipments, over the limit), cancel, refunds to and past the cap, duplicates, validators.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { capture, cancel, refund, state } from '../../workflows/messages';
import { harnessForFile, newRun } from './support/harness';
import { checkout } from './support/checkout';

const h = harnessForFile(120_000);

async function updateError(p: Promise<unknown>): Promise<{ type?: string; message: string }> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    const cause = (err as WorkflowUpdateFailedError).cause as { type?: string; message: string };
    return { type: cause.type, message: cause.message };
  }
  throw new Error('expected the update to fail');
}

test('AuthorizeWithCapture (default): checkout captures at once; history, order row, pre-payment log and search attributes follow', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start();
    const done = await checkout(handle, run.amazon);
    expect(done.paymentStatus).toBe('Captured');
    expect(done.captured).toBe(10_000);
    const s = await handle.query(state);
    expect(s.history.map((r) => [r.kind, r.result, r.amount])).toEqual([
      ['authorize', 'OK', 10_000],
      ['capture', 'OK', 10_000],
    ]);
    expect(run.amazon.captures()).toBe(1);
    const order = run.prisma.orders.get(s.orderId);
    expect(order).toMatchObject({ paymentStatus: 'Captured', capturedAmount: 10_000, workflowId: `order-${s.orderId}` });
    expect(run.prisma.history.map((r) => r.kind)).toEqual(['authorize', 'capture']);
    const pre = [...run.prisma.prePayment.values()];
    expect(pre).toHaveLength(1);
    expect(pre[0]).toMatchObject({ action: 'complete', status: 'succeeded', resultCode: 'OK', amount: 10_000 });
    const desc = await handle.describe();
    expect(desc.typedSearchAttributes.get({ name: 'PaymentStatus', type: 'KEYWORD' } as never)).toBe('Captured');
  });
});

test('Authorize: partial capture, then a split-shipment capture on a new charge, then one over the limit is recorded', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start({ settings: { paymentIntent: 'Authorize' } });
    const done = await checkout(handle, run.amazon);
    expect(done.paymentStatus).toBe('Authorized');
    expect((await handle.query(state)).authorizationExpiresAt).toBeDefined();

    const first = await handle.executeUpdate(capture, { args: [{ amount: 6_000, requestId: 'ship-1' }] });
    expect(first).toMatchObject({ paymentStatus: 'Captured', captured: 6_000 });
    expect(run.amazon.count('captureCharge')).toBe(1);

    const second = await handle.executeUpdate(capture, { args: [{ amount: 4_000, requestId: 'ship-2' }] });
    expect(second).toMatchObject({ paymentStatus: 'Captured', captured: 10_000 });
    expect(run.amazon.count('createCharge')).toBe(1);
    expect(second.amazonObjectIds[0]).not.toBe(first.amazonObjectIds[0]);
    expect(run.amazon.ledger.filter((l) => l.kind === 'capture').map((l) => l.amount)).toEqual([6_000, 4_000]);

    const s = await handle.query(state);
    expect(s.amounts).toMatchObject({ authorized: 10_000, captured: 10_000, capturable: 0 });
    expect(s.charges).toHaveLength(2);
    const over = await updateError(handle.executeUpdate(capture, { args: [{ amount: 1, requestId: 'ship-3' }] }));
    expect(over.type).toBe('InvalidState');
  });
});

test('Authorize: capturing more than authorized fails with TransactionAmountExceeded and is recorded in the history', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start({ settings: { paymentIntent: 'Authorize' }, amount: { amount: 1_199, currency: 'JPY' } });
    await checkout(handle, run.amazon);
    const err = await updateError(handle.executeUpdate(capture, { args: [{ amount: 1_200, requestId: 'too-much' }] }));
    expect(err.type).toBe('TransactionAmountExceeded');
    const s = await handle.query(state);
    expect(s.paymentStatus).toBe('Authorized');
    const row = s.history[s.history.length - 1];
    expect(row).toMatchObject({ kind: 'capture', amount: 1_200, result: 'TransactionAmountExceeded', message: '最高取引金額を超えています。' });
    expect(run.amazon.captures()).toBe(0);
    // The same requestId returns the first (failed) result and does not act again.
    const again = await updateError(handle.executeUpdate(capture, { args: [{ amount: 1_200, requestId: 'too-much' }] }));
    expect(again.type).toBe('TransactionAmountExceeded');
    expect((await handle.query(state)).history).toHaveLength(s.history.length);
    await handle.executeUpdate(capture, { args: [{ amount: 1_199, requestId: 'right' }] });
    expect(run.amazon.captures()).toBe(1);
  });
});

test('a duplicate requestId returns the first result and never captures twice, even when sent concurrently', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start({ settings: { paymentIntent: 'Authorize' } });
    await checkout(handle, run.amazon);
    const [a, b] = await Promise.all([
      handle.executeUpdate(capture, { args: [{ amount: 3_000, requestId: 'dup' }] }),
      handle.executeUpdate(capture, { args: [{ amount: 3_000, requestId: 'dup' }] }),
    ]);
    const c = await handle.executeUpdate(capture, { args: [{ amount: 3_000, requestId: 'dup' }] });
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(run.amazon.captures()).toBe(1);
    expect((await handle.query(state)).amounts.captured).toBe(3_000);
  });
});

test('validators reject a wrong request before it touches history', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start({ settings: { paymentIntent: 'Authorize' } });
    expect((await updateError(handle.executeUpdate(capture, { args: [{ amount: 100, requestId: 'early' }] }))).type).toBe('InvalidState');
    await checkout(handle, run.amazon);
    const accepted = async () => ((await handle.fetchHistory()).events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length;
    const before = await accepted();
    const rows = (await handle.query(state)).history.length;
    expect((await updateError(handle.executeUpdate(capture, { args: [{ amount: 0, requestId: 'zero' }] }))).type).toBe('InvalidArgument');
    expect((await updateError(handle.executeUpdate(capture, { args: [{ amount: 1.5, requestId: 'float' }] }))).type).toBe('InvalidArgument');
    expect((await updateError(handle.executeUpdate(refund, { args: [{ amount: 100, requestId: 'r' }] }))).type).toBe('InvalidState');
    expect((await updateError(handle.executeUpdate(capture, { args: [{ amount: 100, requestId: '' }] }))).type).toBe('InvalidArgument');
    // Workflow tasks ran the validators, but no update was accepted and no payment history row was written.
    expect(await accepted()).toBe(before);
    expect((await handle.query(state)).history).toHaveLength(rows);
  });
});

test('cancel an authorization: Canceled, and the workflow ends', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start({ settings: { paymentIntent: 'Authorize' } });
    await checkout(handle, run.amazon);
    const r = await handle.executeUpdate(cancel, { args: [{ reason: 'MerchantCanceled', requestId: 'c1' }] });
    expect(r.paymentStatus).toBe('Canceled');
    expect(await handle.result()).toMatchObject({ paymentStatus: 'Canceled', captured: 0 });
    expect(run.amazon.count('cancelCharge')).toBe(1);
    expect([...run.prisma.prePayment.values()].map((p) => p.action)).toEqual(['complete', 'cancel']);
  });
});

test('repeated refunds up to the cap (captured + min(15%, 8400 JPY)) succeed, one yen more fails and is recorded', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start();
    await checkout(handle, run.amazon); // 10,000 JPY captured → cap 11,500
    const r1 = await handle.executeUpdate(refund, { args: [{ amount: 5_000, requestId: 'r1' }] });
    expect(r1.paymentStatus).toBe('RefundPending');
    await handle.executeUpdate(refund, { args: [{ amount: 5_000, requestId: 'r2' }] });
    await handle.executeUpdate(refund, { args: [{ amount: 1_500, requestId: 'r3' }] });
    const err = await updateError(handle.executeUpdate(refund, { args: [{ amount: 1, requestId: 'r4' }] }));
    expect(err.type).toBe('TransactionAmountExceeded');
    const s = await handle.query(state);
    expect(s.history[s.history.length - 1]).toMatchObject({ kind: 'refund_started', result: 'TransactionAmountExceeded', message: '取引の返金処理に最高金額を超えています。' });
    expect(s.amounts.refundPending).toBe(11_500);
    expect(run.amazon.count('createRefund')).toBe(3);
  });
});

test('USD refund cap is captured + 75 USD when 15% is more (1,000 USD allows 1,075)', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start({ amount: { amount: 100_000, currency: 'USD' } });
    await checkout(handle, run.amazon);
    expect((await handle.query(state)).amounts.refundable).toBe(107_500);
    await handle.executeUpdate(refund, { args: [{ amount: 107_500, requestId: 'all' }] });
    expect((await updateError(handle.executeUpdate(refund, { args: [{ amount: 1, requestId: 'more' }] }))).type).toBe('TransactionAmountExceeded');
  });
});
