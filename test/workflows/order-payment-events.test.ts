// docs/events.md: an order's workflow emits one event per payment change, written with the projection, numbered per
// order without gaps, never twice: not when every workflow task replays the whole history, not when a write is retried.
import { amazonNotification, capture, setOrderStatus as orderStatus, refund, state } from '../../workflows/messages';
import type { WorkflowHandle } from '@temporalio/client';
import { harnessForFile, newRun, type Run } from './support/harness';
import { checkout } from './support/checkout';

const h = harnessForFile(120_000);

type Row = Record<string, unknown>;

/** The order's events as written, in the order written. */
function eventsOf(run: Run, orderId: string): Row[] {
  return run.prisma.events.filter((e) => e.orderId === orderId);
}

async function until(what: () => boolean | Promise<boolean>, label: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await what()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${label}`);
}

/** A full lifecycle: checkout (authorize), capture, a refused refund, a refund, its settlement, the order shipped. */
async function lifecycle(run: Run, handle: WorkflowHandle): Promise<void> {
  await checkout(handle, run.amazon);
  await handle.executeUpdate(capture, { args: [{ amount: 10_000, requestId: 'c1' }] });
  // Over the refundable amount: refused before Amazon is asked, so nothing changed and no event is emitted.
  await expect(handle.executeUpdate(refund, { args: [{ amount: 99_999, requestId: 'too-much' }] })).rejects.toThrow();
  const r = await handle.executeUpdate(refund, { args: [{ amount: 3_000, requestId: 'r1' }] });
  run.amazon.resolveRefund(r.amazonObjectIds[0], 'Refunded');
  await handle.executeUpdate(amazonNotification, { args: [{ objectType: 'REFUND', objectId: r.amazonObjectIds[0], notificationId: 'n-r1' }] });
  await until(async () => (await handle.query(state)).paymentStatus === 'Refunded', 'the refund to settle');
  await handle.executeUpdate(orderStatus, { args: [{ status: 'Shipped' }] });
}

const EXPECTED = [
  ['checkout.completed', 'Authorized'],
  ['payment.authorized', 'Authorized'],
  ['payment.captured', 'Captured'],
  // Captured in full: Amazon closed the permission, which the capture read with it (ORDER_V15).
  ['charge_permission.closed', 'Captured'],
  ['refund.pending', 'RefundPending'],
  ['refund.succeeded', 'Refunded'],
  ['order.status_changed', 'Refunded'],
];

function expectOneStream(events: Row[]): void {
  expect(events.map((e) => [e.type, e.paymentStatus])).toEqual(EXPECTED);
  expect(events.map((e) => e.seq)).toEqual(EXPECTED.map((_, i) => i + 1));
  expect(new Set(events.map((e) => e.dedupeKey)).size).toBe(events.length);
  expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
}

test('every payment change is one event, numbered 1, 2, 3 … with the payment status after it and its money', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start({ settings: { paymentIntent: 'Authorize' } });
    await lifecycle(run, handle);
    const orderId = handle.workflowId.replace(/^order-/, '');
    await until(() => eventsOf(run, orderId).length >= EXPECTED.length, 'the events to be written');
    const events = eventsOf(run, orderId);
    expectOneStream(events);
    const byType = Object.fromEntries(events.map((e) => [e.type, e.data as Row]));
    expect(byType['payment.captured']).toMatchObject({ amount: { amount: 10_000, currency: 'JPY' }, amazon: { chargeId: expect.any(String), chargePermissionId: expect.any(String) } });
    expect(byType['refund.succeeded']).toMatchObject({ amount: { amount: 3_000, currency: 'JPY' }, amazon: { refundId: expect.any(String) } });
    expect(byType['order.status_changed']).toMatchObject({ orderStatus: 'Shipped', previousOrderStatus: 'New' });
  });
});

test('a workflow whose every task replays its whole history emits nothing twice', async () => {
  const run = newRun(h);
  await run.withWorker(
    async () => {
      const handle = await run.start({ settings: { paymentIntent: 'Authorize' } });
      await lifecycle(run, handle);
      const orderId = handle.workflowId.replace(/^order-/, '');
      await until(() => eventsOf(run, orderId).length >= EXPECTED.length, 'the events to be written');
      expectOneStream(eventsOf(run, orderId));
    },
    { maxCachedWorkflows: 0 },
  );
});

test('a projection write that fails is written again later with its events, once', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start({ settings: { paymentIntent: 'Authorize' } });
    await checkout(handle, run.amazon);
    run.prisma.failOrderWrites = 3;
    await handle.executeUpdate(capture, { args: [{ amount: 10_000, requestId: 'c1' }] });
    const orderId = handle.workflowId.replace(/^order-/, '');
    await handle.executeUpdate(orderStatus, { args: [{ status: 'Shipped' }] });
    await until(() => eventsOf(run, orderId).some((e) => e.type === 'order.status_changed'), 'the kept events to be written');
    const events = eventsOf(run, orderId);
    expect(events.map((e) => e.type)).toEqual(['checkout.completed', 'payment.authorized', 'payment.captured', 'charge_permission.closed', 'order.status_changed']);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
  });
});

test('a charge permission Amazon closed is an event of its order', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start({ settings: { paymentIntent: 'Authorize' } });
    await checkout(handle, run.amazon);
    const permissionId = (await handle.query(state)).chargePermissionId as string;
    run.amazon.setPermissionState(permissionId, 'Closed', 'BuyerCanceled');
    await handle.executeUpdate(amazonNotification, { args: [{ objectType: 'CHARGE_PERMISSION', objectId: permissionId, notificationId: 'n-closed' }] });
    const orderId = handle.workflowId.replace(/^order-/, '');
    await until(() => eventsOf(run, orderId).some((e) => e.type === 'charge_permission.closed'), 'the closure event');
    const closed = eventsOf(run, orderId).find((e) => e.type === 'charge_permission.closed');
    expect(closed).toMatchObject({ seq: 3, data: { amazon: { chargePermissionId: permissionId } } });
  });
});

test('a capture in full reads the permission Amazon closed with it: its event is there once, and the notification after it changes nothing', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start({ settings: { paymentIntent: 'Authorize' } });
    await checkout(handle, run.amazon);
    await handle.executeUpdate(capture, { args: [{ amount: 10_000, requestId: 'c1' }] });
    const orderId = handle.workflowId.replace(/^order-/, '');
    const permissionId = (await handle.query(state)).chargePermissionId as string;
    await until(() => eventsOf(run, orderId).some((e) => e.type === 'charge_permission.closed'), 'the closure event');
    await expect(
      handle.executeUpdate(amazonNotification, { args: [{ objectType: 'CHARGE_PERMISSION', objectId: permissionId, notificationId: 'n-closed', source: 'ipn', state: 'Closed' }] }),
    ).rejects.toMatchObject({ cause: { type: 'InvalidState' } });
    expect(eventsOf(run, orderId).filter((e) => e.type === 'charge_permission.closed')).toHaveLength(1);
    expect(run.amazon.count('getChargePermission')).toBe(1);
  });
});

test('a permission read that hangs after a capture in full does not hold the capture: answered at once, made once, the closure left to the notification', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start({ settings: { paymentIntent: 'Authorize' } });
    await checkout(handle, run.amazon);
    const amazon = run.amazon as unknown as { getChargePermission: (...a: unknown[]) => Promise<unknown> };
    const read = amazon.getChargePermission.bind(run.amazon);
    let hung = false;
    amazon.getChargePermission = async (...a: unknown[]) => {
      if (!hung) {
        hung = true;
        await new Promise((r) => setTimeout(r, 31_000));
      }
      return read(...a);
    };
    const started = Date.now();
    const c = await handle.executeUpdate(capture, { args: [{ amount: 10_000, requestId: 'c1' }] });
    expect(c.paymentStatus).toBe('Captured');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(run.amazon.count('captureCharge')).toBe(1);
    const orderId = handle.workflowId.replace(/^order-/, '');
    expect(eventsOf(run, orderId).filter((e) => e.type === 'charge_permission.closed')).toHaveLength(0);
  });
}, 60_000);
