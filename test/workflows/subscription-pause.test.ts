// 継続課金: pause skips periods, resume continues on schedule, cancel closes the permission at Amazon. A file of its own, like
// subscription-closed.test.ts: the Java time-skipping server sometimes stops skipping time for later tests in a file.
import { cancelSubscription, chargeNow, pauseSubscription, resumeSubscription, subscriptionState } from '../../workflows/subscription-messages';
import { harnessForFile, newRun } from './support/harness';
import { eventually, subscribe } from './support/subscription';

jest.setTimeout(180_000);

const DAY = 24 * 60 * 60 * 1000;
const h = harnessForFile();

test('pause skips periods, resume continues on schedule, cancel closes the permission at Amazon and ends the subscription', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const { sub, permissionId } = await subscribe(h, run, { recurringPlan: { frequency: { unit: 'Week', value: 2 }, amount: 1200 } });
    const paused = await sub.executeUpdate(pauseSubscription, { args: [{ requestId: 'p-1' }] });
    expect(paused.status).toBe('Paused');
    await h.env.sleep(45 * DAY);
    await new Promise((r) => setTimeout(r, 500));
    expect(run.amazon.count('createCharge')).toBe(0);

    const resumed = await sub.executeUpdate(resumeSubscription, { args: [{ requestId: 'r-1' }] });
    expect(resumed.status).toBe('Active');
    // Missed periods are skipped, not charged: the next charge is in the future.
    // (Compared with the server's clock, which the sleeps moved 45 days ahead of this process's.)
    const serverNow = await h.env.currentTimeMs();
    const next = Date.parse(resumed.nextChargeAt as string);
    expect(next).toBeGreaterThan(serverNow);
    expect(next - serverNow).toBeLessThanOrEqual(14 * DAY);
    await h.env.sleep(15 * DAY);
    await eventually(() => sub.query(subscriptionState), (x) => x.periods.length === 1, 'one charge after resuming');
    expect(run.amazon.count('createCharge')).toBe(1);

    const canceled = await sub.executeUpdate(cancelSubscription, { args: [{ requestId: 'c-1', reason: 'buyer asked' }] });
    expect(canceled.status).toBe('Canceled');
    expect(run.amazon.permissions.get(permissionId)?.statusDetails.state).toBe('Closed');
    const final = await sub.result();
    expect(final.status).toBe('Canceled');
    // The workflow has ended: Temporal refuses the update (the dev server says "already completed", the time-skipping one "not found").
    await expect(sub.executeUpdate(chargeNow, { args: [{ requestId: 'late' }] })).rejects.toThrow(/already completed|not found/i);
    expect(run.amazon.count('createCharge')).toBe(1);
  });
});
