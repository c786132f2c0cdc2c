// Retries and order-status linkage: soft decline retried with a fresh key, hard decline not, a committed capture whose answer was lost, transient errors, docs/product-rules.md, Order status linkage rows.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { capture, setOrderStatus, state } from '../../workflows/messages';
import { harnessForFile, newRun } from './support/harness';
import { checkout } from './support/checkout';

const h = harnessForFile(120_000);

test('a soft decline on capture is retried (fresh key, new charge) and then succeeds', async () => {
  const run = newRun(h);
  run.amazon.inject('captureCharge', { kind: 'error', status: 422, reasonCode: 'SoftDeclined' });
  await run.withWorker(async () => {
    const handle = await run.start({ settings: { paymentIntent: 'Authorize' }, timings: { declineRetryBackoffMs: [200] } });
    await checkout(handle, run.amazon);
    const r = await handle.executeUpdate(capture, { args: [{ amount: 10_000, requestId: 'c' }] });
    expect(r.paymentStatus).toBe('Captured');
    expect(run.amazon.captures()).toBe(1);
    const s = await handle.query(state);
    expect(s.history.filter((x) => x.kind === 'capture').map((x) => x.result)).toEqual(['SoftDeclined', 'OK']);
    const keys = run.amazon.calls.filter((c) => c.op === 'captureCharge' || c.op === 'createCharge').map((c) => c.key);
    expect(new Set(keys).size).toBe(2);
  });
});

test('a hard decline at checkout is not retried: Declined, and the workflow ends', async () => {
  const run = newRun(h);
  run.amazon.inject('completeCheckoutSession', { kind: 'error', status: 422, reasonCode: 'HardDeclined' });
  await run.withWorker(async () => {
    const handle = await run.start();
    const err = await checkout(handle, run.amazon).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    const cause = (err as WorkflowUpdateFailedError).cause as { type?: string; details?: unknown[] };
    expect(cause.type).toBe('HardDeclined');
    expect(cause.details?.[0]).toMatchObject({ buyerMessage: { ja: 'お支払い方法は拒否されました。別の支払い方法を選択してもう一度お試しください。' } });
    expect(run.amazon.count('completeCheckoutSession')).toBe(1);
    expect(await handle.result()).toMatchObject({ paymentStatus: 'Declined' });
    const pre = [...run.prisma.prePayment.values()];
    expect(pre[0]).toMatchObject({ action: 'complete', status: 'failed', resultCode: 'HardDeclined' });
  });
});

test('Amazon commits a capture but the answer is lost: the retry replays it with the same key, one capture in the ledger', async () => {
  const run = newRun(h);
  run.amazon.inject('captureCharge', { kind: 'commitThenDrop' });
  await run.withWorker(async () => {
    const handle = await run.start({ settings: { paymentIntent: 'Authorize' } });
    await checkout(handle, run.amazon);
    const r = await handle.executeUpdate(capture, { args: [{ amount: 10_000, requestId: 'drop' }] });
    expect(r.paymentStatus).toBe('Captured');
    const calls = run.amazon.calls.filter((c) => c.op === 'captureCharge');
    expect(calls).toHaveLength(2);
    expect(calls[0].key).toBe(calls[1].key);
    expect(run.amazon.captures()).toBe(1);
    expect(run.amazon.ledger).toHaveLength(1);
    expect([...run.prisma.prePayment.values()].filter((p) => p.action === 'capture')).toEqual([expect.objectContaining({ status: 'succeeded' })]);
  });
});

test('transient errors (503, throttling, network) are retried by the activity with backoff', async () => {
  const run = newRun(h);
  run.amazon.inject('completeCheckoutSession', { kind: 'error', status: 503, reasonCode: 'ServiceUnavailable' }, { kind: 'error', status: 429, reasonCode: 'TooManyRequests' }, { kind: 'network' });
  await run.withWorker(async () => {
    const handle = await run.start();
    const r = await checkout(handle, run.amazon);
    expect(r.paymentStatus).toBe('Captured');
    const keys = run.amazon.calls.filter((c) => c.op === 'completeCheckoutSession').map((c) => c.key);
    expect(keys).toHaveLength(4);
    expect(new Set(keys).size).toBe(1);
  });
});

describe('order-status linkage (docs/product-rules.md, Order status linkage)', () => {
  test('Authorize + linkage: new and backordered do nothing, shipped captures in full, later changes do nothing', async () => {
    const run = newRun(h);
    await run.withWorker(async () => {
      const handle = await run.start({ settings: { paymentIntent: 'Authorize', linkOrderStatus: true } });
      await checkout(handle, run.amazon);
      expect(await handle.executeUpdate(setOrderStatus, { args: [{ status: 'New' }] })).toMatchObject({ paymentAction: 'none', paymentStatus: 'Authorized' });
      expect(await handle.executeUpdate(setOrderStatus, { args: [{ status: 'Backordered' }] })).toMatchObject({ paymentAction: 'none', paymentStatus: 'Authorized' });
      expect(await handle.executeUpdate(setOrderStatus, { args: [{ status: 'Shipped' }] })).toMatchObject({ paymentAction: 'capture', paymentStatus: 'Captured' });
      expect(run.amazon.captures()).toBe(1);
      expect(await handle.executeUpdate(setOrderStatus, { args: [{ status: 'Cancelled' }] })).toMatchObject({ paymentAction: 'none', paymentStatus: 'Captured' });
      expect(run.amazon.count('cancelCharge')).toBe(0);
      const s = await handle.query(state);
      expect(s.orderStatus).toBe('Cancelled');
      expect(run.prisma.orders.get(s.orderId)).toMatchObject({ orderStatus: 'Cancelled' });
    });
  });

  test('Authorize + linkage: cancelled cancels the authorization', async () => {
    const run = newRun(h);
    await run.withWorker(async () => {
      const handle = await run.start({ settings: { paymentIntent: 'Authorize', linkOrderStatus: true } });
      await checkout(handle, run.amazon);
      expect(await handle.executeUpdate(setOrderStatus, { args: [{ status: 'Cancelled' }] })).toMatchObject({ paymentAction: 'cancel', paymentStatus: 'Canceled' });
      expect(run.amazon.count('cancelCharge')).toBe(1);
    });
  });

  test.each([
    ['AuthorizeWithCapture', { paymentIntent: 'AuthorizeWithCapture' as const, linkOrderStatus: true }],
    ['linkage off', { paymentIntent: 'Authorize' as const, linkOrderStatus: false }],
    ['recurring', { paymentIntent: 'Authorize' as const, linkOrderStatus: true, recurring: true }],
  ])('%s: shipped and cancelled trigger nothing', async (_name, settings) => {
    const run = newRun(h);
    await run.withWorker(async () => {
      const handle = await run.start({ settings });
      await checkout(handle, run.amazon);
      const before = run.amazon.calls.length;
      expect(await handle.executeUpdate(setOrderStatus, { args: [{ status: 'Shipped' }] })).toMatchObject({ paymentAction: 'none' });
      expect(run.amazon.calls.length).toBe(before);
    });
  });
});
