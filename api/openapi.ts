/**
 * `/openapi.json`, generated from the zod schemas that validate the requests (z.toJSONSchema), and
 * `/docs`, a self-contained page listing the endpoints from that same document.
 */
import { Router } from 'express';
import { z } from 'zod';
import {
  cancelSchema,
  cancelSubscriptionSchema,
  captureSchema,
  chargeNowSchema,
  completeCheckoutSchema,
  confirmCheckoutSchema,
  linkMemberSchema,
  listOrdersQuerySchema,
  listSubscriptionsQuerySchema,
  orderStatusSchema,
  refundSchema,
  reviewQuerySchema,
  checkoutResultQuerySchema,
  signInButtonSchema,
  signInSchema,
  startCheckoutSchema,
  subscriptionActionSchema,
  waitQuerySchema,
} from './schemas';
import { shopSettingsSchema } from '../lib/settings';
import { approvalDecisionSchema } from './admin-service';
import { createEndpointSchema, listEventsQuerySchema, resendSchema, rotateSecretSchema, updateEndpointSchema } from './events';
import { listAuditQuerySchema } from './audit';
import { createShopKeySchema } from './platform';
import { createShopSchema } from '../lib/shops';

interface Endpoint {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  summary: string;
  role?: string;
  body?: z.ZodType;
  query?: z.ZodObject;
  responses: Record<string, string>;
}

const ORDER_ID = { name: 'orderId', in: 'path', required: true, schema: { type: 'string' } };
const SHOP_HEADER_PARAMETER = {
  name: 'X-Shop-Id',
  in: 'header',
  required: false,
  description: "A platform key's shop: required with a platform key (400 shop_required), ignored if it names the key's own shop, 404 shop_not_found for another shop's key",
  schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,31}$' },
};

const ENDPOINTS: Endpoint[] = [
  { method: 'post', path: '/api/checkouts', summary: "Start an order's Amazon Pay checkout: its payment workflow and the signed button payload", role: 'storefront', body: startCheckoutSchema, responses: { 201: 'Button payload, signature and merchant data', 400: 'Invalid request (quick_checkout_only: placement, note or customFields without mode quick)', 409: 'order_exists; amazon_pay_disabled, quick_checkout_disabled, quick_checkout_placement_not_allowed, note_field_disabled or custom_fields_disabled (shop settings)' } },
  { method: 'get', path: '/api/storefront/config', summary: 'What the shop renders, from the shop settings: Amazon Pay on/off, payment intent, address source, which buttons to show (Amazon Pay, Sign in with Amazon, quick checkout on the cart and/or product page), the quick checkout note and custom fields, and the button script and merchant data', role: 'storefront', responses: { 200: '{enabled, paymentIntent, addressSource, chargebackProtection, buttons, quickCheckout, merchant}' } },
  { method: 'get', path: '/api/checkouts/{orderId}', summary: "Buyer, addresses and payment descriptor after Amazon's review redirect (quick checkout: plus `customer` with buyerId, name, email, addresses, guestAddress and linkedMemberId)", role: 'storefront', query: reviewQuerySchema, responses: { 200: 'Checkout details', 400: 'Malformed session id', 404: 'Unknown order', 409: 'Checkout is over; checkout_session_mismatch (the session was started for another order)', 410: 'Amazon does not know the session (expired)' } },
  { method: 'post', path: '/api/checkouts/{orderId}/confirm', summary: 'Set the final amount and get the Amazon Pay redirect URL', role: 'storefront', body: confirmCheckoutSchema, responses: { 200: '{amazonPayRedirectUrl}', 409: 'Wrong state', 422: "Invalid amount; currency_mismatch (not the order's currency)" } },
  { method: 'post', path: '/api/checkouts/{orderId}/complete', summary: 'Complete the payment after the buyer returned to the result URL (quick checkout: plus `customer`)', role: 'storefront', body: completeCheckoutSchema, responses: { 200: 'Payment status and amounts (asked again: the outcome decided then)', 402: 'Declined (buyer message ja/en in details; asked again: the same decline)', 409: 'checkout_session_mismatch (another order\'s session)', 410: 'Amazon does not know the session (expired)', 422: 'Amount mismatch', 503: 'still_processing: send the same request again' } },
  { method: 'get', path: '/api/checkouts/{orderId}/result', summary: "The checkout's outcome, however long ago it was decided: the payment, or the decline with its reason code and buyer message", role: 'storefront', query: checkoutResultQuerySchema, responses: { 200: 'Payment status and amounts', 202: 'Not decided yet', 402: 'Declined (reason code, buyer message ja/en in details)', 404: 'Unknown order', 409: 'checkout_session_mismatch' } },
  { method: 'post', path: '/api/members/links', summary: "Link a shop member to an Amazon buyer (from a buyerToken, an orderId or a known buyerId) when the member's email equals Amazon's", role: 'storefront', body: linkMemberSchema, responses: { 200: 'Already linked', 201: '{link}', 404: 'Buyer unknown', 409: 'email_mismatch, member_already_linked or buyer_already_linked; sign_in_with_amazon_disabled for a buyerToken while the setting is off', 422: 'Invalid buyerToken' } },
  { method: 'post', path: '/api/members/sign-in/button', summary: 'The signed Sign in with Amazon button (productType SignIn, signInConfig) for the shop to render; needs the setting signInWithAmazon', role: 'storefront', body: signInButtonSchema, responses: { 201: '{payloadJSON, signature, publicKeyId, button}', 409: 'sign_in_with_amazon_disabled or amazon_pay_disabled' } },
  { method: 'post', path: '/api/members/sign-in', summary: 'Sign in with Amazon: the buyer behind a buyerToken and the member linked to it; needs the setting signInWithAmazon', role: 'storefront', body: signInSchema, responses: { 200: '{buyer, linked, memberId}', 409: 'sign_in_with_amazon_disabled or amazon_pay_disabled', 422: 'Invalid buyerToken' } },
  { method: 'get', path: '/api/members', summary: 'Member links, newest first', role: 'viewer', responses: { 200: '{links}' } },
  { method: 'get', path: '/api/members/{memberId}', summary: "A member's Amazon link", role: 'storefront or viewer', responses: { 200: '{link}', 404: 'link_not_found' } },
  { method: 'get', path: '/api/members/by-buyer/{buyerId}', summary: 'The member linked to an Amazon buyer id', role: 'storefront or viewer', responses: { 200: '{link}', 404: 'link_not_found' } },
  { method: 'delete', path: '/api/members/{memberId}/link', summary: 'Unlink a member from its Amazon account', role: 'storefront or editor', responses: { 200: '{memberId, unlinked}', 404: 'link_not_found' } },
  { method: 'get', path: '/api/admin/orders', summary: 'Orders with their payment status, newest first, with filters and cursor paging', role: 'viewer', query: listOrdersQuerySchema, responses: { 200: '{orders, nextCursor}' } },
  { method: 'get', path: '/api/admin/orders/{orderId}', summary: "An order's payment: status, amounts, ids, authorization expiry, checkout (mode, addressSource and chargeback protection, quick checkout placement, note and custom fields), history, disputes (with the no-protection warning) and delivery trackers", role: 'viewer', responses: { 200: 'Order payment detail', 404: 'Unknown order' } },
  { method: 'post', path: '/api/admin/orders/{orderId}/capture', summary: 'Capture (full or partial) of amount {amount, currency}; a bare integer amount is deprecated (answered with a Deprecation header)', role: 'editor', body: captureSchema, query: waitQuerySchema, responses: { 200: 'Finished, with the result', 202: 'Accepted', 409: 'Invalid in the current state; request_id_reused', 422: "Invalid amount; currency_mismatch (not the order's currency)" } },
  { method: 'post', path: '/api/admin/orders/{orderId}/cancel', summary: 'Cancel the authorization', role: 'editor', body: cancelSchema, query: waitQuerySchema, responses: { 200: 'Finished, with the result', 202: 'Accepted', 409: 'Invalid in the current state' } },
  { method: 'post', path: '/api/admin/orders/{orderId}/refunds', summary: 'Refund (partial, repeatable up to the limit) of amount {amount, currency}; a bare integer amount is deprecated (answered with a Deprecation header). Above the shop\'s refundApprovalAbove it waits for a second editor', role: 'editor', body: refundSchema, query: waitQuerySchema, responses: { 200: 'Finished, with the result', 202: 'Accepted; or {status: approval_required, approval}', 409: 'Invalid in the current state; request_id_reused', 422: "Over the refundable amount; currency_mismatch (not the order's currency)" } },
  { method: 'post', path: '/api/admin/orders/{orderId}/status', summary: "Change the order status (may capture or cancel when linked); Shipped with carrierCode and trackingNumber also sends them to Amazon's delivery trackers API", role: 'editor', body: orderStatusSchema, query: waitQuerySchema, responses: { 200: 'Finished', 202: 'Accepted' } },
  { method: 'get', path: '/api/admin/subscriptions', summary: '継続課金: subscriptions (one per recurring charge permission), newest first', role: 'viewer', query: listSubscriptionsQuerySchema, responses: { 200: '{subscriptions}' } },
  { method: 'get', path: '/api/admin/subscriptions/{subscriptionId}', summary: 'A subscription: status, plan, next charge, the per-charge orders (period 1 = the checkout), failed periods and the events sent to the shop', role: 'viewer', responses: { 200: 'Subscription detail', 404: 'subscription_not_found' } },
  { method: 'post', path: '/api/admin/subscriptions/{subscriptionId}/charges', summary: 'Charge one period now (a Variable plan, or a retry after a suspension): a new order <subscriptionId>.R<n>', role: 'editor', body: chargeNowSchema, query: waitQuerySchema, responses: { 200: 'Charged: {period, orderId, paymentStatus}', 202: 'Accepted', 402: 'Declined (the subscription is suspended)', 409: 'invalid_state (paused, ended) or InvalidChargePermissionStatus', 422: "currency_mismatch (not the subscription's currency)" } },
  { method: 'post', path: '/api/admin/subscriptions/{subscriptionId}/pause', summary: 'Pause: no charge until resumed (missed periods are skipped)', role: 'editor', body: subscriptionActionSchema, query: waitQuerySchema, responses: { 200: '{status}', 409: 'invalid_state' } },
  { method: 'post', path: '/api/admin/subscriptions/{subscriptionId}/resume', summary: "Resume a paused or suspended subscription, once Amazon reports the permission Chargeable", role: 'editor', body: subscriptionActionSchema, query: waitQuerySchema, responses: { 200: '{status, nextChargeAt}', 409: 'InvalidChargePermissionStatus or invalid_state' } },
  { method: 'post', path: '/api/admin/subscriptions/{subscriptionId}/cancel', summary: 'Cancel: closes the charge permission at Amazon (charges already made stay capturable and refundable)', role: 'editor', body: cancelSubscriptionSchema, query: waitQuerySchema, responses: { 200: '{status}', 409: 'subscription_closed' } },
  { method: 'get', path: '/api/admin/refund-approvals', summary: 'Refunds waiting for a second editor (the setting refundApprovalAbove), across orders, oldest first', role: 'viewer', responses: { 200: '{approvals: [{orderId, approvalId, amount, requestId, requestedBy, requestedAt, expiresAt}]}' } },
  { method: 'post', path: '/api/admin/orders/{orderId}/refund-approvals/{approvalId}/approve', summary: 'Approve a refund waiting for approval: it runs now under its first requestId; the key that asked cannot approve it', role: 'editor', query: waitQuerySchema, responses: { 200: 'The refund, with its result', 202: 'Accepted', 403: 'approver_is_requester', 404: 'approval_not_found (decided, expired or unknown)', 409: 'approval_expired' } },
  { method: 'post', path: '/api/admin/orders/{orderId}/refund-approvals/{approvalId}/reject', summary: 'Reject a refund waiting for approval (nothing moves); the key that asked cannot reject it', role: 'editor', body: approvalDecisionSchema, query: waitQuerySchema, responses: { 200: '{approvalId, status: rejected}', 403: 'approver_is_requester', 404: 'approval_not_found' } },
  { method: 'get', path: '/api/admin/recovery', summary: 'Pre-payment log: payments that reached Amazon but did not complete here', role: 'viewer', responses: { 200: '{entries}' } },
  { method: 'post', path: '/api/admin/recovery/{id}/redrive', summary: "Make the order's workflow re-read Amazon's state for a recovery entry", role: 'editor', responses: { 200: 'Done', 202: 'Accepted', 404: 'Unknown entry' } },
  { method: 'get', path: '/api/admin/settings', summary: 'Shop settings and credentials overview (never the private key)', role: 'viewer', responses: { 200: '{settings, warnings, amazonPay}' } },
  { method: 'put', path: '/api/admin/settings', summary: 'Change shop settings (partial)', role: 'editor', body: shopSettingsSchema.partial(), responses: { 200: '{settings, warnings}', 400: 'Invalid settings', 422: 'legacy_mws_keys (MWS access key id / secret of the retired v1 API, however spelt, top level or in amazonPay) or invalid credentials' } },
  { method: 'get', path: '/api/events', summary: 'Events (docs/events.md), oldest first, after a cursor: how a shop catches up after downtime; every payment change of every order, numbered per order (seq)', role: 'storefront, viewer or editor', query: listEventsQuerySchema, responses: { 200: '{data: Event[], hasMore, nextAfter}', 400: 'Invalid query', 404: 'event_not_found (the after cursor)' } },
  { method: 'get', path: '/api/admin/orders/{orderId}/events', summary: "An order's events, oldest first, each with its deliveries per endpoint", role: 'viewer', responses: { 200: '{data: Array<Event & {delivery, deliveries}>}', 404: 'order_not_found' } },
  { method: 'post', path: '/api/admin/events/{eventId}/resend', summary: "Send an event again: its deliveries (or one endpoint's) become pending, due now", role: 'editor', body: resendSchema, responses: { 202: '{deliveries}', 404: 'event_not_found or endpoint_not_found', 409: 'nothing_to_resend' } },
  { method: 'get', path: '/api/admin/event-endpoints', summary: 'Where events go: the endpoints (never their secrets); SHOP_WEBHOOK_URL is the one of source env', role: 'viewer', responses: { 200: '{data: Endpoint[]}' } },
  { method: 'post', path: '/api/admin/event-endpoints', summary: 'Add an endpoint; its signing secret is in this answer only', role: 'editor', body: createEndpointSchema, responses: { 201: '{endpoint, secret}', 400: 'Invalid URL or event types', 409: 'too_many_endpoints' } },
  { method: 'patch', path: '/api/admin/event-endpoints/{id}', summary: "Change an endpoint's URL, description, event types or enabled", role: 'editor', body: updateEndpointSchema, responses: { 200: '{endpoint}', 404: 'endpoint_not_found', 409: 'endpoint_managed_by_environment' } },
  { method: 'post', path: '/api/admin/event-endpoints/{id}/rotate-secret', summary: 'A new signing secret (in this answer only); the previous one keeps signing beside it for overlapSeconds', role: 'editor', body: rotateSecretSchema, responses: { 200: '{endpoint, secret}', 404: 'endpoint_not_found', 409: 'endpoint_managed_by_environment' } },
  { method: 'delete', path: '/api/admin/event-endpoints/{id}', summary: 'Remove an endpoint; its pending deliveries are canceled', role: 'editor', responses: { 200: '{endpoint}', 404: 'endpoint_not_found', 409: 'endpoint_managed_by_environment' } },
  { method: 'get', path: '/api/admin/audit', summary: 'The audit log (docs/audit.md): one entry per state-changing admin request, refused ones included (who, from where, what, on which object, with which outcome), newest first, with filters and cursor paging. Read only: nothing can change it', role: 'viewer', query: listAuditQuerySchema, responses: { 200: '{entries: [{id, at, actor, sourceIp, userAgent, requestId, method, route, path, action, object, orderId, params, outcome: {status, code}, prevHash, hash}], nextCursor}', 400: 'invalid_request (a filter)' } },
  { method: 'get', path: '/api/platform/shops', summary: 'The shops (docs/shops.md), oldest first; never a private key', role: 'platform', responses: { 200: '{shops: [{shopId, name, status, merchant, createdAt, updatedAt}]}' } },
  { method: 'post', path: '/api/platform/shops', summary: 'Create a shop, with its Amazon Pay credentials (private key sealed) or, with the bundled simulator, a simulated merchant of its own', role: 'platform', body: createShopSchema, responses: { 201: '{shop, simulatedMerchant}', 400: 'Invalid shop id, name or credentials', 409: 'shop_exists; merchant_taken (the merchant is another shop\'s)' } },
  { method: 'get', path: '/api/platform/shops/{shopId}', summary: 'One shop', role: 'platform', responses: { 200: '{shop}', 404: 'shop_not_found' } },
  { method: 'post', path: '/api/platform/shops/{shopId}/suspend', summary: "Suspend a shop: its keys are refused (403 shop_suspended, within 5 s); its running payments and notifications go on", role: 'platform', responses: { 200: '{shop}', 404: 'shop_not_found' } },
  { method: 'post', path: '/api/platform/shops/{shopId}/reactivate', summary: 'Reactivate a suspended shop', role: 'platform', responses: { 200: '{shop}', 404: 'shop_not_found' } },
  { method: 'get', path: '/api/platform/shops/{shopId}/keys', summary: "A shop's API keys (never the keys themselves)", role: 'platform', responses: { 200: '{keys}', 404: 'shop_not_found' } },
  { method: 'post', path: '/api/platform/shops/{shopId}/keys', summary: "Issue a key of the shop (storefront, viewer or editor); the key is in this answer only", role: 'platform', body: createShopKeySchema, responses: { 201: '{key, secret}', 404: 'shop_not_found' } },
  { method: 'get', path: '/api/platform/audit', summary: "The audit log of the platform's own actions (shop=*, the default) or of one shop (shop=<id>); the same filters and paging as GET /api/admin/audit", role: 'platform', query: listAuditQuerySchema, responses: { 200: '{entries, nextCursor}', 400: 'invalid_request' } },
  { method: 'delete', path: '/api/platform/shops/{shopId}/keys/{keyId}', summary: "Revoke one of the shop's keys", role: 'platform', responses: { 200: '{keyId, revoked}', 404: 'shop_not_found or key_not_found (a key of another shop included)' } },
  { method: 'post', path: '/api/webhooks/amazon-pay', summary: 'Amazon Pay instant notifications (Amazon SNS, signature verified), routed to the shop of the merchant they name', responses: { 200: 'Handled', 400: 'Malformed; wrong_merchant (no shop has that merchant)', 403: 'Signature or certificate not trusted' } },
  { method: 'get', path: '/healthz', summary: 'The process is alive', responses: { 200: 'ok' } },
  { method: 'get', path: '/readyz', summary: 'Database, migrations and Temporal are ready', responses: { 200: 'ready', 503: 'not ready, with the parts that are not' } },
  { method: 'get', path: '/metrics', summary: 'Prometheus metrics', responses: { 200: 'text exposition format' } },
];

/** The money shape, and the deprecated one (README, "Money"). */
const MONEY_NOTE =
  "Money is {amount, currency} in integer minor units, in the order's currency (another is 422 currency_mismatch). Capture and refund still take a bare integer amount for one release; such an answer carries `Deprecation` (RFC 9745) and a `Link` with rel=\"deprecation\" to this page.";

const ERROR_SCHEMA = {
  type: 'object',
  properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} }, required: ['code', 'message'] } },
  required: ['error'],
};

function jsonSchema(schema: z.ZodType): unknown {
  const out = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete out.$schema;
  return out;
}

export function buildOpenApi(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const e of ENDPOINTS) {
    const parameters: unknown[] = [];
    if (e.path.includes('{orderId}')) parameters.push(ORDER_ID);
    if (e.path.includes('{id}')) parameters.push({ ...ORDER_ID, name: 'id' });
    if (e.path.includes('{memberId}')) parameters.push({ ...ORDER_ID, name: 'memberId' });
    if (e.path.includes('{buyerId}')) parameters.push({ ...ORDER_ID, name: 'buyerId' });
    if (e.path.includes('{subscriptionId}')) parameters.push({ ...ORDER_ID, name: 'subscriptionId' });
    if (e.path.includes('{shopId}')) parameters.push({ ...ORDER_ID, name: 'shopId' });
    if (e.path.includes('{keyId}')) parameters.push({ ...ORDER_ID, name: 'keyId' });
    // A platform key uses a shop's admin routes by naming the shop (docs/shops.md); a shop's key needs no header.
    if (e.role === 'viewer' || e.role === 'editor') parameters.push(SHOP_HEADER_PARAMETER);
    if (e.query) {
      const q = jsonSchema(e.query) as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, schema] of Object.entries(q.properties ?? {})) parameters.push({ name, in: 'query', required: q.required?.includes(name) ?? false, schema });
    }
    paths[e.path] ??= {};
    paths[e.path][e.method] = {
      summary: e.summary,
      ...(e.role ? { security: [{ bearer: [] }], 'x-role': e.role } : {}),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(e.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(e.body) } } } } : {}),
      responses: Object.fromEntries(
        Object.entries(e.responses).map(([status, description]) => [
          status,
          { description, ...(Number(status) >= 400 ? { content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } } : {}) },
        ]),
      ),
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Amazon Pay payment engine', version: '0.1.0', description: `Every order payment is a durable Temporal workflow. Every key belongs to one shop (or to the platform) and sees that shop only: another shop's anything is 404. ${MONEY_NOTE}` },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } }, schemas: { Error: ERROR_SCHEMA } },
    paths,
  };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

export function openApiRoutes(): Router {
  const router = Router();
  const doc = buildOpenApi();
  router.get('/openapi.json', (_req, res) => {
    res.json(doc);
  });
  router.get('/docs', (_req, res) => {
    const rows = ENDPOINTS.map(
      (e) =>
        `<tr><td><code>${e.method.toUpperCase()}</code></td><td><code>${escapeHtml(e.path)}</code></td><td>${escapeHtml(e.role ?? 'public')}</td><td>${escapeHtml(e.summary)}</td></tr>`,
    ).join('\n');
    res.type('html').send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Amazon Pay engine API</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}</style></head>
<body><h1>Amazon Pay engine API</h1><p>Authenticate with <code>Authorization: Bearer &lt;key&gt;</code> (<code>npm run keys -- create &lt;role&gt; --name &lt;name&gt;</code>). Errors are <code>{error:{code, message, details}}</code>. Schemas: <a href="/openapi.json">/openapi.json</a>.</p>
<p id="money">${escapeHtml(MONEY_NOTE)}</p>
<table><thead><tr><th>method</th><th>path</th><th>role</th><th>what</th></tr></thead><tbody>${rows}</tbody></table></body></html>`);
  });
  return router;
}
