// Second approval for large refunds (docs/product-rules.md, Refund approval), in the order's workflow: a refund the
// API marks waits, moves no money until another editor approves it, can be rejected, and expires; the history names
// who asked and who approved.
import { approveRefund, refund, rejectRefund, state } from '../../workflows/messages';
import { harnessForFile, newRun } from './support/harness';
import { checkout } from './support/checkout';

const h = harnessForFile(120_000);

const alice = { keyId: 'key-alice', name: 'alice', role: 'editor' };
const bob = { keyId: 'key-bob', name: 'bob', role: 'editor' };
const DAY = 24 * 3600_000;

test('a large refund waits; its requester cannot approve it; another editor can, and only then money moves', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start();
    await checkout(handle, run.amazon);
    const asked = await handle.executeUpdate(refund, { args: [{ amount: 6_000, requestId: 'big', actor: alice, approval: { ttlMs: DAY } }] });
    expect(asked.approval).toMatchObject({ status: 'pending', amount: 6_000, currency: 'JPY', requestId: 'big', requestedBy: { keyId: 'key-alice', name: 'alice' } });
    expect(run.amazon.count('createRefund')).toBe(0);
    const id = asked.approval?.approvalId as string;
    expect((await handle.query(state)).pendingApprovals).toHaveLength(1);

    await expect(handle.executeUpdate(approveRefund, { args: [{ approvalId: id, actor: alice }] })).rejects.toMatchObject({ cause: { type: 'ApproverIsRequester' } });
    await expect(handle.executeUpdate(rejectRefund, { args: [{ approvalId: id, actor: alice }] })).rejects.toMatchObject({ cause: { type: 'ApproverIsRequester' } });
    await expect(handle.executeUpdate(approveRefund, { args: [{ approvalId: 'apr_nope', actor: bob }] })).rejects.toMatchObject({ cause: { type: 'ApprovalNotFound' } });
    expect(run.amazon.count('createRefund')).toBe(0);

    const done = await handle.executeUpdate(approveRefund, { args: [{ approvalId: id, actor: bob }] });
    expect(done).toMatchObject({ paymentStatus: 'RefundPending', amount: 6_000 });
    expect(run.amazon.count('createRefund')).toBe(1);
    // Approved again (a retry): the first answer, no second refund.
    expect(await handle.executeUpdate(approveRefund, { args: [{ approvalId: id, actor: bob }] })).toEqual(done);
    expect(run.amazon.count('createRefund')).toBe(1);
    const s = await handle.query(state);
    expect(s.pendingApprovals).toEqual([]);
    const started = s.history.find((r) => r.kind === 'refund_started');
    expect(started).toMatchObject({ result: 'OK', amount: 6_000, requestedBy: alice, approvedBy: bob });
    expect(s.history.find((r) => r.kind === 'refund_approval')).toMatchObject({ result: 'Requested', requestedBy: alice });
    // The refund's own requestId now answers with the refund, not the wait.
    const orderId = s.orderId;
    const row = run.prisma.history.find((r) => r.orderId === orderId && r.kind === 'refund_started');
    expect(row).toMatchObject({ requestedByKeyId: 'key-alice', approvedByKeyId: 'key-bob' });
  });
});

test('a rejected refund moves nothing and cannot be approved afterwards', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start();
    await checkout(handle, run.amazon);
    const asked = await handle.executeUpdate(refund, { args: [{ amount: 9_000, requestId: 'big', actor: alice, approval: { ttlMs: DAY } }] });
    const id = asked.approval?.approvalId as string;
    expect(await handle.executeUpdate(rejectRefund, { args: [{ approvalId: id, actor: bob, reason: 'not agreed with the buyer' }] })).toEqual({ approvalId: id, status: 'rejected' });
    await expect(handle.executeUpdate(approveRefund, { args: [{ approvalId: id, actor: bob }] })).rejects.toMatchObject({ cause: { type: 'ApprovalNotFound' } });
    expect(run.amazon.count('createRefund')).toBe(0);
    const s = await handle.query(state);
    expect(s.paymentStatus).toBe('Captured');
    expect(s.history.filter((r) => r.kind === 'refund_approval').map((r) => [r.result, r.requestedBy?.name])).toEqual([
      ['Requested', 'alice'],
      ['Rejected', 'bob'],
    ]);
  });
});

test('an approval that comes after the wait ran out is refused, and the refund never happens', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start();
    await checkout(handle, run.amazon);
    const asked = await handle.executeUpdate(refund, { args: [{ amount: 6_000, requestId: 'big', actor: alice, approval: { ttlMs: 3600_000 } }] });
    const id = asked.approval?.approvalId as string;
    expect((await handle.query(state)).pendingTimers.map((t) => t.name)).toContain('refundApprovalExpiry');
    await h.env.sleep('61 minutes');
    await expect(handle.executeUpdate(approveRefund, { args: [{ approvalId: id, actor: bob }] })).rejects.toMatchObject({ cause: { type: 'ApprovalNotFound' } });
    const s = await handle.query(state);
    expect(s.pendingApprovals).toEqual([]);
    expect(s.history.filter((r) => r.kind === 'refund_approval').map((r) => r.result)).toEqual(['Requested', 'Expired']);
    expect(run.amazon.count('createRefund')).toBe(0);
  });
});

test('an approval needs who asked, and a sane lifetime', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start();
    await checkout(handle, run.amazon);
    await expect(handle.executeUpdate(refund, { args: [{ amount: 6_000, requestId: 'a', approval: { ttlMs: DAY } }] })).rejects.toMatchObject({ cause: { type: 'InvalidArgument' } });
    await expect(handle.executeUpdate(refund, { args: [{ amount: 6_000, requestId: 'b', actor: alice, approval: { ttlMs: 5 } }] })).rejects.toMatchObject({ cause: { type: 'InvalidArgument' } });
    await expect(handle.executeUpdate(approveRefund, { args: [{ approvalId: 'x' } as never] })).rejects.toMatchObject({ cause: { type: 'InvalidArgument' } });
  });
});
