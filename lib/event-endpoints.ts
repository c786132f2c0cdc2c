/**
 * The endpoint SHOP_WEBHOOK_URL names (docs/events.md, Endpoints: "the zero-configuration default … an endpoint of
 * source `env` that wants every type; its secret stays in the environment"). Kept as one `event_endpoints` row so its
 * deliveries are rows like any endpoint's; the relay signs them with SHOP_WEBHOOK_SECRET.
 */
import { DEFAULT_SHOP_ID } from './names';
import type { PrismaClient } from '../prisma/generated/client';

export const ENV_ENDPOINT_SOURCE = 'env';
/** Any number, the same in every process: serializes two processes starting at once (one env row at most). */
const ENV_ENDPOINT_LOCK = 1_700_017_001;

export type EnvEndpointChange = 'created' | 'updated' | 'unchanged' | 'disabled' | 'none';

/**
 * Makes the env endpoint match this process's configuration: created (or re-enabled, its URL updated) when
 * SHOP_WEBHOOK_URL is set, disabled when it is not. Each API and worker process calls it at start. Events written
 * while it is disabled get no delivery to it; they stay listable through GET /api/events.
 */
export async function ensureEnvEndpoint(prisma: PrismaClient, shopWebhook?: { url: string }): Promise<EnvEndpointChange> {
  return prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT 1 AS locked FROM pg_advisory_xact_lock(${ENV_ENDPOINT_LOCK}::bigint)`;
    const row = await tx.eventEndpoint.findFirst({ where: { source: ENV_ENDPOINT_SOURCE }, orderBy: { createdAt: 'asc' } });
    if (!shopWebhook) {
      if (!row || !row.enabled) return 'none';
      await tx.eventEndpoint.update({ where: { id: row.id }, data: { enabled: false } });
      return 'disabled';
    }
    let change: EnvEndpointChange;
    let endpointId: string;
    if (!row) {
      // The default shop's (docs/shops.md: a database check); another shop registers its endpoints through the API.
      endpointId = (await tx.eventEndpoint.create({ data: { shopId: DEFAULT_SHOP_ID, url: shopWebhook.url, description: 'SHOP_WEBHOOK_URL', eventTypes: [], enabled: true, source: ENV_ENDPOINT_SOURCE } })).id;
      change = 'created';
    } else {
      endpointId = row.id;
      change = row.url === shopWebhook.url && row.enabled && row.deletedAt === null && row.eventTypes.length === 0 ? 'unchanged' : 'updated';
      if (change === 'updated') await tx.eventEndpoint.update({ where: { id: row.id }, data: { url: shopWebhook.url, enabled: true, deletedAt: null, eventTypes: [] } });
    }
    // Subscription events still owed when the event log came (the migration's backlog) go to this endpoint, once.
    const owed = await tx.eventBacklog.findMany({ where: { event: { shopId: DEFAULT_SHOP_ID } }, include: { event: { select: { id: true, shopId: true, orderId: true, seq: true } } } });
    if (owed.length > 0) {
      await tx.eventDelivery.createMany({ data: owed.map((o) => ({ shopId: o.event.shopId, eventRowId: o.event.id, endpointId, orderId: o.event.orderId, seq: o.event.seq })), skipDuplicates: true });
      await tx.eventBacklog.deleteMany({ where: { eventRowId: { in: owed.map((o) => o.eventRowId) } } });
    }
    return change;
  });
}
