// The activity factory the worker registers: Amazon Pay calls plus persistence, all over injected dependencies.
import { createAmazonPayActivities } from './amazon-pay';
import type { ActivityDeps } from './deps';
import { createDeliveryTrackingActivities } from './delivery-tracking';
import { createPersistenceActivities } from './persistence';
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
  };
}

export type Activities = ReturnType<typeof createActivities>;
