// A money call's retryable decline (Amazon answered: docs/amazon-pay.md, Errors) is tried again after a durable wait
// with a fresh idempotency key, a bounded number of times; every decline is recorded in the history.
import { log, sleep } from '@temporalio/workflow';
import { failureOf, isRetryableDecline, type FailureInfo } from '../failures';
import type { HistoryKind } from '../types';
import { ActionFailed, poller } from './calls';
import type { Ledger } from './ledger';
import type { Projection } from './projection';
import type { Timers } from './timers';
import type { OrderContext } from './types';

export class DeclineRetry {
  /** Fresh keys used by decline retries so far (a later unknown outcome resumes from here). */
  used = 0;

  constructor(
    private readonly o: OrderContext,
    private readonly ledger: Ledger,
    private readonly projection: Projection,
    private readonly timers: Timers,
  ) {}

  /** Runs `call(declineRetry)`; a failure that is not retried (or retried too often) ends as ActionFailed. */
  async run<T>(kind: HistoryKind, amount: number, call: (declineRetry: number) => Promise<T>, onDecline?: (f: FailureInfo) => void): Promise<T> {
    const backoff = this.o.timings.declineRetryBackoffMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await call(attempt);
      } catch (err) {
        const f = failureOf(err);
        this.ledger.recordFailure(kind, f, { amount });
        onDecline?.(f);
        const retry = isRetryableDecline(f) && attempt < backoff.length && (f.code !== 'ProcessingFailure' || (await this.permissionChargeable()));
        if (!retry) throw new ActionFailed(f);
        log.warn('retrying after a retryable decline', { orderId: this.o.orderId, code: f.code, attempt: attempt + 1 });
        this.used += 1;
        await this.projection.flush();
        this.timers.declineRetryAt = Date.now() + backoff[attempt];
        await sleep(backoff[attempt]);
        this.timers.declineRetryAt = undefined;
      }
    }
  }

  /** ProcessingFailure may be retried only while the charge permission is chargeable. */
  private async permissionChargeable(): Promise<boolean> {
    const id = this.o.s.chargePermissionId;
    if (id === undefined) return true;
    try {
      const p = await poller.getChargePermission({ chargePermissionId: id });
      return p.state === 'Chargeable';
    } catch (err) {
      failureOf(err);
      return false;
    }
  }
}
