// The benchmark's baseline: a bare workflow running `activities` no-op activities one after another (no database, no Amazon); bundled only by the baseline worker.
import { proxyActivities } from '@temporalio/workflow';

const { noop } = proxyActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '30 seconds', retry: { maximumAttempts: 3 } });

export async function benchBaseline(activities: number): Promise<number> {
  for (let i = 0; i < activities; i++) await noop();
  return activities;
}
