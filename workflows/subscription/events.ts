// What the subscription tells the world: its projection row, the shop's events (each posted by a workflow of its own),
// and the status changes the admin and the shop hear about (suspended, closed).
import { log, ParentClosePolicy, proxyLocalActivities, startChild, WorkflowIdReusePolicy } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { ShopEventType } from '../../activities/shop-events';
import { shopEventId, shopEventWorkflowId, shopOfWorkflowId, WORKFLOW_TYPES } from '../../lib/names';
import { dbWriteLocal } from '../activity-options';
import type { FailureInfo } from '../failures';
import type { SubscriptionState } from '../types';
import { FINAL, type SubscriptionContext } from './types';

const localDb = proxyLocalActivities<Activities>(dbWriteLocal);

export class SubscriptionEvents {
  constructor(private readonly c: SubscriptionContext) {}

  snapshot(): SubscriptionState {
    const { input, s } = this.c;
    return {
      subscriptionId: input.subscriptionId,
      workflowId: this.c.workflowId,
      chargePermissionId: input.chargePermissionId,
      status: s.status,
      amount: input.amount.amount,
      currency: input.amount.currency,
      frequency: input.frequency,
      paymentIntent: input.paymentIntent,
      nextChargeAt: s.status === 'Active' && s.nextChargeAt !== undefined ? new Date(s.nextChargeAt).toISOString() : undefined,
      periods: s.periods.map((p) => ({ ...p })),
      lastError: s.lastError,
    };
  }

  /** Writes the subscription's row. */
  async save(): Promise<void> {
    const st = this.snapshot();
    await localDb.saveSubscription({
      subscriptionId: st.subscriptionId,
      workflowId: st.workflowId,
      chargePermissionId: st.chargePermissionId,
      status: st.status,
      amount: st.amount,
      currency: st.currency,
      frequencyUnit: st.frequency.unit,
      frequencyValue: st.frequency.value,
      paymentIntent: st.paymentIntent,
      periodsCharged: this.c.s.period,
      nextChargeAt: st.nextChargeAt,
      lastErrorCode: st.lastError?.code,
      lastErrorMessage: st.lastError?.message,
    });
  }

  /** Records the event and posts it to the shop in a workflow of its own, so a slow shop never holds a charge. */
  async emit(type: ShopEventType, data: Record<string, unknown>): Promise<void> {
    const { input, s } = this.c;
    s.eventSeq += 1;
    const eventId = shopEventId(this.c.workflowId, s.eventSeq, type);
    await startChild(WORKFLOW_TYPES.shopEventDelivery, {
      workflowId: shopEventWorkflowId(shopOfWorkflowId(this.c.workflowId), eventId),
      args: [{ eventId, type, subscriptionId: input.subscriptionId, occurredAt: new Date(Date.now()).toISOString(), data: { ...data, status: s.status, chargePermissionId: input.chargePermissionId } }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    }).catch((err: unknown) => log.warn('shop event not started (already sent?)', { eventId, error: err instanceof Error ? err.message : String(err) }));
  }

  /** A charge failed for good (or Amazon made the permission non-chargeable): suspended until the admin acts. */
  async suspend(f: FailureInfo, period?: number, orderId?: string): Promise<void> {
    const { s } = this.c;
    s.lastError = { code: f.code, message: f.message };
    log.warn('subscription suspended', { subscriptionId: this.c.input.subscriptionId, code: f.code, period });
    if (period !== undefined) await this.emit('recurring.charge.failed', { period, ...(orderId ? { orderId } : {}), code: f.code, message: f.message });
    if (s.status !== 'Suspended') {
      s.status = 'Suspended';
      await this.emit('subscription.suspended', { code: f.code, message: f.message });
    }
  }

  /** Amazon closed the permission: the subscription ends. */
  async close(reason: string | undefined): Promise<void> {
    const { s } = this.c;
    if (FINAL.has(s.status)) return;
    s.status = 'Closed';
    s.lastError = { code: reason ?? 'Closed', message: `Amazon closed the charge permission (${reason ?? 'no reason given'})` };
    await this.emit('subscription.closed', { reason });
  }
}
