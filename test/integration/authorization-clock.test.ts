/**
 * The authorization clock on the real stack, through the API: AuthorizationExpiresAt (search attribute) and the
 * order list's authorizationExpiresAt name the expiry of an authorization with something left to capture, and are
 * cleared once nothing is; with demo days (DEMO_AUTHORIZATION_DAY_SECONDS, simulator only) the expiry warning and
 * the expiry itself happen within seconds on a running stack.
 */
import { AuthorizationExpiresAtKey, orderWorkflowId, DEFAULT_SHOP_ID } from '../../lib/names';
import { waitFor } from '../helpers/http';
import { checkoutOrder, useTestStack } from '../helpers/stack';

/** Demo days of half a second: an authorization lasts 15 s, the 7-day warning comes 3.5 s before its end. */
const DAY_MS = 500;

describe('the authorization clock', () => {
  const s = useTestStack({ sim: { delays: 'zero' }, stack: { demoAuthorizationDayMs: DAY_MS } });

  const detail = async (orderId: string) => (await s.call('GET', `/api/admin/orders/${orderId}`, { role: 'viewer' })).body;
  const listed = async (orderId: string) => ((await s.call('GET', `/api/admin/orders?q=${orderId}`, { role: 'viewer' })).body.orders as Array<{ orderId: string; paymentStatus: string; authorizationExpiresAt: string | null }>).find((o) => o.orderId === orderId);
  const attribute = async (orderId: string) => (await s.env.client.workflow.getHandle(orderWorkflowId(DEFAULT_SHOP_ID, orderId)).describe()).typedSearchAttributes.get(AuthorizationExpiresAtKey);
  const expiring = async (orderId: string) => {
    for await (const w of s.env.client.workflow.list({ query: `AuthorizationExpiresAt < "2999-01-01T00:00:00Z" AND OrderId = "${orderId}"` })) if (w.workflowId === orderWorkflowId(DEFAULT_SHOP_ID, orderId)) return true;
    return false;
  };
  const authorized = async (orderId: string) => {
    const done = await checkoutOrder(s, orderId, { amount: 5000, paymentIntent: 'Authorize' });
    expect(done.body.paymentStatus).toBe('Authorized');
    await waitFor(async () => (await listed(orderId))?.authorizationExpiresAt != null, 10_000);
  };

  it('keeps the expiry while something is left to capture and clears it once the order is captured in full', async () => {
    const orderId = `AEX-CAP-${Date.now()}`;
    await authorized(orderId);
    const expiresAt = (await detail(orderId)).authorizationExpiresAt as string;
    expect((await attribute(orderId))?.toISOString()).toBe(expiresAt);
    await waitFor(() => expiring(orderId), 10_000);

    const part = await s.call('POST', `/api/admin/orders/${orderId}/capture?waitMs=10000`, { role: 'editor', body: { amount: 2000, requestId: 'ship-1' } });
    expect(part.status).toBe(200);
    expect((await attribute(orderId))?.toISOString()).toBe(expiresAt);

    const rest = await s.call('POST', `/api/admin/orders/${orderId}/capture?waitMs=10000`, { role: 'editor', body: { amount: 3000, requestId: 'ship-2' } });
    expect(rest.body.result.paymentStatus).toBe('Captured');
    await waitFor(async () => (await attribute(orderId)) === undefined, 10_000);
    await waitFor(async () => (await listed(orderId))?.authorizationExpiresAt === null, 10_000);
    await waitFor(async () => !(await expiring(orderId)), 10_000);
  }, 60_000);

  it('clears it when the authorization is canceled', async () => {
    const orderId = `AEX-CXL-${Date.now()}`;
    await authorized(orderId);
    const canceled = await s.call('POST', `/api/admin/orders/${orderId}/cancel?waitMs=10000`, { role: 'editor', body: { requestId: 'cxl-1' } });
    expect(canceled.body.result.paymentStatus).toBe('Canceled');
    await waitFor(async () => (await attribute(orderId)) === undefined, 10_000);
    await waitFor(async () => (await listed(orderId))?.authorizationExpiresAt === null, 10_000);
  }, 60_000);

  it('with demo days, an uncaptured authorization is warned about and then expires while the operator watches', async () => {
    const orderId = `AEX-DEMO-${Date.now()}`;
    await authorized(orderId);
    const d = await detail(orderId);
    // 30 demo days from the authorization.
    expect(Date.parse(d.authorizationExpiresAt) - Date.parse(d.history.find((h: { kind: string }) => h.kind === 'authorize').at)).toBeLessThanOrEqual(30 * DAY_MS + 1_000);
    const rows = async () => (await detail(orderId)).history as Array<{ kind: string; result: string }>;
    await waitFor(async () => (await rows()).some((h) => h.kind === 'expire' && h.result === 'ExpiryWarning'), 30_000);
    await waitFor(async () => (await detail(orderId)).paymentStatus === 'AuthorizationExpired', 30_000);
    expect((await rows()).map((h) => `${h.kind}:${h.result}`)).toEqual(expect.arrayContaining(['expire:ExpiryWarning', 'expire:ExpiredUnused']));
    await waitFor(async () => (await listed(orderId))?.authorizationExpiresAt === null, 10_000);
  }, 60_000);
});
