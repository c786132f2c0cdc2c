/**
 * The engine's full HTTP API from its dependencies: storefront checkout, member links, admin, Amazon
 * notifications, OpenAPI, health and metrics, the admin console (/admin) and the demo shop (/demo),
 * with rate limits on the public endpoints. Used by
 * `npm start`, `npm run api` and the tests alike.
 */
import type { Client, Connection } from '@temporalio/client';
import type { Express, RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { WebStoreClient } from '../lib/amazon-pay-client';
import type { AmazonPayConfig } from '../lib/config';
import type { Logger } from '../lib/logger';
import type { ReadinessProbe } from '../lib/readiness';
import type { SnsVerifier } from '../lib/sns-verify';
import type { PrismaClient } from '../prisma/generated/client';
import { adminRoutes } from './admin';
import { createApp } from './app';
import { checkoutRoutes } from './checkout';
import { consoleRoutes, type ConsoleOptions } from './console';
import { demoRoutes, type DemoOptions } from './demo';
import { errorBody } from './errors';
import { openApiRoutes } from './openapi';
import { createDeliveryTrackingStarter } from './delivery-tracking';
import { memberRoutes } from './members';
import { storefrontRoutes } from './storefront';
import { createOrdersGateway, type OrdersGateway } from './orders';
import { demoAuthorizationDaysGateway } from './demo-timings';
import { createSubscriptionNotifier, subscriptionRoutes } from './subscriptions';
import { webhookRoutes } from './webhook';

export interface EngineAppDeps {
  prisma: PrismaClient;
  temporal: { client: Client; connection: Connection };
  taskQueue: string;
  /** The order workflows' gateway (default: one over `temporal.client`); given when the caller also runs its sweeper. */
  orders?: OrdersGateway;
  amazonPay: WebStoreClient;
  merchant: AmazonPayConfig;
  verifier: SnsVerifier;
  readiness: ReadinessProbe;
  log: Logger;
  corsOrigins?: string[];
  rateLimitPerMinute?: number;
  /** The AMAZON_PAY_* variables hold the credentials (the settings screen cannot change them). */
  credentialsFromEnvironment?: boolean;
  /** The admin web console under /admin (always served). */
  console?: ConsoleOptions;
  /** The demo storefront under /demo: on by default only with the bundled simulator. */
  demo?: DemoOptions & { enabled?: boolean };
  /** DEMO ONLY, with the simulator (DEMO_AUTHORIZATION_DAY_SECONDS): one day of new orders' authorization clock, in ms. */
  demoAuthorizationDayMs?: number;
}

export function createEngineApp(deps: EngineAppDeps): Express {
  const gateway = deps.orders ?? createOrdersGateway(deps.temporal.client, deps.taskQueue, deps.prisma, deps.log);
  if (deps.demoAuthorizationDayMs !== undefined && deps.merchant.endpoint !== 'simulator') throw new Error('DEMO_AUTHORIZATION_DAY_SECONDS: demo only, refused with real Amazon Pay');
  const orders = deps.demoAuthorizationDayMs === undefined ? gateway : demoAuthorizationDaysGateway(gateway, deps.demoAuthorizationDayMs);
  const limiter: RequestHandler = rateLimit({
    windowMs: 60_000,
    limit: deps.rateLimitPerMinute ?? 300,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, res) => {
      res.status(429).json(errorBody('rate_limited', 'Too many requests; slow down and retry after the time in the RateLimit header'));
    },
  });
  const checkout = checkoutRoutes({ prisma: deps.prisma, orders, amazonPay: deps.amazonPay, merchant: deps.merchant });
  const webhook = webhookRoutes({ prisma: deps.prisma, orders, amazonPay: deps.amazonPay, verifier: deps.verifier, merchantId: deps.merchant.merchantId, log: deps.log, subscriptions: createSubscriptionNotifier(deps.temporal.client) });
  return createApp({
    readiness: deps.readiness,
    log: deps.log,
    corsOrigins: deps.corsOrigins,
    routes: [
      openApiRoutes(),
      adminRoutes({ prisma: deps.prisma, orders, merchant: deps.merchant, credentialsFromEnvironment: deps.credentialsFromEnvironment, deliveryTracking: createDeliveryTrackingStarter(deps.temporal.client, deps.taskQueue, deps.prisma) }),
      subscriptionRoutes({ prisma: deps.prisma, client: deps.temporal.client }),
      consoleRoutes({ prisma: deps.prisma, options: deps.console }),
      ...((deps.demo?.enabled ?? deps.merchant.endpoint === 'simulator') ? [demoRoutes({ prisma: deps.prisma, options: deps.demo })] : []),
    ],
    publicRoutes: [
      { path: '/api/checkouts', limiter, router: checkout },
      { path: '/api/webhooks', limiter, router: webhook },
      { path: '/api/storefront', limiter, router: storefrontRoutes({ prisma: deps.prisma, merchant: deps.merchant }) },
      { path: '/api/members', limiter, router: memberRoutes({ prisma: deps.prisma, amazonPay: deps.amazonPay, merchant: deps.merchant }) },
    ],
  });
}
