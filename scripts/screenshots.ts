/**
 * `npm run screenshots`: starts a throw-away stack (as the tests do), makes a few orders in
 * different states and a subscription (継続課金) with a few periods, and saves the admin console's order
 * list, payment dialog and subscription page from real Chromium to docs/console-orders.png,
 * docs/console-order-detail.png and docs/console-subscription.png.
 */
import path from 'node:path';
import { checkoutOrder, startTestStack, type TestStack } from '../test/helpers/stack';
import { waitFor } from '../test/helpers/http';
import { launchChromium, newContext, signIn } from '../test/browser/browser';
import { runMain } from './run-main';

const DOCS = path.resolve(__dirname, '../docs');

async function act(s: TestStack, orderId: string, action: string, body: Record<string, unknown>): Promise<void> {
  const r = await s.call('POST', `/api/admin/orders/${orderId}/${action}?waitMs=20000`, { role: 'editor', body });
  if (r.status >= 500) throw new Error(`${action} on ${orderId}: ${r.status} ${JSON.stringify(r.body)}`);
}

async function makeOrders(s: TestStack): Promise<string> {
  const day = new Date().toISOString().slice(0, 10).replace(/-/g, '');
  const id = (n: number) => `${day}-${String(n).padStart(4, '0')}`;
  const must = async (orderId: string, opts: Parameters<typeof checkoutOrder>[2]) => {
    const r = await checkoutOrder(s, orderId, opts);
    if (r.status !== 200 && !opts?.simulationCode) throw new Error(`checkout ${orderId}: ${r.status} ${JSON.stringify(r.body)}`);
  };
  await must(id(1), { amount: 4800, paymentIntent: 'Authorize' });
  await act(s, id(1), 'cancel', { reason: 'MerchantCanceled', requestId: 'shot-cancel' });
  await must(id(2), { amount: 12800, paymentIntent: 'AuthorizeWithCapture' });
  const detail = id(3);
  await must(detail, { amount: 9600, paymentIntent: 'Authorize' });
  await act(s, detail, 'capture', { amount: 8000, requestId: 'shot-cap' });
  await act(s, detail, 'refunds', { amount: 1500, requestId: 'shot-ref-1' });
  await act(s, detail, 'refunds', { amount: 20000, requestId: 'shot-ref-over' });
  await s.control('POST', '/__sim/clock/advance', { ms: 10 * 60_000 });
  await waitFor(async () => (await s.call('GET', `/api/admin/orders/${detail}`, { role: 'viewer' })).body.paymentStatus === 'Refunded', 30_000);
  await must(id(4), { amount: 3300, simulationCode: 'HardDeclined', paymentIntent: 'Authorize' });
  await must(id(5), { amount: 7200, paymentIntent: 'Authorize' });
  await act(s, id(5), 'capture', { amount: 7200, requestId: 'shot-cap-5' });
  await act(s, id(5), 'refunds', { amount: 2000, requestId: 'shot-ref-5' });
  await must(id(6), { amount: 5400, paymentIntent: 'Authorize' });
  return detail;
}

/** A monthly subscription: the checkout, one period charged now, a declined period (suspended), then resumed. */
async function makeSubscription(s: TestStack): Promise<string> {
  const id = `${new Date().toISOString().slice(0, 10).replace(/-/g, '')}-S001`;
  const r = await checkoutOrder(s, id, { amount: 2980, recurring: { frequency: { unit: 'Month', value: 1 } } });
  if (r.status !== 200) throw new Error(`recurring checkout: ${r.status} ${JSON.stringify(r.body)}`);
  const permission = r.body.chargePermissionId as string;
  await waitFor(async () => (await s.call('GET', `/api/admin/subscriptions/${id}`, { role: 'viewer' })).status === 200, 15_000);
  const charge = (requestId: string) => s.call('POST', `/api/admin/subscriptions/${id}/charges`, { role: 'editor', body: { requestId } });
  await charge('shot-2');
  await s.control('POST', `/__sim/charge-permissions/${permission}/simulation`, { simulationCode: 'HardDeclined' });
  await charge('shot-3');
  await s.control('POST', `/__sim/charge-permissions/${permission}/state`, { state: 'Chargeable' });
  await s.call('POST', `/api/admin/subscriptions/${id}/resume`, { role: 'editor', body: { requestId: 'shot-resume' } });
  await charge('shot-4');
  return id;
}

async function main(): Promise<void> {
  const s = await startTestStack();
  const browser = await launchChromium();
  try {
    const detail = await makeOrders(s);
    const subscription = await makeSubscription(s);
    const context = await newContext(browser, { width: 1280, height: 800 });
    const page = await context.newPage();
    await signIn(page, s.api, s.keys.editor);
    await page.screenshot({ path: path.join(DOCS, 'console-orders.png') });
    await page.goto(`${s.api}/admin/orders/${detail}`);
    await page.locator('#history tr.row-ng details summary').first().click();
    await page.screenshot({ path: path.join(DOCS, 'console-order-detail.png'), fullPage: true });
    await page.goto(`${s.api}/admin/subscriptions/${subscription}`);
    await page.screenshot({ path: path.join(DOCS, 'console-subscription.png'), fullPage: true });
    process.stdout.write(`saved ${path.join(DOCS, 'console-orders.png')}, console-order-detail.png and console-subscription.png\n`);
  } finally {
    await browser.close();
    await s.stop();
  }
}

runMain('screenshots', main);
