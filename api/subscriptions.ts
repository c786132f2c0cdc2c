/**
 * 継続課金 (docs/product-rules.md, Recurring charges) admin endpoints: the subscriptions (one per recurring charge permission) with their per-period
 * orders, and pause / resume / cancel / charge-now sent to the subscription's workflow as updates keyed by requestId.
 * Each period's order is an ordinary order: captured, cancelled and refunded through /api/admin/orders.
 */
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { Router, type Request, type Response } from 'express';
import { permissionChanged } from '../workflows/subscription-messages';
import { sendReply, waitOf } from './admin';
import type { AdminService, SubscriptionAction } from './admin-service';
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
  const router = Router();
  const viewer = requireRole(deps.prisma, 'viewer');
  const editor = requireRole(deps.prisma, 'editor');
  const s = deps.service;

  router.get('/api/admin/subscriptions', viewer, async (req: Request, res: Response) => {
    res.json(await s.listSubscriptions(req.query));
  });

  router.get('/api/admin/subscriptions/:subscriptionId', viewer, async (req: Request, res: Response) => {
    res.json(await s.subscriptionDetail(req.params.subscriptionId));
  });

  const actions: { path: string; action: SubscriptionAction }[] = [
    { path: 'pause', action: 'pause' },
    { path: 'resume', action: 'resume' },
    { path: 'cancel', action: 'cancel' },
    { path: 'charges', action: 'charge' },
  ];
  for (const a of actions) {
    router.post(`/api/admin/subscriptions/:subscriptionId/${a.path}`, editor, async (req: Request, res: Response) => {
      sendReply(res, await s.subscriptionAct(req.params.subscriptionId, a.action, req.body, waitOf(req)));
    });
  }

  return router;
}
