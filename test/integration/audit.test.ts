/**
 * The audit log (docs/audit.md) on the whole stack: every state-changing admin request (API, members' link and
 * unlink, console forms) writes exactly one entry naming its action, actor, object and outcome, refused ones included
 * (401, 403, 400, 404, 409, 422); a GET and the buyers' checkout write none; no secret reaches an entry; the audit API
 * reads and filters it; the database refuses to change it; `npm run keys` records keys made and revoked; a row changed
 * or deleted behind the engine's back is what `npm run audit -- verify` reports; a failed write is logged and counted.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { AUDITED_ROUTES, isAudited, matchAuditedRoute } from '../../api/audit';
import { createEngineApp } from '../../api/engine-app';
import { appendAuditEntries, auditRecord, createAuditWriter, verifyAuditLog } from '../../lib/audit';
import { createPrismaClient } from '../../lib/database';
import { createLogger } from '../../lib/logger';
import { registry } from '../../lib/metrics';
import { createReadinessProbe } from '../../lib/readiness';
import { createSnsVerifier } from '../../lib/sns-verify';
import type { AuditEntry } from '../../prisma/generated/client';
import { freePort, waitFor } from '../helpers/http';
import { checkoutOrder, useTestStack } from '../helpers/stack';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');

describe('the audit log', () => {
  const s = useTestStack({ startTimeoutMs: 120_000 });
  const secrets: string[] = [];
  const keyIds: Record<'storefront' | 'viewer' | 'editor', string> = { storefront: '', viewer: '', editor: '' };
  let n = 0;

  beforeAll(async () => {
    for (const role of ['storefront', 'viewer', 'editor'] as const) {
      secrets.push(s.keys[role]);
      keyIds[role] = (await s.db.prisma.apiKey.findFirstOrThrow({ where: { name: `test ${role === 'storefront' ? 'shop' : role}` } })).id;
    }
    const authorized = await checkoutOrder(s, 'AU-1', { paymentIntent: 'Authorize' });
    const captured = await checkoutOrder(s, 'AU-2');
    expect([authorized.status, captured.status]).toEqual([200, 200]);
  }, 60_000);

  const entriesOf = (requestId: string) => s.db.prisma.auditEntry.findMany({ where: { requestId } });

  /** The one entry of a request (waited for: it is written after the answer). */
  async function entryOf(requestId: string): Promise<AuditEntry> {
    await waitFor(async () => (await entriesOf(requestId)).length > 0, 10_000, 50);
    const found = await entriesOf(requestId);
    expect(found).toHaveLength(1);
    return found[0];
  }

  /** Calls the API with a request id of its own, and answers the response with its entry. */
  async function audited(method: string, pathname: string, opts: Parameters<typeof s.call>[2] = {}) {
    const requestId = `audit-${++n}`;
    const r = await s.call(method, pathname, { ...opts, headers: { ...(opts.headers ?? {}), 'x-request-id': requestId } });
    const entry = await entryOf(requestId);
    // The entry tells what was answered: the status, and the error's code.
    expect([entry.outcomeStatus, entry.outcomeCode]).toEqual([r.status, r.status >= 400 ? r.body?.error?.code : null]);
    expect(entry).toMatchObject({ method, path: pathname.split('?')[0], requestId, sourceIp: expect.stringMatching(/127\.0\.0\.1/) });
    return { r, entry };
  }

  const actor = (role: 'viewer' | 'editor' | 'storefront') => ({ actorKeyId: keyIds[role], actorName: `test ${role === 'storefront' ? 'shop' : role}`, actorRole: role });
  const nobody = { actorKeyId: null, actorName: null, actorRole: null };

  it('knows every state-changing route the engine serves to admins (each as Express routes it), and only those', async () => {
    const readiness = createReadinessProbe(s.db.url, s.env.connection);
    try {
      const app = createEngineApp({ ...s.engineParts, prisma: s.db.prisma, secretBox: s.secretBox, verifier: createSnsVerifier({ topicArns: [] }), readiness, log: createLogger('silent', 'audit-routes'), console: { sessionSecret: 'a'.repeat(40) } });
      const served: string[] = [];
      const walk = (stack: { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: unknown[] } }[]) => {
        for (const layer of stack) {
          if (layer.route) for (const m of Object.keys(layer.route.methods)) served.push(`${m.toUpperCase()} ${layer.route.path}`);
          else if (layer.handle?.stack) walk(layer.handle.stack as typeof stack);
        }
      };
      walk((app as unknown as { router: { stack: Parameters<typeof walk>[0] } }).router.stack);
      const stateChanging = served.filter((r) => /^(POST|PUT|PATCH|DELETE) \/(api\/admin|api\/platform|admin|api\/members)(\/|$)/.test(r));
      // Sign in with Amazon is the buyers' traffic, through the shop's storefront key: not an admin action.
      const buyers = ['POST /api/members/sign-in/button', 'POST /api/members/sign-in'];
      const audited = AUDITED_ROUTES.map((r) => `${r.method} ${r.route}`);
      expect(stateChanging.filter((r) => !buyers.includes(r)).sort()).toEqual([...audited].sort());
      for (const r of AUDITED_ROUTES) expect(matchAuditedRoute(r.method, r.route.replace(/:(\w+)/g, 'x'))?.route).toBe(r);
      expect(buyers.every((r) => stateChanging.includes(r))).toBe(true);
      expect(isAudited('POST', '/api/members/sign-in')).toBe(false);
      expect(isAudited('POST', '/api/checkouts')).toBe(false);
      expect(isAudited('GET', '/api/admin/orders')).toBe(false);
    } finally {
      await readiness.close();
    }
  });

  it("records an order's money actions, refused ones included, each once with its action, actor, object and outcome", async () => {
    const cases: { method: string; path: string; role?: 'viewer' | 'editor' | 'storefront'; body?: unknown; status: number; action: string; params?: unknown }[] = [
      { method: 'POST', path: '/api/admin/orders/AU-1/capture?waitMs=10000', role: 'editor', body: { amount: { amount: 2000, currency: 'JPY' }, requestId: 'cap-1' }, status: 200, action: 'order.capture', params: { amount: { amount: 2000, currency: 'JPY' }, requestId: 'cap-1' } },
      { method: 'POST', path: '/api/admin/orders/AU-1/capture', role: 'viewer', body: { amount: { amount: 100, currency: 'JPY' }, requestId: 'cap-2' }, status: 403, action: 'order.capture' },
      { method: 'POST', path: '/api/admin/orders/AU-1/capture', body: { amount: { amount: 100, currency: 'JPY' }, requestId: 'cap-3' }, status: 401, action: 'order.capture' },
      { method: 'POST', path: '/api/admin/orders/AU-1/capture', role: 'editor', body: { amount: 'lots', requestId: 'cap-4' }, status: 400, action: 'order.capture', params: { requestId: 'cap-4' } },
      { method: 'POST', path: '/api/admin/orders/AU-2/refunds?waitMs=10000', role: 'editor', body: { amount: { amount: 900_000, currency: 'JPY' }, requestId: 'ref-1' }, status: 422, action: 'order.refund' },
      { method: 'POST', path: '/api/admin/orders/AU-2/refunds?waitMs=10000', role: 'editor', body: { amount: { amount: 1000, currency: 'JPY' }, requestId: 'ref-2' }, status: 200, action: 'order.refund', params: { amount: { amount: 1000, currency: 'JPY' }, requestId: 'ref-2' } },
      { method: 'POST', path: '/api/admin/orders/AU-2/cancel?waitMs=10000', role: 'editor', body: { requestId: 'can-1', reason: 'changed mind' }, status: 409, action: 'order.cancel', params: { requestId: 'can-1', reason: 'changed mind' } },
      { method: 'POST', path: '/api/admin/orders/AU-1/status?waitMs=10000', role: 'editor', body: { status: 'Backordered' }, status: 200, action: 'order.status', params: { status: 'Backordered' } },
      { method: 'POST', path: '/api/admin/orders/NO-SUCH/capture', role: 'editor', body: { amount: { amount: 100, currency: 'JPY' }, requestId: 'cap-5' }, status: 404, action: 'order.capture' },
    ];
    for (const c of cases) {
      const { r, entry } = await audited(c.method, c.path, { role: c.role, body: c.body });
      expect([c.path, c.role, r.status]).toEqual([c.path, c.role, c.status]);
      const orderId = c.path.split('/')[4];
      expect(entry).toMatchObject({ action: c.action, route: `/api/admin/orders/:orderId/${c.path.split('/')[5].split('?')[0]}`, objectType: 'order', objectId: orderId, orderId, ...(c.role ? actor(c.role) : nobody) });
      if (c.params) expect(entry.params).toEqual(c.params);
    }
  }, 60_000);

  it('records settings changes by the names of the fields changed, never a credential value', async () => {
    const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    secrets.push(pem.split('\n')[1]);
    const credentials = { merchantId: 'AUDIT0MERCHANT1', storeId: `amzn1.application-oa2-client.${randomBytes(16).toString('hex')}`, publicKeyId: 'SANDBOX-AUDITKEY01', privateKey: pem };
    const changed = await audited('PUT', '/api/admin/settings', { role: 'editor', body: { merchantStoreName: 'Audit shop', refundApprovalAbove: { USD: 500_000 }, amazonPay: credentials } });
    expect(changed.r.status).toBe(200);
    expect(changed.entry).toMatchObject({ action: 'settings.update', objectType: 'settings', objectId: null, ...actor('editor') });
    expect(changed.entry.params).toEqual({
      fields: ['merchantStoreName', 'refundApprovalAbove.USD', 'amazonPay.merchantId', 'amazonPay.storeId', 'amazonPay.publicKeyId', 'amazonPay.privateKey'],
      values: { merchantStoreName: 'Audit shop', 'refundApprovalAbove.USD': 500_000 },
    });
    const again = await audited('PUT', '/api/admin/settings', { role: 'editor', body: { merchantStoreName: 'Audit shop' } });
    expect(again.entry.params).toEqual({ fields: [], values: {} });

    const refused = await audited('PUT', '/api/admin/settings', { role: 'editor', body: { paymentIntent: 'Sometimes', amazonPay: { ...credentials, privateKey: 'not a key' } } });
    expect(refused.r.status).toBe(400);
    expect(refused.entry.params).toEqual({ requested: ['amazonPay.merchantId', 'amazonPay.privateKey', 'amazonPay.publicKeyId', 'amazonPay.storeId', 'paymentIntent'], unknownFields: 0 });
    const legacy = await audited('PUT', '/api/admin/settings', { role: 'editor', body: { mwsAccessKeyId: 'AKIAAUDITAUDITAUDIT', secretAccessKey: 'mws-secret-value' } });
    expect(legacy.r.status).toBe(422);
    expect(legacy.entry.params).toEqual({ requested: [], unknownFields: 2 });
    secrets.push('mws-secret-value', 'AKIAAUDITAUDITAUDIT');
    expect((await audited('PUT', '/api/admin/settings', { role: 'viewer', body: { merchantStoreName: 'x' } })).entry).toMatchObject({ outcomeStatus: 403, ...actor('viewer') });
    // Routes match without regard to case, as Express routes them: a differently spelt path is recorded all the same.
    expect((await audited('PUT', '/API/Admin/Settings', { role: 'editor', body: { merchantStoreName: 'Audit shop' } })).entry).toMatchObject({ action: 'settings.update', route: '/api/admin/settings', outcomeStatus: 200 });
  }, 60_000);

  it('records event endpoint changes and resends by the endpoint, never their secrets', async () => {
    const made = await audited('POST', '/api/admin/event-endpoints', { role: 'editor', body: { url: 'https://shop.example/events?token=q-secret', eventTypes: ['payment.captured'] } });
    expect(made.r.status).toBe(201);
    const id = made.r.body.endpoint.id as string;
    secrets.push(made.r.body.secret, 'q-secret');
    expect(made.entry).toMatchObject({ action: 'event_endpoint.create', objectType: 'event_endpoint', objectId: id, params: { url: 'https://shop.example/events', eventTypes: ['payment.captured'] } });
    expect((await audited('PATCH', `/api/admin/event-endpoints/${id}`, { role: 'editor', body: { enabled: false } })).entry).toMatchObject({ action: 'event_endpoint.update', objectId: id, outcomeStatus: 200, params: { enabled: false } });
    const rotated = await audited('POST', `/api/admin/event-endpoints/${id}/rotate-secret`, { role: 'editor', body: { overlapSeconds: 60 } });
    secrets.push(rotated.r.body.secret);
    expect(rotated.entry).toMatchObject({ action: 'event_endpoint.rotate_secret', objectId: id, outcomeStatus: 200, params: { overlapSeconds: 60 } });
    expect((await audited('POST', `/api/admin/event-endpoints/${id}/rotate-secret`, { role: 'editor', body: { overlapSeconds: -1 } })).entry).toMatchObject({ outcomeStatus: 400, outcomeCode: 'invalid_request' });

    const events = await s.call('GET', '/api/admin/orders/AU-1/events', { role: 'viewer' });
    const eventId = events.body.data[0].id as string;
    const resent = await audited('POST', `/api/admin/events/${eventId}/resend`, { role: 'editor', body: { endpointId: id } });
    expect(resent.entry).toMatchObject({ action: 'event.resend', objectType: 'event', objectId: eventId, params: { endpointId: id } });
    expect((await audited('DELETE', `/api/admin/event-endpoints/${id}`, { role: 'editor' })).entry).toMatchObject({ action: 'event_endpoint.delete', objectId: id, outcomeStatus: 200 });
    expect((await audited('DELETE', `/api/admin/event-endpoints/${id}`, { role: 'editor' })).entry).toMatchObject({ outcomeStatus: 404, outcomeCode: 'endpoint_not_found' });
  }, 60_000);

  it('records subscriptions, recovery, refund approvals, member links and requests no route answers', async () => {
    expect((await audited('POST', '/api/admin/subscriptions/AU-NONE/pause', { role: 'editor', body: { requestId: 'p-1' } })).entry).toMatchObject({ action: 'subscription.pause', objectType: 'subscription', objectId: 'AU-NONE', params: { requestId: 'p-1' } });
    expect((await audited('POST', '/api/admin/subscriptions/AU-NONE/charges', { role: 'editor', body: { requestId: 'c-1', amount: { amount: 500, currency: 'JPY' } } })).entry).toMatchObject({ action: 'subscription.charge', params: { requestId: 'c-1', amount: { amount: 500, currency: 'JPY' } } });
    expect((await audited('POST', '/api/admin/recovery/987654/redrive', { role: 'editor' })).entry).toMatchObject({ action: 'recovery.redrive', objectType: 'recovery_entry', objectId: '987654', outcomeStatus: 404 });
    for (const decision of ['approve', 'reject'] as const) {
      const { entry } = await audited('POST', `/api/admin/orders/AU-2/refund-approvals/apr_nothing-waits/${decision}`, { role: 'editor', body: decision === 'reject' ? { reason: 'too much' } : {} });
      expect(entry).toMatchObject({ action: `refund_approval.${decision}`, objectType: 'refund_approval', objectId: 'apr_nothing-waits', orderId: 'AU-2', ...actor('editor') });
      if (decision === 'reject') expect(entry.params).toEqual({ reason: 'too much' });
    }
    const linked = await audited('POST', '/api/members/links', { role: 'storefront', body: { memberId: 'member-1', memberEmail: 'someone@shop.example', orderId: 'AU-1' } });
    expect(linked.entry).toMatchObject({ action: 'member.link', objectType: 'member', objectId: 'member-1', params: { via: 'orderId', orderId: 'AU-1' }, ...actor('storefront') });
    expect((await audited('POST', '/api/members/links', { role: 'viewer', body: { memberId: 'member-1', memberEmail: 'a@b.example', buyerToken: 'tok-secret' } })).entry).toMatchObject({ outcomeStatus: 403, params: { via: 'buyerToken' }, ...actor('viewer') });
    secrets.push('tok-secret');
    expect((await audited('DELETE', '/api/members/member-1/link', { role: 'editor' })).entry).toMatchObject({ action: 'member.unlink', objectId: 'member-1', ...actor('editor') });
    // A body that is not JSON is refused before any route: recorded, with the key that sent it.
    expect((await audited('POST', '/api/admin/orders/AU-1/capture', { role: 'editor', rawBody: '{"amount":', headers: { 'content-type': 'application/json' } })).entry).toMatchObject({ action: 'order.capture', outcomeStatus: 400, outcomeCode: 'invalid_json', ...actor('editor') });
    expect((await audited('POST', '/api/admin/no-such-thing', { role: 'editor', body: {} })).entry).toMatchObject({ action: 'route.unknown', route: null, outcomeStatus: 404 });
    // Nobody may change the audit log: there is no such route (and trying is recorded).
    expect((await audited('DELETE', '/api/admin/audit', { role: 'editor' })).entry).toMatchObject({ action: 'route.unknown', outcomeStatus: 404 });
  }, 60_000);

  it('writes nothing for a GET, nor for the buyers\' checkout, nor for a storefront sign-in', async () => {
    const quiet = ['quiet-1', 'quiet-2', 'quiet-3', 'quiet-4'];
    await s.call('GET', '/api/admin/orders', { role: 'viewer', headers: { 'x-request-id': quiet[0] } });
    await s.call('GET', '/api/admin/audit', { role: 'viewer', headers: { 'x-request-id': quiet[1] } });
    await s.call('POST', '/api/checkouts', { role: 'storefront', body: { orderId: 'AU-3', amount: { amount: 100, currency: 'JPY' }, reviewReturnUrl: 'https://shop.example/r', resultReturnUrl: 'https://shop.example/x' }, headers: { 'x-request-id': quiet[2] } });
    await s.call('POST', '/api/members/sign-in', { role: 'storefront', body: { buyerToken: 'x'.repeat(20) }, headers: { 'x-request-id': quiet[3] } });
    // Entries are written in order: once a later request's is there, none of these will come.
    await audited('POST', '/api/admin/orders/AU-1/capture', { role: 'viewer', body: {} });
    expect(await s.db.prisma.auditEntry.count({ where: { requestId: { in: quiet } } })).toBe(0);
  });

  it('records the console: sign-in, forms, refused ones (CSRF, role), sign-out; and shows the log in ja and en', async () => {
    const post = async (pathname: string, cookie: string, form: Record<string, string>, headers: Record<string, string> = {}) => {
      const requestId = `console-${++n}`;
      const r = await fetch(`${s.api}${pathname}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, 'x-request-id': requestId, ...headers }, body: new URLSearchParams(form).toString() });
      return { status: r.status, headers: r.headers, entry: await entryOf(requestId) };
    };
    const signIn = async (role: 'viewer' | 'editor') => {
      const page = await fetch(`${s.api}/admin/login`);
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1];
      const done = await post('/admin/login', `console_login_csrf=${encodeURIComponent(csrf)}`, { _csrf: csrf, apiKey: s.keys[role] });
      expect(done.status).toBe(303);
      expect(done.entry).toMatchObject({ action: 'console.sign_in', outcomeStatus: 303, params: {}, ...actor(role) });
      const cookie = /console_session=[^;]+/.exec(done.headers.get('set-cookie') ?? '')![0];
      const settings = await fetch(`${s.api}/admin/settings`, { headers: { cookie } });
      const token = /name="csrf-token" content="([^"]+)"/.exec(await settings.text())![1];
      secrets.push(cookie.split('=')[1], token, csrf);
      return { cookie, token };
    };
    const badKey = await post('/admin/login', 'console_login_csrf=c', { _csrf: 'c', apiKey: 'apk_ed_not-a-real-key-at-all' });
    expect(badKey.entry).toMatchObject({ action: 'console.sign_in', outcomeStatus: 401, outcomeCode: 'http_401', ...nobody });

    const editor = await signIn('editor');
    // The settings form sends every field; the entry names only the one that changed.
    const form = { _csrf: editor.token, enabled: 'true', paymentIntent: 'AuthorizeWithCapture', recurringPaymentIntent: 'AuthorizeWithCapture', addressSource: 'amazon', recurringCompletionMail: 'true', 'quickCheckout.guestTakesAmazonAddress': 'true', 'quickCheckout.buttonPosition': 'cart', expiryWarningDays: '7', merchantStoreName: 'Console shop' };
    const saved = await post('/admin/settings', editor.cookie, form);
    expect(saved.entry).toMatchObject({ action: 'settings.update', route: '/admin/settings', outcomeStatus: 303, params: { fields: ['merchantStoreName'], values: { merchantStoreName: 'Console shop' } }, ...actor('editor') });
    const capture = await post('/admin/orders/AU-1/capture', editor.cookie, { amount: '500', currency: 'JPY', requestId: 'console-cap-1' }, { 'x-csrf-token': editor.token, accept: 'application/json' });
    expect(capture.entry).toMatchObject({ action: 'order.capture', route: '/admin/orders/:orderId/:action', objectId: 'AU-1', orderId: 'AU-1', outcomeStatus: capture.status, params: { amount: { amount: 500, currency: 'JPY' }, requestId: 'console-cap-1' }, ...actor('editor') });
    const forged = await post('/admin/orders/AU-1/refunds', editor.cookie, { amount: '500', currency: 'JPY', requestId: 'forged-1' }, { 'x-csrf-token': 'wrong' });
    expect(forged.entry).toMatchObject({ action: 'order.refund', outcomeStatus: 403, outcomeCode: 'csrf_failed', ...nobody });
    const decided = await post('/admin/orders/AU-2/refund-approvals/apr_none/reject', editor.cookie, { reason: 'not needed' }, { 'x-csrf-token': editor.token, accept: 'application/json' });
    expect(decided.entry).toMatchObject({ action: 'refund_approval.reject', objectType: 'refund_approval', objectId: 'apr_none', orderId: 'AU-2', outcomeStatus: decided.status, params: { reason: 'not needed' }, ...actor('editor') });
    expect((await post('/admin/orders/AU-1/no-such-action', editor.cookie, { requestId: 'x' }, { 'x-csrf-token': editor.token })).entry).toMatchObject({ action: 'route.unknown', route: '/admin/orders/:orderId/:action', outcomeStatus: 404 });
    expect((await post('/admin/orders/AU-1/capture', '', { requestId: 'x' })).entry).toMatchObject({ outcomeStatus: 401, ...nobody });

    const viewer = await signIn('viewer');
    expect((await post('/admin/orders/AU-1/cancel', viewer.cookie, { requestId: 'v-1' }, { 'x-csrf-token': viewer.token })).entry).toMatchObject({ action: 'order.cancel', outcomeStatus: 403, outcomeCode: 'forbidden', ...actor('viewer') });

    const page = await fetch(`${s.api}/admin/audit?action=order.capture`, { headers: { cookie: viewer.cookie } });
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('監査ログ');
    expect(html).toContain('data-action="order.capture"');
    expect(html).not.toContain('data-action="settings.update"');
    const en = await (await fetch(`${s.api}/admin/audit?orderId=AU-2`, { headers: { cookie: `${viewer.cookie}; console_lang=en` } })).text();
    expect(en).toContain('Audit log');
    expect(en).toContain('data-action="order.refund"');
    expect(await (await fetch(`${s.api}/admin/audit?actor=not-a-key-id`, { headers: { cookie: viewer.cookie } })).text()).toMatch(/id="audit-error"/);

    expect((await post('/admin/logout', viewer.cookie, { _csrf: viewer.token })).entry).toMatchObject({ action: 'console.sign_out', outcomeStatus: 303, ...actor('viewer') });
  }, 60_000);

  it('is read through GET /api/admin/audit by viewers and editors, filtered and paged, newest first', async () => {
    expect((await s.call('GET', '/api/admin/audit')).status).toBe(401);
    expect((await s.call('GET', '/api/admin/audit', { role: 'storefront' })).status).toBe(403);
    const all = await s.call('GET', '/api/admin/audit?limit=100', { role: 'viewer' });
    expect(all.status).toBe(200);
    const ids = all.body.entries.map((e: { id: string }) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(all.body.entries[0]).toEqual(expect.objectContaining({ id: expect.any(String), at: expect.any(String), action: expect.any(String), outcome: expect.objectContaining({ status: expect.any(Number) }), hash: expect.stringMatching(/^[0-9a-f]{64}$/) }));

    const refunds = await s.call('GET', '/api/admin/audit?action=order.refund&orderId=AU-2', { role: 'editor' });
    expect(refunds.body.entries.length).toBeGreaterThanOrEqual(2);
    expect(refunds.body.entries.every((e: any) => e.action === 'order.refund' && e.orderId === 'AU-2' && e.object.id === 'AU-2')).toBe(true);
    const approvals = await s.call('GET', '/api/admin/audit?orderId=AU-2', { role: 'viewer' });
    expect(approvals.body.entries.some((e: any) => e.action === 'refund_approval.approve')).toBe(true);
    const byViewer = await s.call('GET', `/api/admin/audit?actor=${keyIds.viewer}`, { role: 'viewer' });
    expect(byViewer.body.entries.length).toBeGreaterThan(0);
    expect(byViewer.body.entries.every((e: any) => e.actor.keyId === keyIds.viewer && e.actor.name === 'test viewer')).toBe(true);
    const byObject = await s.call('GET', '/api/admin/audit?objectId=member-1', { role: 'viewer' });
    expect(byObject.body.entries.map((e: any) => e.action).sort()).toEqual(['member.link', 'member.link', 'member.unlink']);
    const future = await s.call('GET', `/api/admin/audit?from=${encodeURIComponent(new Date(Date.now() + 3600_000).toISOString())}`, { role: 'viewer' });
    expect(future.body).toEqual({ entries: [], nextCursor: null });
    const past = await s.call('GET', `/api/admin/audit?to=${encodeURIComponent(new Date(Date.now() - 3600_000).toISOString())}`, { role: 'viewer' });
    expect(past.body.entries).toEqual([]);

    const seen: string[] = [];
    let cursor = '';
    for (let page = 0; page < 50; page++) {
      const p = await s.call('GET', `/api/admin/audit?limit=7${cursor ? `&cursor=${cursor}` : ''}`, { role: 'viewer' });
      expect(p.body.entries.length).toBeLessThanOrEqual(7);
      seen.push(...p.body.entries.map((e: { id: string }) => e.id));
      if (!p.body.nextCursor) break;
      cursor = p.body.nextCursor;
    }
    // The default shop's log: its own entries, not those of no shop (a caller without a valid key; the platform).
    const total = await s.db.prisma.auditEntry.count({ where: { OR: [{ shopId: 'default' }, { shopId: null }] } });
    expect(await s.db.prisma.auditEntry.count({ where: { shopId: '*' } })).toBeGreaterThan(0);
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);

    // Documented: one method, read only.
    const doc = (await s.call('GET', '/openapi.json')).body;
    expect(Object.keys(doc.paths['/api/admin/audit'])).toEqual(['get']);
    expect(doc.paths['/api/admin/audit'].get['x-role']).toBe('viewer');

    for (const q of ['limit=0', 'limit=101', 'action=order.steal', 'actor=someone', 'from=yesterday', 'cursor=abc', 'orderId=%20', 'extra=1']) {
      const r = await s.call('GET', `/api/admin/audit?${q}`, { role: 'viewer' });
      expect([q, r.status, r.body.error.code]).toEqual([q, 400, 'invalid_request']);
    }
  });

  it('holds no secret: no API key, private key, endpoint secret, session cookie or CSRF token', async () => {
    expect(secrets.length).toBeGreaterThanOrEqual(10);
    const everything = JSON.stringify(await s.db.prisma.auditEntry.findMany(), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    for (const secret of secrets) expect(everything).not.toContain(secret);
    expect(everything).not.toMatch(/PRIVATE KEY|whsec_|apk_[a-z]{2}_[A-Za-z0-9_-]{20}/);
    // Exactly one entry per request.
    const twice = await s.db.prisma.auditEntry.groupBy({ by: ['requestId'], _count: { _all: true }, having: { requestId: { _count: { gt: 1 } } } });
    expect(twice).toEqual([]);
  });

  it('records keys made and revoked with `npm run keys`, by the OS user, never the key', async () => {
    const keys = (...args: string[]) => run(path.join(ROOT, 'node_modules/.bin/tsx'), ['scripts/keys.ts', ...args], { cwd: ROOT, env: { ...process.env, DATABASE_URL: s.db.url, NODE_OPTIONS: '' } });
    const created = await keys('create', 'viewer', '--name', 'audited key');
    const key = created.stdout.trim().split(/\s+/).pop()!;
    const row = await s.db.prisma.apiKey.findFirstOrThrow({ where: { name: 'audited key' } });
    await keys('revoke', row.keyPrefix);
    await expect(keys('revoke', row.id)).rejects.toMatchObject({ code: 2 });
    const entries = await s.db.prisma.auditEntry.findMany({ where: { action: { in: ['api_key.create', 'api_key.revoke'] } }, orderBy: { id: 'asc' } });
    const user = os.userInfo().username;
    expect(entries.map((e) => [e.action, e.objectId, e.outcomeStatus, e.outcomeCode, e.params])).toEqual([
      ['api_key.create', row.id, 201, null, { name: 'audited key', role: 'viewer', shopId: 'default' }],
      ['api_key.revoke', row.id, 200, null, { name: 'audited key', role: 'viewer' }],
      ['api_key.revoke', row.id, 404, 'not_found', {}],
    ]);
    for (const e of entries) expect(e).toMatchObject({ actorKeyId: null, actorName: user, actorRole: 'cli', objectType: 'api_key', method: null, requestId: null });
    expect(JSON.stringify(entries, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))).not.toContain(key);
  }, 60_000);

  it('logs and counts an entry it could not write or had no room for, and the chain stays valid', async () => {
    const dead = createPrismaClient(`postgresql://postgres@127.0.0.1:${await freePort()}/postgres?sslmode=disable`, { max: 1 });
    const lines: string[] = [];
    const writer = createAuditWriter(dead, createLogger('debug', 'audit-test', { write: (l: string) => void lines.push(l) }), { retryDelayMs: 10, maxQueue: 1 });
    const count = async (outcome: string) => (await registry.getSingleMetric('audit_log_writes_total')!.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
    const before = { failed: await count('failed'), dropped: await count('dropped') };
    // The first is being written, the second waits, the third finds the queue full.
    for (const id of ['lost-1', 'lost-2', 'lost-3']) writer.record(auditRecord({ actor: null, action: 'route.unknown', requestId: id, outcomeStatus: 404 }));
    await writer.flush();
    await dead.$disconnect().catch(() => undefined);
    expect({ failed: await count('failed'), dropped: await count('dropped') }).toEqual({ failed: before.failed + 2, dropped: before.dropped + 1 });
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged.filter((l) => l.msg === 'audit log write failed: entries lost')).toEqual([
      expect.objectContaining({ level: 50, entries: [{ action: 'route.unknown', requestId: 'lost-1', outcomeStatus: 404 }] }),
      expect.objectContaining({ level: 50, entries: [{ action: 'route.unknown', requestId: 'lost-2', outcomeStatus: 404 }] }),
    ]);
    expect(logged.find((l) => l.msg === 'audit log queue full: entries dropped')).toMatchObject({ level: 50, dropped: 1, requestId: 'lost-3' });
    expect(await verifyAuditLog(s.db.prisma)).toMatchObject({ ok: true });
  });

  it('stays one chain when two API processes append at once, each several entries in a transaction', async () => {
    const apis = [createPrismaClient(s.db.url, { max: 3 }), createPrismaClient(s.db.url, { max: 3 })];
    try {
      const record = (api: number, i: number) => auditRecord({ actor: null, action: 'route.unknown', requestId: `race-${api}-${i}`, outcomeStatus: 404 });
      await Promise.all(apis.flatMap((prisma, api) => Array.from({ length: 12 }, (_, i) => appendAuditEntries(prisma, i % 3 === 0 ? [record(api, i), record(api, i + 100)] : [record(api, i)]))));
      const report = await verifyAuditLog(s.db.prisma);
      expect(report).toMatchObject({ ok: true });
      expect(await s.db.prisma.auditEntry.count({ where: { requestId: { startsWith: 'race-' } } })).toBe(32);
    } finally {
      await Promise.all(apis.map((p) => p.$disconnect()));
    }
  });

  describe('tampered with', () => {
    let db: Client;
    beforeAll(async () => {
      db = new Client({ connectionString: s.db.url });
      await db.connect();
    });
    afterAll(async () => {
      await db.end();
    });

    const verifyCli = () =>
      run(path.join(ROOT, 'node_modules/.bin/tsx'), ['scripts/audit.ts', 'verify'], { cwd: ROOT, env: { ...process.env, DATABASE_URL: s.db.url, NODE_OPTIONS: '' } }).then(
        (r) => ({ code: 0, out: r.stdout + r.stderr }),
        (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, out: err.stdout + err.stderr }),
      );
    /** What a superuser can do: switch the trigger off, run the statement, switch it on again. */
    const behindTheEnginesBack = async (sql: string, params: unknown[]) => {
      await db.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change');
      try {
        await db.query(sql, params);
      } finally {
        await db.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change');
      }
    };

    it('is refused any UPDATE, DELETE or TRUNCATE by the database', async () => {
      await expect(db.query("UPDATE audit_log SET outcome_status = 200 WHERE action = 'order.refund'")).rejects.toThrow(/append-only/);
      await expect(db.query('DELETE FROM audit_log WHERE id = (SELECT min(id) FROM audit_log)')).rejects.toThrow(/append-only/);
      await expect(db.query('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
    });

    it('is verified intact, then an edited row and a deleted row are each reported at exactly their entry', async () => {
      const intact = await verifyCli();
      const total = await s.db.prisma.auditEntry.count();
      expect(intact).toEqual({ code: 0, out: expect.stringContaining(`audit log intact: ${total} entries`) });

      const refund = await s.db.prisma.auditEntry.findFirstOrThrow({ where: { action: 'order.refund', outcomeStatus: 200 } });
      await behindTheEnginesBack(`UPDATE audit_log SET params = jsonb_set(params, '{amount,amount}', '1') WHERE id = $1`, [refund.id]);
      expect(await verifyAuditLog(s.db.prisma)).toMatchObject({ ok: false, break: { id: refund.id.toString(), kind: 'edited' } });
      const edited = await verifyCli();
      expect(edited.code).toBe(1);
      expect(edited.out).toContain(`audit log broken at entry ${refund.id} (edited)`);

      // Put back as it was: intact again.
      await behindTheEnginesBack('UPDATE audit_log SET params = $2::jsonb WHERE id = $1', [refund.id, JSON.stringify(refund.params)]);
      expect(await verifyAuditLog(s.db.prisma)).toMatchObject({ ok: true, count: total });

      const victim = await s.db.prisma.auditEntry.findFirstOrThrow({ where: { action: 'console.sign_in', outcomeStatus: 303 } });
      const next = await s.db.prisma.auditEntry.findFirstOrThrow({ where: { id: { gt: victim.id } }, orderBy: { id: 'asc' } });
      await behindTheEnginesBack('DELETE FROM audit_log WHERE id = $1', [victim.id]);
      const report = await verifyAuditLog(s.db.prisma);
      expect(report).toMatchObject({ ok: false, break: { id: next.id.toString(), kind: 'missing' } });
      const deleted = await verifyCli();
      expect(deleted.code).toBe(1);
      expect(deleted.out).toContain(`audit log broken at entry ${next.id} (missing)`);
    }, 60_000);
  });
});
