/**
 * The JSON admin API over the admin use-cases (api/admin-service.ts): order list and detail, the pre-payment recovery
 * log and the settings (role `viewer`); capture / cancel / refund / order status, redrive and settings changes (role
 * `editor`). Each route authenticates the key, hands the request's parts to the service and sends its answer.
 */
import { Router, type Request, type Response } from 'express';
import { requireRole } from './auth';
import type { ActionReply, AdminService, OrderAction } from './admin-service';
import { waitQuerySchema } from './schemas';

export { legacyMwsFields, LEGACY_MWS_MESSAGE } from './admin-service';

export interface AdminDeps {
  prisma: Parameters<typeof requireRole>[0];
  service: AdminService;
}

/** Sends an action's reply with its headers (the Deprecation of a bare-integer amount). */
export function sendReply(res: Response, r: ActionReply): void {
  res.set(r.headers).status(r.status).json(r.body);
}

export const waitOf = (req: Request): number | undefined => waitQuerySchema.parse(req.query).waitMs;

export function adminRoutes(deps: AdminDeps): Router {
  const router = Router();
  const viewer = requireRole(deps.prisma, 'viewer');
  const editor = requireRole(deps.prisma, 'editor');
  const s = deps.service;

  router.get('/api/admin/orders', viewer, async (req: Request, res: Response) => {
    res.json(await s.listOrders(req.query));
  });

  router.get('/api/admin/orders/:orderId', viewer, async (req: Request, res: Response) => {
    res.json(await s.orderDetail(req.params.orderId));
  });

  const moneyActions: { path: string; action: OrderAction }[] = [
    { path: 'capture', action: 'capture' },
    { path: 'cancel', action: 'cancel' },
    { path: 'refunds', action: 'refund' },
  ];
  for (const a of moneyActions) {
    router.post(`/api/admin/orders/:orderId/${a.path}`, editor, async (req: Request, res: Response) => {
      sendReply(res, await s.act(req.params.orderId, a.action, req.body, waitOf(req)));
    });
  }

  router.post('/api/admin/orders/:orderId/status', editor, async (req: Request, res: Response) => {
    sendReply(res, await s.setOrderStatus(req.params.orderId, req.body, waitOf(req)));
  });

  router.get('/api/admin/recovery', viewer, async (_req: Request, res: Response) => {
    res.json(await s.recovery());
  });

  router.post('/api/admin/recovery/:id/redrive', editor, async (req: Request, res: Response) => {
    sendReply(res, await s.redrive(req.params.id));
  });

  router.get('/api/admin/settings', viewer, async (_req: Request, res: Response) => {
    res.json(await s.settings());
  });

  router.put('/api/admin/settings', editor, async (req: Request, res: Response) => {
    res.json(await s.updateSettings(req.body));
  });

  return router;
}
