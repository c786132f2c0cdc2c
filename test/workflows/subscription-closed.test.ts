// 継続課金: a permission Amazon closed (the buyer cancelled it) ends the subscription at its next charge date. In a file of
// its own: the Java time-skipping server stops skipping time for later tests once a child workflow has completed.
import { subscriptionState } from '../../workflows/subscription-messages';
import { harnessForFile, newRun } from './support/harness';
import { subscribe } from './support/subscription';

jest.setTimeout(120_000);

const h = harnessForFile();

test('a permission Amazon closed ends the subscription at the next charge, without a charge', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const { sub, permissionId } = await subscribe(h, run);
    expect((await sub.query(subscriptionState)).status).toBe('Active');
    run.amazon.setPermissionState(permissionId, 'Closed', 'BuyerCanceled');
    // Waiting for the result lets the server skip to the next charge date.
    const final = await sub.result();
    expect(final.status).toBe('Closed');
    expect(final.lastError?.code).toBe('BuyerCanceled');
    expect(run.amazon.count('createCharge')).toBe(0);
  });
});
