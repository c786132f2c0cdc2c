/**
 * The JSON admin API over the admin use-cases (api/admin-service.ts): order list and detail, the pre-payment recovery
 * log and the settings (role `viewer`); capture / cancel / refund / order status, redrive and settings changes (role
 * `editor`). Each route authenticates the key, hands the request's parts to the service and sends its answer.
 */
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { principalOf, requireRole, shopOf } from './auth';
import { rememberSettingsBefore } from './audit';
import type { Actor } from '../workflows/messages';

/** Who is asking: the authenticated key, as the workflow records it on the rows it writes (docs/audit.md). */
export function actorOf(res: Response): Actor {
  const p = principalOf(res);
  return { keyId: p.keyId, name: p.name, role: p.role };
}
import { ORDER_ACTION_PATHS, type ActionReply, type AdminService } from './admin-service';
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

/** The roles an admin router checks: `viewer` reads, `editor` acts. */
export interface AdminRoles {
  router: Router;
  viewer: RequestHandler;
  editor: RequestHandler;
}

export function adminRouter(prisma: AdminDeps['prisma']): AdminRoles {
  return { router: Router(), viewer: requireRole(prisma, 'viewer'), editor: requireRole(prisma, 'editor') };
}

/** Something the admin lists, shows one of, and acts on: its routes hand the request's parts to the service. */
export interface AdminResource<A extends string> {
  /** The list's path; one item is `${path}/:${param}` (the parameter's name shows in the request log and metrics). */
  path: string;
  param: string;
  /** Each takes the shop the request acts in first (docs/shops.md): the principal's, never the request's. */
  list(shopId: string, query: unknown): Promise<unknown>;
  detail(shopId: string, id: unknown): Promise<unknown>;
  act(shopId: string, id: unknown, action: A, body: unknown, waitMs: number | undefined, actor: Actor): Promise<ActionReply>;
  /** The actions, POST `${path}/:${param}/<segment>`, by segment. */
  actions: Readonly<Record<string, A>>;
}

export function resourceRoutes<A extends string>({ router, viewer, editor }: AdminRoles, r: AdminResource<A>): Router {
  router.get(r.path, viewer, async (req: Request, res: Response) => {
    res.json(await r.list(shopOf(res), req.query));
  });
  router.get(`${r.path}/:${r.param}`, viewer, async (req: Request, res: Response) => {
    res.json(await r.detail(shopOf(res), req.params[r.param]));
  });
  for (const [segment, action] of Object.entries(r.actions)) {
    router.post(`${r.path}/:${r.param}/${segment}`, editor, async (req: Request, res: Response) => {
      sendReply(res, await r.act(shopOf(res), req.params[r.param], action, req.body, waitOf(req), actorOf(res)));
    });
  }
  return router;
}

export function adminRoutes(deps: AdminDeps): Router {
  const roles = adminRouter(deps.prisma);
  const { router, viewer, editor } = roles;
  const shop = (shopId: string) => deps.service.forShop(shopId);
  const s = (res: Response) => shop(shopOf(res));
  resourceRoutes(roles, {
    path: '/api/admin/orders',
    param: 'orderId',
    list: (shopId, query) => shop(shopId).listOrders(query),
    detail: (shopId, id) => shop(shopId).orderDetail(id),
    act: (shopId, id, action, body, waitMs, actor) => (action === 'status' ? shop(shopId).setOrderStatus(id, body, waitMs, actor) : shop(shopId).act(id, action, body, waitMs, actor)),
    actions: ORDER_ACTION_PATHS,
  });

  // Second approval for large refunds (docs/product-rules.md, Refund approval): what waits, and another editor's decision.
  router.get('/api/admin/refund-approvals', viewer, async (_req: Request, res: Response) => {
    res.json(await s(res).pendingApprovals());
  });
  for (const decision of ['approve', 'reject'] as const) {
    router.post(`/api/admin/orders/:orderId/refund-approvals/:approvalId/${decision}`, editor, async (req: Request, res: Response) => {
      sendReply(res, await s(res).decideApproval(req.params.orderId, req.params.approvalId, decision, req.body, actorOf(res), waitOf(req)));
    });
  }

  router.get('/api/admin/recovery', viewer, async (_req: Request, res: Response) => {
    res.json(await s(res).recovery());
  });

  router.post('/api/admin/recovery/:id/redrive', editor, async (req: Request, res: Response) => {
    sendReply(res, await s(res).redrive(req.params.id));
  });

  router.get('/api/admin/settings', viewer, async (_req: Request, res: Response) => {
    res.json(await s(res).settings());
  });

  router.put('/api/admin/settings', editor, async (req: Request, res: Response) => {
    await rememberSettingsBefore(deps.prisma, res, shopOf(res));
    res.json(await s(res).updateSettings(req.body));
  });

  return router;
}
