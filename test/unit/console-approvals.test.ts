// The console's parts of the second approval for large refunds (docs/product-rules.md, Refund approval): the settings
// form's thresholds (the currency's own units → minor units, empty = off, refused as the settings refuse), the order
// page's history names and its refunds waiting for approval (the requester's own cannot be decided), escaped.
import { checkSettingsPatch } from '../../lib/settings';
import { settingsPatchFromForm } from '../../api/console/settings-form';
import { approvalsPage, refundApprovalSettings } from '../../api/console/views-approvals';
import { orderPanel } from '../../api/console/views-orders';
import { money, orderDetail } from './order-detail';

const form = (fields: Record<string, string>) => ({ expiryWarningDays: '7', paymentIntent: 'Authorize', ...fields });

describe('settings form: refund approval', () => {
  test('thresholds in the currency units become minor units; an empty one is off', () => {
    const patch = settingsPatchFromForm(form({ 'refundApprovalAbove.JPY': ' 50000 ', 'refundApprovalAbove.USD': '500.5', 'refundApprovalAbove.EUR': '', 'refundApprovalAbove.GBP': '12.340', refundApprovalHours: '48' }));
    expect(patch.refundApprovalAbove).toEqual({ JPY: 50000, USD: 50050, GBP: 1234 });
    expect(patch.refundApprovalHours).toBe(48);
    expect(() => checkSettingsPatch(patch)).not.toThrow();
    expect(settingsPatchFromForm(form({ 'refundApprovalAbove.JPY': '', 'refundApprovalAbove.USD': '' })).refundApprovalAbove).toEqual({});
  });

  test('a form without the fields leaves the stored thresholds alone', () => {
    const patch = settingsPatchFromForm(form({}));
    expect('refundApprovalAbove' in patch).toBe(false);
    expect('refundApprovalHours' in patch).toBe(false);
  });

  test('what is not an amount, or has too many decimals, is refused by the settings validation', () => {
    const accepted: string[] = [];
    for (const [field, value] of [
      ['refundApprovalAbove.JPY', '1.5'],
      ['refundApprovalAbove.USD', '1.234'],
      ['refundApprovalAbove.JPY', 'abc'],
      ['refundApprovalAbove.JPY', '-5'],
      ['refundApprovalAbove.XXX', '100'],
      ['refundApprovalHours', '0'],
      ['refundApprovalHours', '1.5'],
      ['refundApprovalHours', '721'],
    ] as const) {
      try {
        checkSettingsPatch(settingsPatchFromForm(form({ [field]: value })));
        accepted.push(`${field}=${value}`);
      } catch {
        // refused, as it should be
      }
    }
    expect(accepted).toEqual([]);
  });

  test('the page shows the stored thresholds in the currency units, other currencies too, disabled for a viewer', () => {
    const html = refundApprovalSettings('ja', { refundApprovalAbove: { JPY: 50000, USD: 12345, AUD: 100 }, refundApprovalHours: 24 }, false);
    expect(html).toContain('name="refundApprovalAbove.JPY" type="number" inputmode="decimal" min="0" step="1" value="50000"');
    expect(html).toContain('name="refundApprovalAbove.USD" type="number" inputmode="decimal" min="0" step="0.01" value="123.45"');
    expect(html).toMatch(/name="refundApprovalAbove\.EUR"[^>]*value=""/);
    expect(html).toContain('name="refundApprovalAbove.AUD"');
    expect(html).toMatch(/id="s-refundApprovalHours"[^>]*value="24"/);
    expect(refundApprovalSettings('en', {}, true)).toMatch(/id="s-refundApprovalHours"[^>]*disabled/);
  });
});

describe('order page: who asked, who approved, what waits', () => {
  const alice = { keyId: 'key-alice', name: '<b>alice</b>' };
  const bob = { keyId: 'key-bob', name: 'bob' };
  const waiting = { approvalId: 'apr_order-D-1_r1', amount: money(4000), requestId: 'r1', requestedBy: alice, requestedAt: '2026-12-01T00:00:00.000Z', expiresAt: '2026-12-02T00:00:00.000Z' };
  const row = { at: '2026-12-01T00:00:00.000Z', amazonObjectId: null, amount: money(4000), message: null, debugDetail: null };

  test('the history names the requester, and the approver only when some row has one', () => {
    const plain = orderPanel('ja', orderDetail({ history: [{ ...row, kind: 'refund_started', result: 'OK', requestedBy: alice, approvedBy: null }] }), true, 'http://ui');
    expect(plain).toContain('依頼者');
    expect(plain).not.toContain('承認者');
    expect(plain).toContain('&#60;b&#62;alice&#60;/b&#62;');
    expect(plain).not.toContain('<b>alice');
    const approved = orderPanel('en', orderDetail({ history: [{ ...row, kind: 'refund_approval', result: 'Requested', requestedBy: alice }, { ...row, kind: 'refund_started', result: 'OK', requestedBy: alice, approvedBy: bob }] }), true, 'http://ui');
    expect(approved).toContain('Approved by');
    expect(approved).toMatch(/class="approved-by"><span class="actor" data-key-id="key-bob"[^>]*>bob</);
    // The request itself is not a failure.
    expect(approved).toMatch(/<tr class="row-ok" data-kind="refund_approval" data-result="Requested">/);
  });

  test('another editor gets approve and reject forms; the requester sees them disabled with a note; a viewer none', () => {
    const d = orderDetail({ pendingApprovals: [waiting], viewer: { keyId: bob.keyId, csrf: 'tok"en' } });
    const other = orderPanel('ja', d, true, 'http://ui');
    expect(other).toContain('id="order-approvals"');
    expect(other).toContain('action="/admin/orders/D-1/refund-approvals/apr_order-D-1_r1/approve"');
    expect(other).toContain('action="/admin/orders/D-1/refund-approvals/apr_order-D-1_r1/reject"');
    expect(other).toContain('value="tok&#34;en"');
    expect(other).not.toMatch(/class="approve-button" disabled/);
    const own = orderPanel('ja', { ...d, viewer: { keyId: alice.keyId, csrf: 't' } }, true, 'http://ui');
    expect(own).toMatch(/class="approve-button" disabled/);
    expect(own).toContain('own-approval');
    const viewer = orderPanel('ja', d, false, 'http://ui');
    expect(viewer).toContain('id="order-approvals"');
    expect(viewer).not.toContain('approval-decision');
    expect(orderPanel('ja', orderDetail({ pendingApprovals: [] }), true, 'http://ui')).not.toContain('id="order-approvals"');
  });

  test('the approvals page links each order and escapes what it shows', () => {
    const html = approvalsPage('en', { approvals: [{ ...waiting, orderId: 'A&B' }], who: { canEdit: true, keyId: bob.keyId, csrf: 't' }, message: { ok: false, text: '<script>' } });
    expect(html).toContain('href="/admin/orders/A%26B"');
    expect(html).toContain('action="/admin/orders/A%26B/refund-approvals/apr_order-D-1_r1/approve"');
    expect(html).toContain('&#60;script&#62;');
    expect(html).not.toContain('<script>');
    expect(approvalsPage('ja', { approvals: [], who: { canEdit: false } })).toContain('id="no-approvals"');
  });
});
