// Records workflow histories for the replay test: `npx tsx test/replay/record-histories.ts` after a deliberate workflow change, then commit test/replay/histories.
// (A script rather than a test: recording is a deliberate act, replaying is the test.) `-- <text>` records only the recordings whose name contains it.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { WorkflowUpdateStage, type WorkflowHandle } from '@temporalio/client';
import { amazonNotification, approveRefund, cancel, capture, refund, rejectRefund, state } from '../../workflows/messages';
import { orderWorkflowId, periodOrderId, DEFAULT_SHOP_ID } from '../../lib/names';
import { cancelSubscription, pauseSubscription, resumeSubscription, subscriptionState } from '../../workflows/subscription-messages';
import { eventually, subscribe } from '../workflows/support/subscription';
import { createHarness, newRun, type Harness } from '../workflows/support/harness';
import { checkout } from '../workflows/support/checkout';

let h: Harness | undefined;
const recordings: Array<[string, () => Promise<void>]> = [];
const maybe = (name: string, fn: () => Promise<void>) => recordings.push([name, fn]);

async function save(name: string, handle: WorkflowHandle): Promise<void> {
  const history = await handle.fetchHistory();
  // protobufjs's own object form (enum names, base64 bytes, string longs): historyToJSON trips over the
  // several protobufjs copies in node_modules, and this form round-trips through History.fromObject.
  const json = temporal.api.history.v1.History.toObject(temporal.api.history.v1.History.fromObject(history), { longs: String, enums: String, bytes: String });
  // Older recordings stay (renamed with the change they predate) so every code path keeps replaying.
  writeFileSync(path.join(__dirname, 'histories', `${name}.json`), `${JSON.stringify(json, null, 1)}\n`);
}

maybe('record: AuthorizeWithCapture checkout, refunds, refund window', async () => {
  const run = newRun(h as Harness);
  run.amazon.refundsSettleImmediately = true;
  await run.withWorker(async () => {
    const handle = await run.start({ orderId: 'replay-capture', timings: { refundWindowMs: 24 * 3600_000 } });
    await checkout(handle, run.amazon);
    await handle.executeUpdate(refund, { args: [{ amount: 1_000, requestId: 'r1' }] });
    await handle.executeUpdate(refund, { args: [{ amount: 1_000, requestId: 'r1' }] });
    await (h as Harness).env.sleep('25 hours');
    await handle.result();
    await save('authorize-with-capture-refunds', handle);
  });
});

maybe('record: Authorize, expiry warning (patched path), split capture', async () => {
  const run = newRun(h as Harness);
  await run.withWorker(async () => {
    const handle = await run.start({ orderId: 'replay-authorize', settings: { paymentIntent: 'Authorize' }, timings: { refundWindowMs: 3600_000 } });
    await checkout(handle, run.amazon);
    await (h as Harness).env.sleep('24 days');
    await handle.executeUpdate(capture, { args: [{ amount: 4_000, requestId: 'ship-1' }] });
    await handle.executeUpdate(capture, { args: [{ amount: 6_000, requestId: 'ship-2' }] });
    await (h as Harness).env.sleep('2 hours');
    await handle.result();
    await save('authorize-warning-split-capture', handle);
  });
});

maybe('record: refund approvals (REFUND_APPROVAL): one approved by another editor, one rejected, one expired', async () => {
  const run = newRun(h as Harness);
  run.amazon.refundsSettleImmediately = true;
  const alice = { keyId: 'key-alice', name: 'alice', role: 'editor' };
  const bob = { keyId: 'key-bob', name: 'bob', role: 'editor' };
  await run.withWorker(async () => {
    const handle = await run.start({ orderId: 'replay-approvals', timings: { refundWindowMs: 24 * 3600_000 } });
    await checkout(handle, run.amazon);
    const a = await handle.executeUpdate(refund, { args: [{ amount: 3_000, requestId: 'big-1', actor: alice, approval: { ttlMs: 3600_000 } }] });
    await handle.executeUpdate(approveRefund, { args: [{ approvalId: a.approval?.approvalId as string, actor: bob }] });
    const b = await handle.executeUpdate(refund, { args: [{ amount: 2_000, requestId: 'big-2', actor: alice, approval: { ttlMs: 3600_000 } }] });
    await handle.executeUpdate(rejectRefund, { args: [{ approvalId: b.approval?.approvalId as string, actor: bob, reason: 'no' }] });
    await handle.executeUpdate(refund, { args: [{ amount: 1_000, requestId: 'big-3', actor: alice, approval: { ttlMs: 3600_000 } }] });
    await (h as Harness).env.sleep('25 hours');
    await handle.result();
    await save('refund-approvals', handle);
  });
});

maybe('record: abandoned checkout', async () => {
  const run = newRun(h as Harness);
  await run.withWorker(async () => {
    const handle = await run.start({ orderId: 'replay-abandoned' });
    await (h as Harness).env.sleep('25 hours');
    await handle.result();
    await save('abandoned', handle);
  });
});

maybe('record: recurring checkout, subscription charging a period, pause, resume, cancel', async () => {
  const hh = h as Harness;
  const run = newRun(hh);
  await run.withWorker(async () => {
    // Saved under their workflow ids: the replay runs each history under its file name, and the subscription names its children after its own id.
    const { orderId, sub } = await subscribe(hh, run, { orderId: 'replay-sub' });
    await hh.env.sleep('31 days');
    await eventually(() => sub.query(subscriptionState), (x) => x.periods.length === 1, 'period 2');
    await sub.executeUpdate(pauseSubscription, { args: [{ requestId: 'p' }] });
    await sub.executeUpdate(resumeSubscription, { args: [{ requestId: 'r' }] });
    await sub.executeUpdate(cancelSubscription, { args: [{ requestId: 'c' }] });
    await sub.result();
    await save(sub.workflowId, sub);
    await save(orderWorkflowId(DEFAULT_SHOP_ID, orderId), hh.env.client.workflow.getHandle(orderWorkflowId(DEFAULT_SHOP_ID, orderId)));
    await save(orderWorkflowId(DEFAULT_SHOP_ID, periodOrderId(orderId, 2)), hh.env.client.workflow.getHandle(orderWorkflowId(DEFAULT_SHOP_ID, periodOrderId(orderId, 2))));
  });
});

maybe('record: decide at execution (a capture queued behind a cancel is refused), a reused requestId refused', async () => {
  const run = newRun(h as Harness);
  await run.withWorker(async () => {
    const handle = await run.start({ orderId: 'replay-race', settings: { paymentIntent: 'Authorize' }, timings: { refundWindowMs: 3600_000 } });
    await checkout(handle, run.amazon);
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    run.amazon.beforeResponse = async (op) => {
      if (op === 'cancelCharge') await held;
    };
    const cancelled = await handle.startUpdate(cancel, { args: [{ requestId: 'c-1' }], waitForStage: WorkflowUpdateStage.ACCEPTED });
    const captured = await handle.startUpdate(capture, { args: [{ amount: 1_000, requestId: 'ship-1' }], waitForStage: WorkflowUpdateStage.ACCEPTED });
    release();
    await cancelled.result();
    await captured.result().catch(() => undefined);
    await handle.result();
    await save('decide-at-execution-race', handle);
  });
});

maybe('record: a projection the database refuses for a while (the order goes on, writes it later)', async () => {
  const run = newRun(h as Harness);
  run.amazon.refundsSettleImmediately = true;
  await run.withWorker(async () => {
    const handle = await run.start({ orderId: 'replay-projection', timings: { refundWindowMs: 3600_000 } });
    await checkout(handle, run.amazon);
    run.prisma.failOrderWrites = 4;
    await handle.executeUpdate(refund, { args: [{ amount: 1_000, requestId: 'r1' }] });
    await (h as Harness).env.sleep('2 hours');
    await handle.result();
    await save('projection-never-blocks', handle);
  });
});

maybe('record: lean order notifications (a settled refund applied as the webhook read it, a repeat refused, a closed permission)', async () => {
  const run = newRun(h as Harness);
  await run.withWorker(async () => {
    const handle = await run.start({ orderId: 'replay-notified', timings: { refundWindowMs: 3600_000 } });
    const chargeId = (await checkout(handle, run.amazon)).amazonObjectIds[0];
    const r = await handle.executeUpdate(refund, { args: [{ amount: 1_000, requestId: 'r1' }] });
    const refundId = r.amazonObjectIds[0];
    run.amazon.resolveRefund(refundId, 'Refunded');
    const ipn = { objectType: 'REFUND', objectId: refundId, notificationId: 'ipn-refund', source: 'ipn' as const, state: 'Refunded', refund: { refundId, chargeId, state: 'Refunded', amount: 1_000, currency: 'JPY' } };
    await handle.executeUpdate(amazonNotification, { args: [ipn] });
    await handle.executeUpdate(amazonNotification, { args: [ipn] }).catch(() => undefined);
    const permissionId = (await handle.query(state)).chargePermissionId as string;
    await handle.executeUpdate(amazonNotification, { args: [{ objectType: 'CHARGE_PERMISSION', objectId: permissionId, notificationId: 'ipn-permission', source: 'ipn', state: 'Closed', permission: { chargePermissionId: permissionId, state: 'Closed', reasons: ['MerchantClosed'] } }] });
    await (h as Harness).env.sleep('2 hours');
    await handle.result();
    await save('lean-order-notifications', handle);
  });
});

maybe('record: a lost capture recovered (ORDER_V15): made outside the workflow as a lost task made it, found by the notification, its retry answered', async () => {
  const run = newRun(h as Harness);
  await run.withWorker(async () => {
    const handle = await run.start({ orderId: 'replay-recovery', settings: { paymentIntent: 'Authorize' } });
    const done = await checkout(handle, run.amazon);
    const chargeId = done.amazonObjectIds[0];
    await run.shopActivities.captureCharge({
      orderId: 'replay-recovery',
      chargeId,
      amount: 10_000,
      currency: 'JPY',
      key: { workflowId: handle.workflowId, action: 'capture', requestId: 'lost-1', declineRetry: 0 },
      command: { kind: 'capture', requestId: 'lost-1', amount: 10_000 },
    });
    await handle.executeUpdate(amazonNotification, { args: [{ objectType: 'CHARGE', objectId: chargeId, notificationId: 'n-lost', source: 'ipn', state: 'Captured' }] });
    await handle.executeUpdate(capture, { args: [{ amount: 10_000, requestId: 'lost-1' }] });
    await save('recovered-lost-capture', handle);
  });
});

async function main(): Promise<void> {
  h = await createHarness();
  const only = process.argv[2];
  try {
    for (const [name, fn] of recordings) {
      if (only !== undefined && !name.includes(only)) continue;
      await fn();
      console.log(`recorded: ${name}`);
    }
  } finally {
    await h.env.teardown();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
