/**
 * The platform's API (docs/shops.md), for `platform` keys only: create, list, show, suspend and reactivate shops, and
 * issue, list and revoke each shop's keys. A platform key acts in a shop's admin API by naming it (X-Shop-Id); here it
 * acts on the shops themselves. With the bundled simulator, a shop made without credentials gets a simulated merchant
 * of its own (registered with the simulator, its notifications sent to this engine's webhook), as Seller Central
 * would hand a real shop its own.
 */
import { createPublicKey } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { assertMerchantOfNoOtherShop, type ShopMerchants } from '../lib/amazon-pay-engine';
import { createApiKey, listApiKeys, revokeApiKey, SHOP_ROLES } from '../lib/api-keys';
import { generateMerchant, registerMerchant, type SimulatorEndpoint } from '../lib/dev-merchant';
import type { CredentialsInput } from '../lib/merchant-credentials';
import type { SecretBox } from '../lib/secret-box';
import { createShop, createShopSchema, listShops, readShop, setShopStatus, shopIdSchema, ShopExistsError, type ShopStatus, type ShopView } from '../lib/shops';
import type { PrismaClient } from '../prisma/generated/client';
import { requireRole } from './auth';
import { ApiError } from './errors';

export interface PlatformDeps {
  prisma: PrismaClient;
  box: SecretBox;
  merchants: ShopMerchants;
  /** With the bundled simulator: where it is, and the webhook its notifications for a new shop's merchant go to. */
  simulator?: SimulatorEndpoint & { notificationUrl: string; region: 'jp' | 'eu' | 'na' };
}

export const createShopKeySchema = z.strictObject({
  role: z.enum(SHOP_ROLES),
  name: z.string().trim().min(1).max(100),
});

const keyIdSchema = z.uuid('expected the id of an API key');

async function shopOr404(prisma: PrismaClient, idInput: unknown): Promise<ShopView> {
  const shopId = shopIdSchema.parse(idInput);
  const shop = await readShop(prisma, shopId);
  if (!shop) throw new ApiError(404, 'shop_not_found', `No shop ${shopId}`);
  return shop;
}

/**
 * The platform's use-cases, called by its API below and by the console's Shops page (api/console), so each rule (what
 * a new shop gets, which roles a shop's key may have, what is answered for a missing shop) lives here once. Inputs are
 * checked here: a refusal is a ZodError (400) or an ApiError (404 shop_not_found, 409 shop_exists, merchant_taken).
 */
export function createPlatformService(deps: PlatformDeps) {
  return {
    listShops: () => listShops(deps.prisma),

    /** Makes a shop; with the bundled simulator and no credentials given, with a simulated merchant of its own. */
    async createShop(input: unknown): Promise<{ shop: ShopView; simulatedMerchant: boolean }> {
      const body = createShopSchema.parse(input ?? {});
      let amazonPay: CredentialsInput | undefined = body.amazonPay;
      let simulated: ReturnType<typeof generateMerchant> | undefined;
      if (!amazonPay && deps.simulator) {
        simulated = generateMerchant();
        amazonPay = { merchantId: simulated.merchantId, storeId: simulated.storeId, publicKeyId: simulated.publicKeyId, privateKey: simulated.privateKeyPem };
      }
      if (amazonPay) await assertMerchantOfNoOtherShop(deps.merchants, body.shopId, amazonPay);
      if ((await readShop(deps.prisma, body.shopId)) !== undefined) throw new ApiError(409, 'shop_exists', `A shop with id ${body.shopId} already exists`);
      // The simulated merchant is the simulator's before the shop exists (its public key only; the private key stays
      // sealed here): a shop is never made with a merchant the simulator does not know. A failed registration makes
      // no shop; a shop refused after it leaves only an unused merchant in the simulator.
      if (simulated && deps.simulator) {
        const publicKeyPem = createPublicKey(simulated.privateKeyPem).export({ type: 'spki', format: 'pem' }).toString();
        await registerMerchant(deps.simulator, { merchantId: simulated.merchantId, storeId: simulated.storeId, publicKeyId: simulated.publicKeyId, publicKeyPem }, deps.simulator.notificationUrl, { region: deps.simulator.region });
      }
      let shop: ShopView;
      try {
        shop = await createShop(deps.prisma, deps.box, { shopId: body.shopId, name: body.name, ...(amazonPay ? { amazonPay } : {}) });
      } catch (err) {
        if (err instanceof ShopExistsError) throw new ApiError(409, 'shop_exists', err.message);
        throw err;
      }
      return { shop, simulatedMerchant: simulated !== undefined };
    },

    readShop: (shopIdInput: unknown) => shopOr404(deps.prisma, shopIdInput),

    async setStatus(shopIdInput: unknown, status: ShopStatus): Promise<ShopView> {
      const { shopId } = await shopOr404(deps.prisma, shopIdInput);
      return (await setShopStatus(deps.prisma, shopId, status))!;
    },

    /** Issues one of the shop's keys: the key itself is in this answer only (never stored in the clear, never logged). */
    async issueKey(shopIdInput: unknown, input: unknown) {
      const { shopId } = await shopOr404(deps.prisma, shopIdInput);
      const body = createShopKeySchema.parse(input ?? {});
      const created = await createApiKey(deps.prisma, body.role, body.name, shopId);
      return { key: { id: created.id, name: created.name, role: created.role, shopId, prefix: created.prefix }, secret: created.key };
    },
  };
}

export type PlatformService = ReturnType<typeof createPlatformService>;

export function platformRoutes(deps: PlatformDeps, service: PlatformService = createPlatformService(deps)): Router {
  const router = Router();
  const platform = requireRole(deps.prisma, 'platform');

  router.get('/api/platform/shops', platform, async (_req: Request, res: Response) => {
    res.json({ shops: await service.listShops() });
  });

  router.post('/api/platform/shops', platform, async (req: Request, res: Response) => {
    const { shop, simulatedMerchant } = await service.createShop(req.body);
    res.status(201).json({ shop, simulatedMerchant });
  });

  router.get('/api/platform/shops/:shopId', platform, async (req: Request, res: Response) => {
    res.json({ shop: await service.readShop(req.params.shopId) });
  });

  for (const [segment, status] of [['suspend', 'suspended'], ['reactivate', 'active']] as const) {
    router.post(`/api/platform/shops/:shopId/${segment}`, platform, async (req: Request, res: Response) => {
      res.json({ shop: await service.setStatus(req.params.shopId, status) });
    });
  }

  router.get('/api/platform/shops/:shopId/keys', platform, async (req: Request, res: Response) => {
    const { shopId } = await shopOr404(deps.prisma, req.params.shopId);
    res.json({ keys: await listApiKeys(deps.prisma, shopId) });
  });

  // The shop's first keys (and any later): the key itself is in this answer only.
  router.post('/api/platform/shops/:shopId/keys', platform, async (req: Request, res: Response) => {
    res.status(201).json(await service.issueKey(req.params.shopId, req.body));
  });

  router.delete('/api/platform/shops/:shopId/keys/:keyId', platform, async (req: Request, res: Response) => {
    const { shopId } = await shopOr404(deps.prisma, req.params.shopId);
    const keyId = keyIdSchema.parse(req.params.keyId);
    const revoked = await revokeApiKey(deps.prisma, keyId, shopId);
    if (revoked === 0) throw new ApiError(404, 'key_not_found', `No active key ${keyId} of shop ${shopId}`);
    res.json({ keyId, revoked: true });
  });

  return router;
}
