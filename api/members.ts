/**
 * Member linking (docs/product-rules.md, Members and Sign in with Amazon): a shop member is linked to an Amazon buyer id only when the member's
 * email equals the email Amazon holds for that buyer; unlink; look up by either side; and the data
 * "Sign in with Amazon" needs (the buyer behind a buyerToken and the member linked to it). The
 * shop owns its members; the engine keeps only the link. Storefront keys link, unlink and look up;
 * viewers read; editors may also unlink. Everything that starts from Amazon's sign-in (the signed
 * sign-in button, the sign-in itself and a link made from a buyerToken) needs the shop setting
 * signInWithAmazon and Amazon Pay enabled; otherwise 409 sign_in_with_amazon_disabled.
 */
import { Router, type Request, type Response } from 'express';
import type { WebStoreClient } from '../lib/amazon-pay-client';
import type { ShopMerchants } from '../lib/amazon-pay-engine';
import { readSettingsCached, type ShopSettings } from '../lib/settings';
import type { MemberLink, PrismaClient } from '../prisma/generated/client';
import { requireRole, shopOf } from './auth';
import { ApiError } from './errors';
import { buyerIdSchema, linkMemberSchema, memberIdSchema, signInButtonSchema, signInSchema } from './schemas';
import { signedButton } from './buttons';

export interface MembersDeps {
  prisma: PrismaClient;
  /** The key's shop's merchant: its Sign in with Amazon button and its buyers (store id, public key id, region). */
  merchants: ShopMerchants;
}

/** Sign in with Amazon is offered only when the shop shows its button (setting signInWithAmazon) and Amazon Pay is on. */
export function assertSignInAllowed(settings: ShopSettings): void {
  if (!settings.enabled) throw new ApiError(409, 'amazon_pay_disabled', 'Amazon Pay is switched off in the shop settings');
  if (!settings.signInWithAmazon) throw new ApiError(409, 'sign_in_with_amazon_disabled', 'Sign in with Amazon is switched off in the shop settings (signInWithAmazon); the shop should not show its button');
}

interface AmazonBuyer {
  buyerId?: string | null;
  name?: string | null;
  email?: string | null;
  phoneNumber?: string | null;
  postalCode?: string | null;
  countryCode?: string | null;
}

/** Emails compare case-insensitively and without surrounding spaces. */
export const sameEmail = (a: string, b: string): boolean => a.trim().toLowerCase() === b.trim().toLowerCase();

const linkView = (l: MemberLink) => ({ memberId: l.memberId, buyerId: l.buyerId, email: l.email, linkedAt: l.createdAt.toISOString() });

async function buyerFromToken(amazonPay: WebStoreClient, buyerToken: string): Promise<AmazonBuyer> {
  try {
    return (await amazonPay.getBuyer<AmazonBuyer>(buyerToken)).data;
  } catch (err) {
    const status = (err as { response?: { status?: number } }).response?.status;
    if (status !== undefined && status >= 400 && status < 500) throw new ApiError(422, 'invalid_buyer_token', 'Amazon does not accept this buyerToken (expired or from another store); sign in with Amazon again');
    throw new ApiError(503, 'amazon_unavailable', 'Could not read the buyer from Amazon Pay; retry shortly');
  }
}

export function memberRoutes(deps: MembersDeps): Router {
  const router = Router();
  const { prisma } = deps;
  const reader = requireRole(prisma, 'storefront', 'viewer');
  const writer = requireRole(prisma, 'storefront');
  const unlinker = requireRole(prisma, 'storefront', 'editor');

  /** Amazon's buyer id and email from whichever of the three sources the shop gave. */
  async function amazonIdentity(shopId: string, b: { buyerToken?: string; orderId?: string; buyerId?: string }): Promise<{ buyerId: string; email: string }> {
    if (b.buyerToken !== undefined) {
      // A buyerToken only comes from the Sign in with Amazon button.
      assertSignInAllowed(await readSettingsCached(prisma, shopId));
      const buyer = await buyerFromToken((await deps.merchants.forShop(shopId)).client, b.buyerToken);
      if (!buyer.buyerId || !buyer.email) throw new ApiError(422, 'buyer_email_unavailable', 'Amazon gave no buyer id or email for this buyerToken (request the email scope)');
      return { buyerId: buyer.buyerId, email: buyer.email };
    }
    const order = await prisma.order.findFirst({
      where: b.orderId !== undefined ? { shopId, orderId: b.orderId } : { shopId, buyerId: b.buyerId, buyerEmail: { not: null } },
      orderBy: { createdAt: 'desc' },
      select: { buyerId: true, buyerEmail: true },
    });
    if (!order?.buyerId || !order.buyerEmail) {
      throw new ApiError(404, 'buyer_unknown', b.orderId !== undefined ? `Order ${b.orderId} has no Amazon buyer yet` : `No order of buyer ${b.buyerId ?? ''} is known; link with a buyerToken or an orderId`);
    }
    return { buyerId: order.buyerId, email: order.buyerEmail };
  }

  router.post('/api/members/links', writer, async (req: Request, res: Response) => {
    const body = linkMemberSchema.parse(req.body);
    const shopId = shopOf(res);
    const amazon = await amazonIdentity(shopId, body);
    if (!sameEmail(body.memberEmail, amazon.email)) {
      throw new ApiError(409, 'email_mismatch', "The member's email differs from the email of the Amazon account; the accounts were not linked", { memberId: body.memberId, buyerId: amazon.buyerId });
    }
    const [byMember, byBuyer] = await Promise.all([prisma.memberLink.findUnique({ where: { shopId_memberId: { shopId, memberId: body.memberId } } }), prisma.memberLink.findUnique({ where: { shopId_buyerId: { shopId, buyerId: amazon.buyerId } } })]);
    if (byMember && byMember.buyerId === amazon.buyerId) {
      res.status(200).json({ link: linkView(byMember), created: false });
      return;
    }
    if (byMember) throw new ApiError(409, 'member_already_linked', `Member ${body.memberId} is linked to another Amazon account; unlink it first`);
    if (byBuyer) throw new ApiError(409, 'buyer_already_linked', 'This Amazon account is linked to another member; unlink it first', { memberId: byBuyer.memberId });
    try {
      const link = await prisma.memberLink.create({ data: { shopId, memberId: body.memberId, buyerId: amazon.buyerId, email: amazon.email.trim() } });
      res.status(201).json({ link: linkView(link), created: true });
    } catch (err) {
      if ((err as { code?: string }).code === 'P2002') throw new ApiError(409, 'link_conflict', 'A link for this member or buyer was just made; read it and retry');
      throw err;
    }
  });

  router.get('/api/members', requireRole(prisma, 'viewer'), async (_req: Request, res: Response) => {
    const links = await prisma.memberLink.findMany({ where: { shopId: shopOf(res) }, orderBy: { createdAt: 'desc' }, take: 500 });
    res.json({ links: links.map(linkView) });
  });

  router.get('/api/members/by-buyer/:buyerId', reader, async (req: Request, res: Response) => {
    const buyerId = buyerIdSchema.parse(req.params.buyerId);
    const link = await prisma.memberLink.findUnique({ where: { shopId_buyerId: { shopId: shopOf(res), buyerId } } });
    if (!link) throw new ApiError(404, 'link_not_found', 'No member is linked to this Amazon buyer');
    res.json({ link: linkView(link) });
  });

  // The Sign in with Amazon button: a payload signed with the merchant's key (the shop never holds it).
  router.post('/api/members/sign-in/button', writer, async (req: Request, res: Response) => {
    const body = signInButtonSchema.parse(req.body);
    const shopId = shopOf(res);
    assertSignInAllowed(await readSettingsCached(prisma, shopId));
    const { config: m, client: amazonPay } = await deps.merchants.forShop(shopId);
    const payloadJSON = JSON.stringify({
      signInReturnUrl: body.signInReturnUrl,
      ...(body.signInCancelUrl ? { signInCancelUrl: body.signInCancelUrl } : {}),
      storeId: m.storeId,
      signInScopes: body.signInScopes ?? ['name', 'email'],
    });
    const signature = amazonPay.generateButtonSignature(payloadJSON);
    res.status(201).json(signedButton(m, payloadJSON, signature, { productType: 'SignIn', placement: 'Other', config: 'signInConfig' }));
  });

  // Sign in with Amazon: the shop sends the buyerToken from its signInReturnUrl and signs the linked member in.
  router.post('/api/members/sign-in', writer, async (req: Request, res: Response) => {
    const { buyerToken } = signInSchema.parse(req.body);
    const shopId = shopOf(res);
    assertSignInAllowed(await readSettingsCached(prisma, shopId));
    const buyer = await buyerFromToken((await deps.merchants.forShop(shopId)).client, buyerToken);
    if (!buyer.buyerId) throw new ApiError(422, 'invalid_buyer_token', 'Amazon gave no buyer for this buyerToken');
    const link = await prisma.memberLink.findUnique({ where: { shopId_buyerId: { shopId, buyerId: buyer.buyerId } } });
    res.json({
      buyer: { buyerId: buyer.buyerId, name: buyer.name ?? null, email: buyer.email ?? null, phoneNumber: buyer.phoneNumber ?? null, postalCode: buyer.postalCode ?? null, countryCode: buyer.countryCode ?? null },
      linked: link !== null,
      memberId: link?.memberId ?? null,
    });
  });

  router.get('/api/members/:memberId', reader, async (req: Request, res: Response) => {
    const memberId = memberIdSchema.parse(req.params.memberId);
    const link = await prisma.memberLink.findUnique({ where: { shopId_memberId: { shopId: shopOf(res), memberId } } });
    if (!link) throw new ApiError(404, 'link_not_found', `Member ${memberId} is not linked to an Amazon account`);
    res.json({ link: linkView(link) });
  });

  router.delete('/api/members/:memberId/link', unlinker, async (req: Request, res: Response) => {
    const memberId = memberIdSchema.parse(req.params.memberId);
    const deleted = await prisma.memberLink.deleteMany({ where: { shopId: shopOf(res), memberId } });
    if (deleted.count === 0) throw new ApiError(404, 'link_not_found', `Member ${memberId} is not linked to an Amazon account`);
    res.json({ memberId, unlinked: true });
  });

  return router;
}
