// Smoke: one full checkout through the unmodified SDK.
import { completedCheckout, startTestSim, type TestSim } from './helpers';

let t: TestSim;
beforeAll(async () => {
  t = await startTestSim();
});
afterAll(async () => {
  await t.stop();
});

test('checkout, capture, refund', async () => {
  const s = await completedCheckout(t, { intent: 'Authorize' });
  expect(s.statusDetails.state).toBe('Completed');
  const c = await t.client.getCharge(String(s.chargeId));
  expect(c.data).toMatchObject({ statusDetails: { state: 'Authorized' } });
});
