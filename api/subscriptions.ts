/**
 * 継続課金 (docs/product-rules.md, Recurring charges) admin endpoints: the subscriptions (one per recurring charge permission) with their per-period
 * orders, and pause / resume / cancel / charge-now sent to the subscription's workflow as updates keyed by requestId.
 * Each period's order is an ordinary order: captured, cancelled and refunded through /api/admin/orders.
 */
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { Router } from 'express';
import { permissionChanged } from '../workflows/subscription-messages';
import { adminRouter, resourceRoutes } from './admin';
import { SUBSCRIPTION_ACTION_PATHS, type AdminService } from './admin-service';
import { requireRole } from './auth';

export { subscriptionView } from './admin-service';

export interface SubscriptionNotifier {
  permissionChanged(workflowId: string, notificationId: string): Promise<void>;
}

/** Signals the subscription; one that has ended has nothing to learn. */
export function createSubscriptionNotifier(client: Client): SubscriptionNotifier {
  return {
    async permissionChanged(workflowId, notificationId) {
      try {
        await client.workflow.getHandle(workflowId).signal(permissionChanged, { notificationId });
      } catch (err) {
        const ended = err instanceof WorkflowNotFoundError || /workflow execution already completed/i.test(err instanceof Error ? err.message : String(err));
        if (!ended) throw err;
      }
    },
  };
}

export interface SubscriptionDeps {
  prisma: Parameters<typeof requireRole>[0];
  service: AdminService;
}

export function subscriptionRoutes(deps: SubscriptionDeps): Router {
  const s = (shopId: string) => deps.service.forShop(shopId);
  return resourceRoutes(adminRouter(deps.prisma), {
    path: '/api/admin/subscriptions',
    param: 'subscriptionId',
    list: (shopId, query) => s(shopId).listSubscriptions(query),
    detail: (shopId, id) => s(shopId).subscriptionDetail(id),
    act: (shopId, id, action, body, waitMs) => s(shopId).subscriptionAct(id, action, body, waitMs),
    actions: SUBSCRIPTION_ACTION_PATHS,
  });
}
