/**
 * docs/product-rules.md, Refund approval, through the API on the whole stack: a refund above the shop's threshold moves
 * no money until a second editor approves it; the editor who asked cannot; a viewer cannot; the history names both.
 */
import { createApiKey } from '../../lib/api-keys';
import { checkoutOrder, useTestStack } from '../helpers/stack';

describe('second approval for large refunds', () => {
  const s = useTestStack({ startTimeoutMs: 120_000 });

  /** The stack's call with another key than its own three (a second editor). */
  const as = (key: string, method: string, path: string, body?: unknown) => s.call(method, path, { headers: { authorization: `Bearer ${key}` }, body });

  it('refuses thresholds that make no sense', async () => {
    for (const refundApprovalAbove of [{ XXX: 100 }, { JPY: -1 }, { JPY: 1.5 }, { JPY: '100' }]) {
      const r = await s.call('PUT', '/api/admin/settings', { role: 'editor', body: { refundApprovalAbove } });
      expect([r.status, refundApprovalAbove]).toEqual([400, refundApprovalAbove]);
    }
    expect((await s.call('PUT', '/api/admin/settings', { role: 'editor', body: { refundApprovalHours: 0 } })).status).toBe(400);
  });

  it('waits for another editor, who alone can approve; then the refund moves and its history names both', async () => {
    const bob = (await createApiKey(s.db.prisma, 'editor', 'bob')).key;
    expect((await s.call('PUT', '/api/admin/settings', { role: 'editor', body: { refundApprovalAbove: { JPY: 3000 }, refundApprovalHours: 2 } })).status).toBe(200);
    expect((await checkoutOrder(s, 'APR-1', { amount: 8000 })).status).toBe(200);

    // At or below the threshold: no wait.
    const small = await s.call('POST', '/api/admin/orders/APR-1/refunds?waitMs=10000', { role: 'editor', body: { amount: { amount: 3000, currency: 'JPY' }, requestId: 'small' } });
    expect(small.status).toBe(200);

    const asked = await s.call('POST', '/api/admin/orders/APR-1/refunds?waitMs=10000', { role: 'editor', body: { amount: { amount: 4000, currency: 'JPY' }, requestId: 'big' } });
    expect(asked.status).toBe(202);
    expect(asked.body).toMatchObject({ status: 'approval_required', requestId: 'big', approval: { amount: { amount: 4000, currency: 'JPY' }, requestedBy: { name: 'test editor' } } });
    const id = asked.body.approval.approvalId as string;
    const listed = await s.call('GET', '/api/admin/refund-approvals', { role: 'viewer' });
    expect(listed.body.approvals).toEqual(expect.arrayContaining([expect.objectContaining({ orderId: 'APR-1', approvalId: id })]));

    const path = `/api/admin/orders/APR-1/refund-approvals/${encodeURIComponent(id)}`;
    const self = await s.call('POST', `${path}/approve?waitMs=10000`, { role: 'editor', body: {} });
    expect([self.status, self.body.error.code]).toEqual([403, 'approver_is_requester']);
    expect((await s.call('POST', `${path}/approve`, { role: 'viewer', body: {} })).status).toBe(403);
    expect((await s.call('POST', '/api/admin/orders/APR-1/refund-approvals/apr_nothing/approve?waitMs=10000', { role: 'editor', body: {} })).body.error.code).toBe('approval_not_found');
    expect((await s.call('POST', '/api/admin/orders/APR-1/refund-approvals/..%2F..%2Fx/approve', { role: 'editor', body: {} })).status).toBe(400);
    let detail = await s.call('GET', '/api/admin/orders/APR-1', { role: 'viewer' });
    expect(detail.body.amounts.refunded.amount + detail.body.amounts.refundPending.amount).toBe(3000);

    const approved = await as(bob, 'POST', `${path}/approve?waitMs=10000`, {});
    expect(approved.status).toBe(200);
    expect(approved.body.result).toMatchObject({ amount: 4000 });
    detail = await s.call('GET', '/api/admin/orders/APR-1', { role: 'viewer' });
    expect(detail.body.pendingApprovals).toEqual([]);
    const row = detail.body.history.find((r: any) => r.kind === 'refund_started' && r.amount.amount === 4000);
    expect(row).toMatchObject({ requestedBy: { name: 'test editor' }, approvedBy: { name: 'bob' } });
    expect(detail.body.history.find((r: any) => r.kind === 'refund_started' && r.amount.amount === 3000)).toMatchObject({ requestedBy: { name: 'test editor' }, approvedBy: null });
    // Decided: a second approval (or rejection) by anyone finds nothing new to do.
    expect((await as(bob, 'POST', `${path}/approve?waitMs=10000`, {})).status).toBe(200);
    expect((await s.call('GET', '/api/admin/refund-approvals', { role: 'viewer' })).body.approvals.filter((a: any) => a.orderId === 'APR-1')).toEqual([]);
  }, 90_000);

  it('a rejected refund never moves, and the rejection is in the history with who rejected it', async () => {
    const carol = (await createApiKey(s.db.prisma, 'editor', 'carol')).key;
    expect((await checkoutOrder(s, 'APR-2', { amount: 8000 })).status).toBe(200);
    const asked = await s.call('POST', '/api/admin/orders/APR-2/refunds?waitMs=10000', { role: 'editor', body: { amount: { amount: 5000, currency: 'JPY' }, requestId: 'big' } });
    expect(asked.status).toBe(202);
    const path = `/api/admin/orders/APR-2/refund-approvals/${encodeURIComponent(asked.body.approval.approvalId)}`;
    expect((await as(carol, 'POST', `${path}/reject?waitMs=10000`, { reason: 'buyer kept the goods' })).status).toBe(200);
    expect((await as(carol, 'POST', `${path}/approve?waitMs=10000`, {})).body.error.code).toBe('approval_not_found');
    const detail = await s.call('GET', '/api/admin/orders/APR-2', { role: 'viewer' });
    expect(detail.body.amounts.refunded.amount).toBe(0);
    expect(detail.body.history.filter((r: any) => r.kind === 'refund_approval').map((r: any) => [r.result, r.requestedBy?.name])).toEqual([
      ['Requested', 'test editor'],
      ['Rejected', 'carol'],
    ]);
  }, 90_000);
});
