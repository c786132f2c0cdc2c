/**
 * The audit log over HTTP (docs/audit.md): the table of audited routes, the middleware that writes exactly one entry
 * per state-changing request of the admin API, the members' link and unlink and the console's forms (refused ones
 * included) once its answer is sent, and GET /api/admin/audit, the one way to read it (viewer and editor; there is no
 * way to change it). Checkout and storefront routes are the buyers' traffic: not audited.
 */
import { Router, type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { findApiKeyCached } from '../lib/api-keys';
import {
  AUDIT_ACTIONS,
  AUDIT_ACTION_NAMES,
  auditRecord,
  bodySource,
  listAuditEntries,
  requestedSettingFields,
  settingsChanges,
  settingsSnapshot,
  type AuditAction,
  type AuditActor,
  type AuditRecord,
  type AuditSource,
  type AuditWriter,
  type SettingsSnapshot,
  type StoredAuditEntry,
  NO_SHOP,
} from '../lib/audit';
import type { Logger } from '../lib/logger';
import { SHOP_ID_PATTERN } from '../lib/names';
import { auditWrites } from '../lib/metrics';
import type { PrismaClient } from '../prisma/generated/client';
import { ORDER_ACTION_PATHS, SUBSCRIPTION_ACTION_PATHS, type OrderAction, type SubscriptionAction } from './admin-service';
import { bearerToken, requireRole, shopOf, type Principal } from './auth';
import { settingsPatchFromForm } from './console/settings-form';
import { orderIdSchema } from './schemas';

type Method = 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One audited route: which action a request to it is, and where the entry's object and parameters come from. */
export interface AuditRoute {
  method: Method;
  /** The route's pattern as Express routes it; `:name` is one path segment. */
  route: string;
  /** The action, or how the path's parameters name it (the console's `/:action` routes). */
  action: AuditAction | ((params: Record<string, string>) => AuditAction);
  /** The source field naming the entry's object (a path parameter, a body field, or one `answer` reads). */
  object?: string;
  /** The path parameter naming the entry's order, when the object is not the order itself. */
  order?: string;
  /** Fields a console form spells its own way, read into the source. */
  form?: (body: Record<string, unknown>) => AuditSource;
  /** What the entry keeps of a JSON answer (read as it is sent; nothing else of the answer is held). */
  answer?: (body: Record<string, unknown>) => AuditSource;
  /** settings.update: the settings are read before and after the request to name the fields it changed. */
  settings?: 'api' | 'form';
}

const ORDER_AUDIT: Record<OrderAction | 'status', AuditAction> = { capture: 'order.capture', cancel: 'order.cancel', refund: 'order.refund', status: 'order.status' };
const SUBSCRIPTION_AUDIT: Record<SubscriptionAction, AuditAction> = { pause: 'subscription.pause', resume: 'subscription.resume', cancel: 'subscription.cancel', charge: 'subscription.charge' };

/** The console's POST …/:action routes: the action its path segment names (the API's segments), else route.unknown. */
function bySegment<A extends string>(paths: Readonly<Record<string, A>>, names: Record<A, AuditAction>) {
  return (p: Record<string, string>): AuditAction => (Object.hasOwn(paths, p.action) ? names[paths[p.action]] : 'route.unknown');
}

const idOf = (v: unknown): unknown => (typeof v === 'object' && v !== null ? (v as { id?: unknown }).id : undefined);

/**
 * Every state-changing route an admin reaches, by the API (with a key) or the console (with its session), and the
 * members' link and unlink. A state-changing request under /api/admin or /admin that none of these names is still
 * recorded, as route.unknown.
 */
export const AUDITED_ROUTES: readonly AuditRoute[] = [
  ...Object.entries(ORDER_ACTION_PATHS).map(([segment, a]): AuditRoute => ({ method: 'POST', route: `/api/admin/orders/:orderId/${segment}`, action: ORDER_AUDIT[a], object: 'orderId' })),
  ...(['approve', 'reject'] as const).map((d): AuditRoute => ({ method: 'POST', route: `/api/admin/orders/:orderId/refund-approvals/:approvalId/${d}`, action: `refund_approval.${d}`, object: 'approvalId', order: 'orderId' })),
  ...Object.entries(SUBSCRIPTION_ACTION_PATHS).map(([segment, a]): AuditRoute => ({ method: 'POST', route: `/api/admin/subscriptions/:subscriptionId/${segment}`, action: SUBSCRIPTION_AUDIT[a], object: 'subscriptionId' })),
  { method: 'POST', route: '/api/admin/recovery/:id/redrive', action: 'recovery.redrive', object: 'id' },
  { method: 'PUT', route: '/api/admin/settings', action: 'settings.update', settings: 'api' },
  { method: 'POST', route: '/api/admin/events/:eventId/resend', action: 'event.resend', object: 'eventId' },
  // The answer carries the new endpoint's secret: only its id is read from it.
  { method: 'POST', route: '/api/admin/event-endpoints', action: 'event_endpoint.create', object: 'createdId', answer: (a) => ({ createdId: idOf(a.endpoint) }) },
  { method: 'PATCH', route: '/api/admin/event-endpoints/:id', action: 'event_endpoint.update', object: 'id' },
  { method: 'POST', route: '/api/admin/event-endpoints/:id/rotate-secret', action: 'event_endpoint.rotate_secret', object: 'id' },
  { method: 'DELETE', route: '/api/admin/event-endpoints/:id', action: 'event_endpoint.delete', object: 'id' },
  { method: 'POST', route: '/api/members/links', action: 'member.link', object: 'memberId' },
  { method: 'DELETE', route: '/api/members/:memberId/link', action: 'member.unlink', object: 'memberId' },
  // The platform (api/platform.ts; docs/shops.md). A new key's answer carries the key: only its id is read from it.
  { method: 'POST', route: '/api/platform/shops', action: 'shop.create', object: 'shopId' },
  { method: 'POST', route: '/api/platform/shops/:shopId/suspend', action: 'shop.suspend', object: 'shopId' },
  { method: 'POST', route: '/api/platform/shops/:shopId/reactivate', action: 'shop.reactivate', object: 'shopId' },
  { method: 'POST', route: '/api/platform/shops/:shopId/keys', action: 'api_key.create', object: 'createdId', answer: (a) => ({ createdId: idOf(a.key) }) },
  { method: 'DELETE', route: '/api/platform/shops/:shopId/keys/:keyId', action: 'api_key.revoke', object: 'keyId' },
  { method: 'POST', route: '/admin/shop', action: 'console.switch_shop', object: 'shopId' },
  // The console's Shops page (platform sessions). A new key is answered with a page, not JSON: its route hands the
  // entry the key's id alone (rememberAuditAnswer), never the key.
  { method: 'POST', route: '/admin/shops', action: 'shop.create', object: 'shopId' },
  { method: 'POST', route: '/admin/shops/:shopId/suspend', action: 'shop.suspend', object: 'shopId' },
  { method: 'POST', route: '/admin/shops/:shopId/reactivate', action: 'shop.reactivate', object: 'shopId' },
  { method: 'POST', route: '/admin/shops/:shopId/keys', action: 'api_key.create', object: 'createdId' },
  // The console (api/console/index.ts).
  { method: 'POST', route: '/admin/login', action: 'console.sign_in' },
  { method: 'POST', route: '/admin/logout', action: 'console.sign_out' },
  { method: 'POST', route: '/admin/orders/:orderId/:action', action: bySegment(ORDER_ACTION_PATHS, ORDER_AUDIT), object: 'orderId' },
  {
    method: 'POST',
    route: '/admin/orders/:orderId/refund-approvals/:approvalId/:decision',
    action: (p) => (p.decision === 'approve' ? 'refund_approval.approve' : p.decision === 'reject' ? 'refund_approval.reject' : 'route.unknown'),
    object: 'approvalId',
    order: 'orderId',
  },
  { method: 'POST', route: '/admin/subscriptions/:subscriptionId/:action', action: bySegment(SUBSCRIPTION_ACTION_PATHS, SUBSCRIPTION_AUDIT), object: 'subscriptionId' },
  { method: 'POST', route: '/admin/recovery/:id/redrive', action: 'recovery.redrive', object: 'id' },
  { method: 'POST', route: '/admin/settings', action: 'settings.update', settings: 'form' },
  { method: 'POST', route: '/admin/events/:eventId/resend', action: 'event.resend', object: 'eventId' },
  // An unchecked checkbox is absent from a form: it means false.
  { method: 'POST', route: '/admin/event-endpoints', action: 'event_endpoint.create', form: (b) => ({ enabled: b.enabled === 'true' }) },
  { method: 'POST', route: '/admin/event-endpoints/:id/rotate', action: 'event_endpoint.rotate_secret', object: 'id' },
  { method: 'POST', route: '/admin/event-endpoints/:id/enabled', action: 'event_endpoint.update', object: 'id' },
  // The first post shows the confirmation page; the second (confirm=yes) deletes.
  { method: 'POST', route: '/admin/event-endpoints/:id/delete', action: 'event_endpoint.delete', object: 'id', form: (b) => ({ confirmed: b.confirm === 'yes' }) },
];

/** Where every state-changing request is recorded, whether a route answers it or not. */
const AUDITED_PREFIXES = ['/api/admin', '/api/platform', '/admin'];
const STATE_CHANGING = new Set<string>(['POST', 'PUT', 'PATCH', 'DELETE']);

const segmentsOf = (p: string): string[] => p.replace(/\/+$/, '').split('/');
const COMPILED = AUDITED_ROUTES.map((r) => ({ r, segments: segmentsOf(r.route) }));

const decode = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/**
 * The audited route a request goes to, and its path parameters. Matched as Express matches routes: literal segments
 * ignore case, a trailing slash is optional, parameters are decoded.
 */
export function matchAuditedRoute(method: string, path: string): { route: AuditRoute; params: Record<string, string> } | undefined {
  const given = segmentsOf(path);
  for (const { r, segments } of COMPILED) {
    if (r.method !== method || segments.length !== given.length) continue;
    const params: Record<string, string> = {};
    const ok = segments.every((want, i) => {
      if (want.startsWith(':')) {
        if (given[i] === '') return false;
        params[want.slice(1)] = decode(given[i]);
        return true;
      }
      return want.toLowerCase() === given[i].toLowerCase();
    });
    if (ok) return { route: r, params };
  }
  return undefined;
}

/** Whether the audit log records a request, and its audited route when it has one (else it is route.unknown). */
function auditedRequest(method: string, path: string): { found?: ReturnType<typeof matchAuditedRoute> } | undefined {
  if (!STATE_CHANGING.has(method)) return undefined;
  const found = matchAuditedRoute(method, path);
  const lower = path.toLowerCase();
  return found || AUDITED_PREFIXES.some((p) => lower === p || lower.startsWith(`${p}/`)) ? { found } : undefined;
}

export const isAudited = (method: string, path: string): boolean => auditedRequest(method, path) !== undefined;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * Who asked, and the shop whose log the entry goes to (docs/shops.md): the route's principal (API key, console session)
 * and the shop it acted in; else the key the request carried, in its own shop (a refused request of shop B's key is
 * B's, never another shop's); else nobody, in no shop (NO_SHOP). The platform's own routes are in no shop.
 */
async function actorOf(prisma: PrismaClient, req: Request, res: Response, status: number): Promise<{ actor: AuditActor | null; shopId: string }> {
  const p = res.locals.principal as Principal | undefined;
  if (p) return { actor: { keyId: p.keyId, name: p.name, role: p.role }, shopId: p.shopId || NO_SHOP };
  if (status === 401) return { actor: null, shopId: NO_SHOP };
  // Refused before or by the role check (403, 429, a malformed body): the key is known, and cached by the check.
  const token = bearerToken(req);
  const key = token ? await findApiKeyCached(prisma, token).catch(() => undefined) : undefined;
  return key ? { actor: { keyId: key.id, name: key.name, role: key.role }, shopId: key.shopId ?? NO_SHOP } : { actor: null, shopId: NO_SHOP };
}

/** settings.update: the fields the request changed (and their new shop values), or what a refused one asked for. */
async function settingsSource(prisma: PrismaClient, kind: 'api' | 'form', body: unknown, status: number, before: { shopId: string; snapshot: SettingsSnapshot } | undefined): Promise<AuditSource> {
  const asked = () => requestedSettingFields(kind === 'form' ? settingsPatchFromForm(isObject(body) ? body : {}) : body);
  if (status >= 400 || !before) return asked();
  try {
    return settingsChanges(before.snapshot, await settingsSnapshot(prisma, before.shopId));
  } catch {
    return asked();
  }
}

/**
 * Keeps the shop's settings as they are before a settings change (its route calls this once it knows the shop), so
 * the entry names the fields the change touched. A failed read only loses the names.
 */
export async function rememberSettingsBefore(prisma: PrismaClient, res: Response, shopId: string): Promise<void> {
  res.locals.auditSettingsBefore = await settingsSnapshot(prisma, shopId)
    .then((snapshot) => ({ shopId, snapshot }))
    .catch(() => undefined);
}

/**
 * What the entry keeps of a console form's answer, which is a page rather than JSON (a JSON route's `answer` reads
 * its answer): only what the route hands here, as the id of a key just issued, never the key itself.
 */
export function rememberAuditAnswer(res: Response, source: AuditSource): void {
  res.locals.auditAnswer = source;
}

export interface AuditDeps {
  prisma: PrismaClient;
  writer: AuditWriter;
  log: Logger;
}

/**
 * Records every audited request (isAudited) once its answer is sent: exactly one entry, also for a refused request
 * and for one whose client went away first (status 499 when nothing was answered yet). The entry is built and queued
 * after the answer; the answer never waits for the audit log.
 */
export function auditRequests(deps: AuditDeps): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    // Read now: a router mounted on a path changes req.url while its middleware runs, and may answer from there.
    const { method, path } = req;
    const audited = auditedRequest(method, path);
    if (!audited) {
      next();
      return;
    }
    const found = audited.found;
    const route = found?.route;
    let answer: AuditSource = {};
    let errorCode: string | undefined;
    const json = res.json.bind(res);
    res.json = ((body: unknown) => {
      if (isObject(body)) {
        errorCode = str(isObject(body.error) ? body.error.code : undefined);
        if (route?.answer) answer = route.answer(body);
      }
      return json(body);
    }) as Response['json'];

    let done = false;
    const write = (clientLeft: boolean) => {
      if (done) return;
      done = true;
      const at = new Date();
      const status = clientLeft && !res.headersSent ? 499 : res.statusCode;
      void build(at, status, clientLeft)
        .then((r) => deps.writer.record(r))
        .catch((err: unknown) => {
          auditWrites.inc({ outcome: 'failed' });
          deps.log.error({ err, method, path, requestId: res.get('x-request-id') }, 'audit log entry could not be made: entry lost');
        });
    };
    const build = async (at: Date, status: number, clientLeft: boolean): Promise<AuditRecord> => {
      const params = found?.params ?? {};
      const action: AuditAction = !route ? 'route.unknown' : typeof route.action === 'function' ? route.action(params) : route.action;
      const body: Record<string, unknown> = isObject(req.body) ? req.body : {};
      const source: AuditSource = route?.settings
        ? await settingsSource(deps.prisma, route.settings, body, status, res.locals.auditSettingsBefore as { shopId: string; snapshot: SettingsSnapshot } | undefined)
        : { ...bodySource(body), ...(route?.form?.(body) ?? {}), ...params, ...answer, ...((res.locals.auditAnswer as AuditSource | undefined) ?? {}) };
      const objectId = route?.object ? str(source[route.object]) : undefined;
      const orderId = AUDIT_ACTIONS[action].object === 'order' ? objectId : route?.order ? params[route.order] : undefined;
      const who = await actorOf(deps.prisma, req, res, status);
      return auditRecord({
        at,
        // A platform session's switch of shop is the platform's own action, in no shop's log.
        shopId: action === 'console.switch_shop' ? NO_SHOP : who.shopId,
        actor: who.actor,
        sourceIp: req.ip ?? req.socket.remoteAddress ?? null,
        userAgent: req.get('user-agent') ?? null,
        requestId: str(res.get('x-request-id')) ?? null,
        method,
        route: route?.route ?? null,
        path,
        action,
        objectId: objectId ?? null,
        orderId: orderId ?? null,
        source,
        outcomeStatus: status,
        outcomeCode: status >= 400 ? (errorCode ?? (clientLeft && status === 499 ? 'client_closed' : `http_${status}`)) : null,
      });
    };
    res.once('finish', () => write(false));
    res.once('close', () => write(true));
    next();
  };
}

/** The engine app's audit writer (for a caller that stops the app: flush it after the HTTP server has closed). */
export function auditWriterOf(app: Express): AuditWriter | undefined {
  return app.locals.auditLog as AuditWriter | undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// GET /api/admin/audit

export const listAuditQuerySchema = z.strictObject({
  actor: z.uuid('expected the id of an API key').optional().describe('Only entries of this API key (its id, as `npm run keys -- list` shows it)'),
  orderId: orderIdSchema.optional().describe('Only entries about this order: its actions and its refund approvals'),
  objectId: z.string().min(1).max(200).optional().describe("Only entries about this object (an order's, subscription's, endpoint's, event's, member's or key's id)"),
  action: z.enum(AUDIT_ACTION_NAMES).optional().describe('Only this action (order.refund, settings.update, …)'),
  from: z.iso.datetime({ offset: true }).optional().describe('At or after (ISO 8601)'),
  to: z.iso.datetime({ offset: true }).optional().describe('Before (ISO 8601)'),
  cursor: z.string().regex(/^\d{1,18}$/, 'expected the nextCursor of the page before').optional().describe('nextCursor of the previous page'),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

/** An entry as the API answers it. */
export function auditEntryView(e: StoredAuditEntry) {
  return {
    id: e.id.toString(),
    at: e.at.toISOString(),
    actor: e.actorRole ? { keyId: e.actorKeyId, name: e.actorName, role: e.actorRole } : null,
    sourceIp: e.sourceIp,
    userAgent: e.userAgent,
    requestId: e.requestId,
    method: e.method,
    route: e.route,
    path: e.path,
    action: e.action,
    object: e.objectType ? { type: e.objectType, id: e.objectId } : null,
    orderId: e.orderId,
    params: e.params,
    outcome: { status: e.outcomeStatus, code: e.outcomeCode },
    prevHash: e.prevHash,
    hash: e.hash,
  };
}

export type AuditEntryView = ReturnType<typeof auditEntryView>;

/** A page of the audit log, newest first; `query` as GET /api/admin/audit takes it (ZodError: 400). */
export async function listAudit(prisma: PrismaClient, shopId: string, query: unknown): Promise<{ entries: AuditEntryView[]; nextCursor: string | null }> {
  const q = listAuditQuerySchema.parse(query);
  const page = await listAuditEntries(prisma, {
    shopId,
    actorKeyId: q.actor,
    orderId: q.orderId,
    objectId: q.objectId,
    action: q.action,
    from: q.from ? new Date(q.from) : undefined,
    to: q.to ? new Date(q.to) : undefined,
    beforeId: q.cursor ? BigInt(q.cursor) : undefined,
    limit: q.limit,
  });
  return { entries: page.entries.map(auditEntryView), nextCursor: page.nextCursor };
}

export function auditRoutes(deps: { prisma: PrismaClient }): Router {
  const router = Router();
  router.get('/api/admin/audit', requireRole(deps.prisma, 'viewer'), async (req: Request, res: Response) => {
    res.json(await listAudit(deps.prisma, shopOf(res), req.query));
  });
  // The platform reads its own entries (shop=*, the default) or any shop's (docs/shops.md).
  router.get('/api/platform/audit', requireRole(deps.prisma, 'platform'), async (req: Request, res: Response) => {
    const { shop, ...query } = req.query as Record<string, unknown>;
    const shopId = z.union([z.literal(NO_SHOP), z.string().regex(SHOP_ID_PATTERN)]).default(NO_SHOP).parse(shop);
    res.json(await listAudit(deps.prisma, shopId, query));
  });
  return router;
}
