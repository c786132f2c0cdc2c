// The activity factory the worker registers: Amazon Pay calls plus persistence, all over injected dependencies.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { DEFAULT_SHOP_ID, shopOfWorkflowId } from '../lib/names';
import type { AmazonPayApi } from './amazon-pay-api';
import { createAmazonPayActivities } from './amazon-pay';
import type { ActivityDeps } from './deps';
import { createDeliveryTrackingActivities } from './delivery-tracking';
import { createPersistenceActivities } from './persistence';
import { createPrePaymentActivities } from './pre-payment-log';
import { createReconcileActivities } from './reconcile';
import { createShopEventActivities } from './shop-events';
import { createSubscriptionActivities } from './subscriptions';

export type { ActivityDeps } from './deps';
export type { AmazonPayApi } from './amazon-pay-api';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createAmazonPayActivities(deps), ...createPersistenceActivities(deps), ...createReconcileActivities(deps), ...createDeliveryTrackingActivities(deps),
    ...createSubscriptionActivities(deps),
    ...createShopEventActivities(deps),
    ...createPrePaymentActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;

/** An error that names a shop without Amazon Pay credentials (lib/amazon-pay-engine.ts ShopNotConfiguredError). */
function isShopNotConfigured(err: unknown): err is Error {
  return err instanceof Error && (err as { code?: unknown }).code === 'shop_not_configured';
}

/**
 * A client that asks `clientFor` for the shop's current client on every call, so a change of the shop's credentials
 * applies to the next call (lib/amazon-pay-engine.ts caches and revalidates). Every operation of the SDK's client is
 * async, so each property is a function forwarding to the same one of the current client.
 */
function currentClientOf(shopId: string, clientFor: (shopId: string) => Promise<AmazonPayApi>): AmazonPayApi {
  return new Proxy({} as AmazonPayApi, {
    // Not a promise: `await` of the client must give the client (no `then`).
    get: (_target, name) => (name === 'then' ? undefined : async (...args: unknown[]) => {
      const client = (await clientFor(shopId)) as unknown as Record<string | symbol, (...a: unknown[]) => unknown>;
      if (typeof client[name] !== 'function') throw ApplicationFailure.nonRetryable(`the Amazon Pay client has no operation ${String(name)}`, 'Unsupported');
      return client[name](...args);
    }),
  });
}

/**
 * The activities of every shop (docs/shops.md), as the worker registers them: each call runs with the activities of
 * the shop of the workflow that scheduled it (lib/names.ts shopOfWorkflowId), so its Amazon calls sign as that shop's
 * merchant and its database work is that shop's. Nothing a workflow sends can name another shop. A shop without
 * credentials fails the call for good (`shop_not_configured`), not retried.
 */
export function createShopActivities(base: Omit<ActivityDeps, 'shopId' | 'amazonPay' | 'amazonPayFor'>, clientFor: (shopId: string) => Promise<AmazonPayApi>): Activities {
  const perShop = new Map<string, Activities>();
  const amazonPayFor = (shopId: string) => currentClientOf(shopId, clientFor);
  const forShop = (shopId: string): Activities => {
    let a = perShop.get(shopId);
    if (!a) {
      a = createActivities({ ...base, shopId, amazonPay: amazonPayFor(shopId), amazonPayFor });
      perShop.set(shopId, a);
    }
    return a;
  };
  const names = Object.keys(forShop(DEFAULT_SHOP_ID)) as (keyof Activities)[];
  const dispatch = (name: keyof Activities) => async (...args: unknown[]) => {
    const workflowId = Context.current().info.workflowExecution?.workflowId;
    if (workflowId === undefined) throw ApplicationFailure.create({ type: 'no_workflow', message: 'an engine activity runs only for a workflow, whose id names its shop', nonRetryable: true });
    const shopId = shopOfWorkflowId(workflowId);
    try {
      return await (forShop(shopId)[name] as (...a: unknown[]) => Promise<unknown>)(...args);
    } catch (err) {
      if (isShopNotConfigured(err)) throw ApplicationFailure.create({ type: 'shop_not_configured', message: err.message, nonRetryable: true });
      throw err;
    }
  };
  return Object.fromEntries(names.map((name) => [name, dispatch(name)])) as unknown as Activities;
}
