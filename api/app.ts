/**
 * The Express application: security headers, CORS closed unless origins are allowed, JSON bodies
 * up to 100 kB, request metrics, health and metrics endpoints, and a JSON 404/500 with a
 * machine-readable code and a human message. Feature routers (checkout, admin, webhook) are
 * mounted by the caller through `routes`.
 */
import { randomUUID } from 'node:crypto';
import cors from 'cors';
import express, { type Express, type RequestHandler, type Router } from 'express';
import helmet from 'helmet';
import type { TrustProxy } from '../lib/config';
import type { Logger } from '../lib/logger';
import { httpDuration, registry } from '../lib/metrics';
import type { ReadinessProbe } from '../lib/readiness';
import { errorBody, errorHandler } from './errors';
import { healthRoutes } from './health';

export interface AppDeps {
  readiness: ReadinessProbe;
  log: Logger;
  corsOrigins?: string[];
  /** Feature routers, mounted in order after the health routes. */
  routes?: Router[];
  /** Routers reachable without an admin key, each behind its rate limiter on `path`. */
  publicRoutes?: { path: string; limiter: RequestHandler; router: Router }[];
  /** Middleware run on `path` before every router (e.g. the admin API's per-key rate limit). */
  guards?: { path: string; handlers: RequestHandler[] }[];
  /**
   * Paths whose routes read the raw body themselves (a signature over the bytes as sent): the JSON parser leaves them
   * alone. A string is one exact path; a RegExp is tested against the whole path, so it must be anchored (^…$) and
   * stateless (no g or y flag): createApp refuses one that is not.
   */
  rawBodyPaths?: (string | RegExp)[];
  /** Express's `trust proxy` (TRUST_PROXY): default loopback, so a local reverse proxy's X-Forwarded-For counts. */
  trustProxy?: TrustProxy;
  /** Runs on every request right after its request id is set, before the body is parsed (the audit log, api/audit.ts). */
  audit?: RequestHandler;
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? 'loopback');
  app.use(helmet());
  app.use(cors({ origin: deps.corsOrigins && deps.corsOrigins.length > 0 ? deps.corsOrigins : false }));
  app.use((req, res, next) => {
    // A request id per request (or the caller's, when sane), echoed back and on every log line.
    const incoming = req.get('x-request-id');
    const requestId = incoming && /^[A-Za-z0-9._-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    res.set('x-request-id', requestId);
    res.locals.log = deps.log.child({ requestId });
    const started = process.hrtime.bigint();
    const end = httpDuration.startTimer({ method: req.method });
    res.once('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      end({ route, status: String(res.statusCode) });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const quiet = route === '/healthz' || route === '/readyz' || route === '/metrics';
      (res.locals.log as Logger)[quiet ? 'debug' : 'info']({ method: req.method, route, status: res.statusCode, ms: Math.round(ms * 10) / 10, orderId: req.params?.orderId }, 'request');
    });
    next();
  });
  // Before the body parsers: a request refused for its body is recorded too.
  if (deps.audit) app.use(deps.audit);
  // Amazon's SNS posts JSON as text/plain: the webhook router parses its own body.
  const json = express.json({ limit: '100kb' });
  const rawExact = new Set<string>();
  const rawPatterns: RegExp[] = [];
  for (const p of deps.rawBodyPaths ?? []) {
    if (typeof p === 'string') rawExact.add(p);
    else if (p.global || p.sticky || !p.source.startsWith('^') || !p.source.endsWith('$')) throw new Error(`rawBodyPaths: ${String(p)} must be anchored (^…$) and have no g or y flag`);
    else rawPatterns.push(p);
  }
  const isRaw = (path: string) => rawExact.has(path) || rawPatterns.some((r) => r.test(path));
  app.use((req, res, next) => (isRaw(req.path) ? next() : json(req, res, next)));
  app.use(healthRoutes(deps.readiness));
  app.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  for (const g of deps.guards ?? []) app.use(g.path, ...g.handlers);
  for (const p of deps.publicRoutes ?? []) {
    app.use(p.path, p.limiter);
    app.use(p.router);
  }
  for (const router of deps.routes ?? []) app.use(router);

  app.use((req, res) => {
    res.status(404).json(errorBody('not_found', `No route for ${req.method} ${req.path}`));
  });
  app.use(errorHandler(deps.log));
  return app;
}
