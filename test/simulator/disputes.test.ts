// Disputes (opened and moved through /__sim, read with getDispute, announced as CHARGEBACK notifications) and deliveryTrackers.
import { body, completedCheckout, failure, key, yen, useTestSim } from './helpers';

interface DisputeBody {
  disputeId: string;
  chargeId: string;
  chargePermissionId: string;
  filingReason: string;
  disputeAmount: { amount: string; currencyCode: string };
  statusDetails: { state: string; reasonCode: string | null };
}
interface Delivery {
  objectType: string;
  objectId: string;
  chargePermissionId: string;
}

const t = useTestSim();

async function capturedCharge(): Promise<{ chargeId: string; chargePermissionId: string }> {
  const s = await completedCheckout(t, { amount: 3000 });
  const chargeId = String(s.chargeId);
  await t.client.captureCharge(chargeId, { captureAmount: yen(3000) }, { 'x-amz-pay-idempotency-key': key() });
  return { chargeId, chargePermissionId: String(s.chargePermissionId) };
}

test('a dispute opened on a charge is readable with getDispute and announced as a CHARGEBACK notification', async () => {
  const { chargeId, chargePermissionId } = await capturedCharge();
  const opened = await t.control<DisputeBody>('POST', `/__sim/charges/${chargeId}/disputes`, { amount: 1000, filingReason: 'ProductNotReceived' });
  expect(opened.status).toBe(201);
  expect(opened.data).toMatchObject({ chargeId, chargePermissionId, disputeAmount: { amount: '1000', currencyCode: 'JPY' }, statusDetails: { state: 'ActionRequired' } });
  const read = body<DisputeBody>(await t.client.getDispute(opened.data.disputeId));
  expect(read).toMatchObject({ disputeId: opened.data.disputeId, filingReason: 'ProductNotReceived', statusDetails: { state: 'ActionRequired', reasonCode: null } });

  const moved = await t.control<DisputeBody>('POST', `/__sim/disputes/${opened.data.disputeId}/state`, { state: 'Resolved', reasonCode: 'MerchantWon' });
  expect(moved.data.statusDetails).toMatchObject({ state: 'Resolved', reasonCode: 'MerchantWon' });
  expect(body<DisputeBody>(await t.client.getDispute(opened.data.disputeId)).statusDetails.state).toBe('Resolved');

  const ipn = await t.control<{ deliveries: Delivery[] }>('GET', '/__sim/ipn');
  const chargebacks = ipn.data.deliveries.filter((d) => d.objectType === 'CHARGEBACK' && d.objectId === opened.data.disputeId);
  expect(chargebacks).toHaveLength(2);
  expect(chargebacks[0].chargePermissionId).toBe(chargePermissionId);
});

test('disputes: more than the charge, an unknown charge or dispute, and a closed dispute are refused', async () => {
  const { chargeId } = await capturedCharge();
  expect((await t.control('POST', `/__sim/charges/${chargeId}/disputes`, { amount: 999_999 })).status).toBe(400);
  expect((await t.control('POST', '/__sim/charges/S03-0000000-0000000-C000000/disputes', {})).status).toBe(404);
  expect((await failure(t.client.getDispute('nope'))).reasonCode).toBe('ResourceNotFound');
  const d = await t.control<DisputeBody>('POST', `/__sim/charges/${chargeId}/disputes`, {});
  expect(d.data.disputeAmount.amount).toBe('3000');
  await t.control('POST', `/__sim/disputes/${d.data.disputeId}/state`, { state: 'Closed', reasonCode: 'BuyerWon' });
  expect((await t.control('POST', `/__sim/disputes/${d.data.disputeId}/state`, { state: 'UnderReview' })).status).toBe(422);
});

test('deliveryTrackers records the carrier and tracking number on a known charge permission only', async () => {
  const { chargePermissionId } = await capturedCharge();
  const r = await t.client.deliveryTrackers({ chargePermissionId, deliveryDetails: [{ trackingNumber: '1234-5678-9012', carrierCode: 'JP_POST' }] });
  expect(r.status).toBe(200);
  const list = await t.control<{ deliveryTrackers: { chargePermissionId: string; trackingNumber: string; carrierCode: string }[] }>('GET', `/__sim/delivery-trackers?chargePermissionId=${chargePermissionId}`);
  expect(list.data.deliveryTrackers).toEqual([expect.objectContaining({ chargePermissionId, trackingNumber: '1234-5678-9012', carrierCode: 'JP_POST' })]);
  expect((await failure(t.client.deliveryTrackers({ chargePermissionId: 'S03-0000000-0000000', deliveryDetails: [{ trackingNumber: 'x', carrierCode: 'YAMATO' }] }))).status).toBe(404);
  expect((await failure(t.client.deliveryTrackers({ chargePermissionId, deliveryDetails: [] }))).status).toBe(400);
});
