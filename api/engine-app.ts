/**
 * The engine's full HTTP API from its dependencies: storefront checkout, member links, admin, Amazon
 * notifications, OpenAPI, health and metrics, the admin console (/admin) and the demo shop (/demo),
 * with a rate limit per route class (per client IP) and per admin API key. Used by
 * `npm start`, `npm run api` and the tests alike.
 */
import type { Client, Connection } from '@temporalio/client';
import type { Express } from 'express';
import type { ShopMerchants } from '../lib/amazon-pay-engine';
import type { TrustProxy } from '../lib/config';
import type { SecretBox } from '../lib/secret-box';
import type { Logger } from '../lib/logger';
import type { ReadinessProbe } from '../lib/readiness';
import type { SnsVerifier } from '../lib/sns-verify';
import type { PrismaClient } from '../prisma/generated/client';
import { createAuditWriter } from '../lib/audit';
import { DEFAULT_SHOP_ID } from '../lib/names';
import { adminRoutes } from './admin';
import { auditRequests, auditRoutes } from './audit';
import { createAdminService } from './admin-service';
import { createApp } from './app';
import { checkoutRoutes } from './checkout';
import { consoleRoutes, type ConsoleOptions } from './console';
import { demoRoutes, type DemoOptions } from './demo';
import { DEMO_EVENTS_PATH, DEMO_SHOP_EVENTS_PATH_PATTERN } from './demo/paths';
import { identifyApiKey } from './auth';
import { openApiRoutes } from './openapi';
import { createPlatformService, platformRoutes, type PlatformDeps } from './platform';
import { createDeliveryTrackingStarter } from './delivery-tracking';
import { memberRoutes } from './members';
import { storefrontRoutes } from './storefront';
import { createOrdersGateway, type OrdersGateway } from './orders';
import { demoAuthorizationDaysGateway } from './demo-timings';
import { createSubscriptionNotifier, subscriptionRoutes } from './subscriptions';
import { DEFAULT_RATE_LIMITS, perIpLimit, perKeyLimit, type RateLimitClass, type RateLimits } from './rate-limits';
import { webhookRoutes } from './webhook';
import { createEventsService, eventAdminRoutes, eventRoutes, type EventsService } from './events';

export interface EngineAppDeps {
  prisma: PrismaClient;
  temporal: { client: Client; connection: Connection };
  taskQueue: string;
  /** The order workflows' gateway (default: one over `temporal.client`); given when the caller also runs its sweeper. */
  orders?: OrdersGateway;
  /** Each shop's Amazon Pay merchant and a client signing as it (docs/shops.md). */
  merchants: ShopMerchants;
  /** Where Amazon Pay is: the bundled simulator (the demo shop is on by default) or Amazon. */
  amazonPayEndpoint: 'simulator' | 'amazon';
  verifier: SnsVerifier;
  readiness: ReadinessProbe;
  log: Logger;
  corsOrigins?: string[];
  /** Per client IP and minute for every public class that `rateLimits` does not name (default 300). */
  rateLimitPerMinute?: number;
  /** Budgets per route class (api/rate-limits.ts); unnamed ones: `rateLimitPerMinute`, else the defaults. */
  rateLimits?: Partial<RateLimits>;
  /** Express's `trust proxy` (TRUST_PROXY). */
  trustProxy?: TrustProxy;
  /** The AMAZON_PAY_* variables hold the default shop's credentials (its settings screen cannot change them). */
  credentialsFromEnvironment?: boolean;
  /** The admin web console under /admin (always served). */
  console?: ConsoleOptions;
  /**
   * The demo storefront under /demo: on by default only with the bundled simulator. With the simulator, every other
   * active shop's demo is at /demo/shops/<shopId> too (never with real Amazon Pay, whatever `enabled` says).
   */
  demo?: DemoOptions & { enabled?: boolean };
  /** DEMO ONLY, with the simulator (DEMO_AUTHORIZATION_DAY_SECONDS): one day of new orders' authorization clock, in ms. */
  demoAuthorizationDayMs?: number;
  /** With the bundled simulator: where it is, so a shop the platform makes gets a simulated merchant of its own. */
  simulator?: PlatformDeps['simulator'];
  /** Seals event endpoint secrets and shops' private keys (lib/secret-box.ts, the engine master key; the same on every API and worker process). */
  secretBox: SecretBox;
}

export function createEngineApp(deps: EngineAppDeps): Express {
  const gateway = deps.orders ?? createOrdersGateway(deps.temporal.client, deps.taskQueue, deps.prisma, deps.log);
  if (deps.demoAuthorizationDayMs !== undefined && deps.amazonPayEndpoint !== 'simulator') throw new Error('DEMO_AUTHORIZATION_DAY_SECONDS: demo only, refused with real Amazon Pay');
  const orders = deps.demoAuthorizationDayMs === undefined ? gateway : demoAuthorizationDaysGateway(gateway, deps.demoAuthorizationDayMs);
  // One budget per route class: junk at the webhook never uses up the checkouts' budget, one admin key never another's.
  const limit = (c: RateLimitClass) => deps.rateLimits?.[c] ?? deps.rateLimitPerMinute ?? DEFAULT_RATE_LIMITS[c];
  const checkout = checkoutRoutes({ prisma: deps.prisma, orders, merchants: deps.merchants });
  // The admin use-cases, called in-process by the JSON admin API and the console alike.
  const admin = createAdminService({
    prisma: deps.prisma,
    orders,
    client: deps.temporal.client,
    merchants: deps.merchants,
    secretBox: deps.secretBox,
    credentialsFromEnvironment: deps.credentialsFromEnvironment,
    deliveryTracking: createDeliveryTrackingStarter(deps.temporal.client, deps.taskQueue, deps.prisma),
  });
  // One per-key budget for an admin key, whether it calls the API or acts in the console it signed in to.
  const adminKeyLimit = perKeyLimit('admin', limit('admin'));
  const events: EventsService = createEventsService({
    prisma: deps.prisma,
    sealSecret: (plain) => deps.secretBox.seal(plain),
  });
  // The audit log (docs/audit.md): one entry per state-changing admin request, written after its answer.
  const auditLogger = deps.log.child({ component: 'audit' });
  const auditLog = createAuditWriter(deps.prisma, auditLogger);
  // The platform's use-cases (shops and their keys), called by its API and by the console's Shops page alike.
  const platformDeps: PlatformDeps = { prisma: deps.prisma, box: deps.secretBox, merchants: deps.merchants, ...(deps.simulator ? { simulator: deps.simulator } : {}) };
  const platform = createPlatformService(platformDeps);
  // The demo takes orders without a key: only the default shop's with real Amazon (DEMO_ENABLED), every shop's with the simulator.
  const demoEnabled = deps.demo?.enabled ?? deps.amazonPayEndpoint === 'simulator';
  const shopDemos = demoEnabled && deps.amazonPayEndpoint === 'simulator';
  const webhook = webhookRoutes({ prisma: deps.prisma, orders, merchants: deps.merchants, verifier: deps.verifier, log: deps.log, subscriptions: createSubscriptionNotifier(deps.temporal.client) });
  const app = createApp({
    readiness: deps.readiness,
    log: deps.log,
    corsOrigins: deps.corsOrigins,
    audit: auditRequests({ prisma: deps.prisma, writer: auditLog, log: auditLogger }),
    routes: [
      openApiRoutes(),
      adminRoutes({ prisma: deps.prisma, service: admin }),
      auditRoutes({ prisma: deps.prisma }),
      platformRoutes(platformDeps, platform),
      eventAdminRoutes({ prisma: deps.prisma, service: events }),
      subscriptionRoutes({ prisma: deps.prisma, service: admin }),
      consoleRoutes({
        prisma: deps.prisma,
        service: admin,
        events,
        platform,
        keyLimit: adminKeyLimit,
        options: {
          ...deps.console,
          loginMaxFailures: deps.console?.loginMaxFailures ?? deps.rateLimits?.consoleLoginFailures ?? DEFAULT_RATE_LIMITS.consoleLoginFailures,
          loginWindowMs: deps.console?.loginWindowMs ?? deps.rateLimits?.consoleLoginWindowMs ?? DEFAULT_RATE_LIMITS.consoleLoginWindowMs,
        },
      }),
      ...(demoEnabled
        ? [demoRoutes({ prisma: deps.prisma, events: events.forShop(DEFAULT_SHOP_ID), options: deps.demo, ...(shopDemos ? { shops: { events: (shopId: string) => events.forShop(shopId) } } : {}) })]
        : []),
    ],
    trustProxy: deps.trustProxy,
    // The demo's event receivers check the signature over the body as sent (each shop's demo has its own).
    rawBodyPaths: [DEMO_EVENTS_PATH, ...(shopDemos ? [DEMO_SHOP_EVENTS_PATH_PATTERN] : [])],
    guards: [
      { path: '/api/admin', handlers: [identifyApiKey(deps.prisma), adminKeyLimit] },
      { path: '/api/platform', handlers: [identifyApiKey(deps.prisma), adminKeyLimit] },
      // The demo shop takes orders without a key: each visitor's address gets a budget of the checkout's size.
      { path: '/demo', handlers: [perIpLimit('demo', limit('checkout'))] },
    ],
    publicRoutes: [
      { path: '/api/checkouts', limiter: perIpLimit('checkout', limit('checkout')), router: checkout },
      { path: '/api/webhooks', limiter: perIpLimit('webhook', limit('webhook')), router: webhook },
      { path: '/api/storefront', limiter: perIpLimit('storefront', limit('storefront')), router: storefrontRoutes({ prisma: deps.prisma, merchants: deps.merchants }) },
      { path: '/api/events', limiter: perIpLimit('storefront', limit('storefront')), router: eventRoutes({ prisma: deps.prisma, service: events }) },
      { path: '/api/members', limiter: perIpLimit('members', limit('members')), router: memberRoutes({ prisma: deps.prisma, merchants: deps.merchants }) },
    ],
  });
  // For whoever stops the app: flush it once the HTTP server has closed (api/audit.ts auditWriterOf).
  app.locals.auditLog = auditLog;
  return app;
}
