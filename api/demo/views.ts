// HTML of the demo storefront: cart, checkout with the Amazon Pay button, review, result (buyer messages in Japanese),
// and the shop's own order list, kept from the engine's events. Every link, form and script is under the store's paths
// (paths.ts): the default shop's at /demo, another shop's at /demo/shops/<shopId>.
import { esc } from '../console/html';
import { EVENT_TYPE_LABELS, PAYMENT_STATUS_LABELS, formatDate, formatMoney, label } from '../console/i18n';
import type { ApiErrorBody } from './api-client';
import type { DemoPaths } from './paths';
import type { ShopOrder } from './shop-orders';

export interface Product {
  id: string;
  name: string;
  nameEn: string;
  price: number;
}

export const PRODUCTS: Product[] = [
  { id: 'matcha', name: '抹茶セット', nameEn: 'Matcha set', price: 3200 },
  { id: 'mug', name: '有田焼マグカップ', nameEn: 'Arita mug', price: 1800 },
  { id: 'furoshiki', name: '風呂敷', nameEn: 'Furoshiki wrap', price: 2500 },
];

export interface Cart {
  lines: { product: Product; qty: number }[];
  total: { amount: number; currency: string };
}

interface Address {
  name?: string | null;
  postalCode?: string | null;
  stateOrRegion?: string | null;
  city?: string | null;
  addressLine1?: string | null;
  addressLine2?: string | null;
  addressLine3?: string | null;
  countryCode?: string | null;
  phoneNumber?: string | null;
}

export interface ReviewView {
  buyer: { name?: string; email?: string; phoneNumber?: string };
  shippingAddress: Address | null;
  billingAddress: Address | null;
  paymentDescriptor: string | null;
}

const yen = (m: { amount: number; currency: string }) => formatMoney(m, 'ja');

/** The shop a store belongs to, named in its header (the default shop's demo names none, as before there were shops). */
export interface DemoShopName {
  shopId: string;
  name: string;
}

/** Another shop's demo, linked from the cart page so two shops can be opened side by side. */
export interface DemoShopLink extends DemoShopName {
  href: string;
}

export function demoLayout(p: DemoPaths, title: string, content: string, shop?: DemoShopName): string {
  const named = shop ? `<span class="shop-name" id="shop-name" data-shop-id="${esc(shop.shopId)}">${esc(shop.name)} <small class="mono">${esc(shop.shopId)}</small></span>` : '';
  return `<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} — デモショップ${shop ? ` (${esc(shop.name)})` : ''}</title><link rel="stylesheet" href="${esc(p.assets)}/demo.css"></head>
<body><header><a href="${esc(p.base)}">デモショップ <small>Demo shop</small></a>${named}<a class="nav" href="${esc(p.base)}/orders" id="shop-orders-link">受注一覧 <small>Orders</small></a><span class="note">Amazon Pay engine demo (sandbox)</span></header>
<main>${content}</main></body></html>`;
}

function cartTable(cart: Cart): string {
  return `<table class="cart"><thead><tr><th scope="col">商品 / Item</th><th scope="col">数量 / Qty</th><th scope="col">小計 / Subtotal</th></tr></thead><tbody>
${cart.lines.map((l) => `<tr><td>${esc(l.product.name)} <small>${esc(l.product.nameEn)}</small></td><td class="num">${l.qty}</td><td class="num">${esc(yen({ amount: l.product.price * l.qty, currency: 'JPY' }))}</td></tr>`).join('')}
</tbody><tfoot><tr><th scope="row" colspan="2">合計 / Total</th><td class="num" id="total">${esc(yen(cart.total))}</td></tr></tfoot></table>`;
}

/** What the shop renders, from GET /api/storefront/config (the shop settings). */
export interface StorefrontConfig {
  enabled: boolean;
  buttons: { amazonPay: boolean; signInWithAmazon: boolean; quickCheckout: { cart: boolean; product: boolean } };
  quickCheckout: { noteField: boolean; customFields: boolean };
}

/** The demo's custom order and delivery fields (the shop defines its own; shown only with quickCheckout.customFields). */
export const CUSTOM_FIELDS = {
  order: { key: 'gift-wrap', label: 'ギフト包装 / Gift wrap', choices: ['なし / none', 'あり / yes'] },
  delivery: { key: 'delivery-time', label: '配達時間帯 / Delivery time', choices: ['指定なし / any', '午前中 / morning', '14-16時', '18-20時'] },
} as const;

function quickPageFields(cfg: StorefrontConfig): string {
  const out: string[] = [];
  if (cfg.quickCheckout.noteField) {
    out.push('<label for="note">備考 / Note</label><textarea id="note" name="note" maxlength="1000" rows="2"></textarea>');
  }
  if (cfg.quickCheckout.customFields) {
    for (const [kind, f] of Object.entries(CUSTOM_FIELDS)) {
      out.push(`<label for="cf-${kind}">${esc(f.label)}</label><select id="cf-${kind}" name="${kind}.${f.key}">${f.choices.map((c) => `<option>${esc(c)}</option>`).join('')}</select>`);
    }
  }
  return out.length ? `<fieldset class="quick-fields" id="quick-fields"><legend>クイック決済 / Quick checkout</legend>${out.join('\n')}</fieldset>` : '';
}

/** The other shops' demos (none: nothing is shown). */
function otherShopsList(others: DemoShopLink[] | undefined): string {
  if (!others || others.length === 0) return '';
  return `<nav class="other-shops" id="other-shops" aria-labelledby="other-shops-title"><h2 id="other-shops-title">ほかのショップ <small>Other shops</small></h2><ul>
${others.map((o) => `<li><a href="${esc(o.href)}" data-shop-id="${esc(o.shopId)}" target="_blank" rel="noopener">${esc(o.name)} <small class="mono">${esc(o.shopId)}</small></a></li>`).join('\n')}
</ul><p class="note">別のタブで開くと、2つのショップを並べて試せます。/ Opens in another tab: try two shops side by side.</p></nav>`;
}

export function cartPage(p: DemoPaths, canceled: boolean, cfg: StorefrontConfig | undefined, error?: string, others?: DemoShopLink[]): string {
  const b = cfg?.buttons;
  const productQuick = (p: Product) => (b?.quickCheckout.product ? `<button type="submit" name="buyNow" value="${esc(p.id)}" id="quick-${esc(p.id)}" class="small">この商品をクイック決済 / Buy now</button>` : '');
  return `<h1>カート / Cart</h1>
${canceled ? '<p class="note" role="status" id="canceled">お支払いはキャンセルされました。/ The payment was canceled.</p>' : ''}
${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
${b && !b.amazonPay ? '<p class="note" id="amazon-pay-off">Amazon Payは現在ご利用いただけません。/ Amazon Pay is not available at the moment.</p>' : ''}
<form method="post" action="${esc(p.base)}/checkout" id="cart-form"><ul class="products">
${PRODUCTS.map((p, i) => `<li><span><strong>${esc(p.name)}</strong> <small>${esc(p.nameEn)}</small><br>${esc(yen({ amount: p.price, currency: 'JPY' }))}</span>
<label for="qty-${p.id}">数量 / Qty</label><input id="qty-${p.id}" name="qty-${p.id}" type="number" min="0" max="9" value="${i === 0 ? 1 : 0}">${productQuick(p)}</li>`).join('\n')}
</ul>${cfg ? quickPageFields(cfg) : ''}
${b?.amazonPay ? '<button type="submit" id="to-checkout">レジに進む / Checkout</button>' : ''}
${b?.quickCheckout.cart ? '<button type="submit" name="mode" value="quick" id="quick-checkout">Amazon Payでクイック決済 / Quick checkout with Amazon Pay</button>' : ''}</form>
${otherShopsList(others)}`;
}

export function checkoutPage(p: DemoPaths, orderId: string, cart: Cart, scriptUrl: string, buttonConfig: Record<string, unknown>): string {
  const json = JSON.stringify(buttonConfig).replace(/</g, '\\u003c');
  return `<h1>お支払い方法 / Payment</h1><p>注文番号 / Order: <strong id="order-id">${esc(orderId)}</strong></p>${cartTable(cart)}
<p>Amazonアカウントでお支払いください。/ Pay with your Amazon account.</p>
<div id="AmazonPayButton" aria-live="polite"></div>
<script type="application/json" id="amazon-pay-config">${json}</script>
<script src="${esc(scriptUrl)}"></script>
<script src="${esc(p.assets)}/demo.js"></script>`;
}

const addressHtml = (a: Address | null) =>
  a ? esc([a.name, a.postalCode ? `〒${a.postalCode}` : '', a.stateOrRegion, a.city, a.addressLine1, a.addressLine2, a.addressLine3, a.countryCode].filter(Boolean).join(' ')) : '-';

export function reviewPage(p: DemoPaths, orderId: string, sessionId: string, r: ReviewView, cart: Cart | undefined): string {
  return `<h1>ご注文内容の確認 / Review your order</h1><p>注文番号 / Order: <strong id="order-id">${esc(orderId)}</strong></p>
${cart ? cartTable(cart) : ''}
<dl class="review"><dt>購入者 / Buyer</dt><dd id="buyer-name">${esc(r.buyer.name ?? '-')} ${r.buyer.email ? `&lt;${esc(r.buyer.email)}&gt;` : ''}</dd>
<dt>お届け先 / Ship to</dt><dd id="shipping-address">${addressHtml(r.shippingAddress)}</dd>
<dt>ご請求先 / Bill to</dt><dd>${addressHtml(r.billingAddress)}</dd>
<dt>お支払い方法 / Payment</dt><dd id="payment-descriptor">${esc(r.paymentDescriptor ?? '-')}</dd>
<dt>お支払い金額 / Amount</dt><dd id="amount">${cart ? esc(yen(cart.total)) : '-'}</dd></dl>
<form method="post" action="${esc(p.base)}/confirm/${encodeURIComponent(orderId)}"><input type="hidden" name="amazonCheckoutSessionId" value="${esc(sessionId)}">
<button type="submit" id="place-order">注文を確定する / Place order</button></form>`;
}

export function errorPage(p: DemoPaths, body: ApiErrorBody): string {
  const e = body.error ?? {};
  const buyer = e.details?.buyerMessage;
  return `<h1>エラー / Error</h1><p class="error" role="alert" id="buyer-message">${esc(buyer?.ja ?? '技術的なエラーが発生しました。')}</p>
<p class="note" id="buyer-message-en">${esc(buyer?.en ?? e.message ?? '')}</p><p class="note">code: <span id="error-code">${esc(e.details?.reasonCode ?? e.code ?? '')}</span></p>
<p><a href="${esc(p.base)}">カートに戻る / Back to the cart</a></p>`;
}

/** What a quick checkout returns so the shop can register the guest or link a member (docs/product-rules.md, Quick checkout). */
export interface QuickCustomer {
  buyerId?: string | null;
  name?: string | null;
  email?: string | null;
  shippingAddress?: Address | null;
  linkedMemberId?: string | null;
}

function customerHtml(c: QuickCustomer | undefined): string {
  if (!c) return '';
  return `<h2>クイック決済のお客様情報 / Customer from Amazon</h2><dl class="review" id="quick-customer">
<dt>お名前 / Name</dt><dd id="customer-name">${esc(c.name ?? '-')}</dd>
<dt>メール / Email</dt><dd id="customer-email">${esc(c.email ?? '-')}</dd>
<dt>Amazon購入者ID / Buyer id</dt><dd id="customer-buyer-id">${esc(c.buyerId ?? '-')}</dd>
<dt>お届け先 / Ship to</dt><dd id="customer-address">${addressHtml(c.shippingAddress ?? null)}</dd>
<dt>会員 / Member</dt><dd id="customer-member">${esc(c.linkedMemberId ?? 'ゲスト / guest')}</dd></dl>`;
}

export function resultPage(p: DemoPaths, orderId: string, status: number, body: ApiErrorBody & { paymentStatus?: string; customer?: QuickCustomer }, cart: Cart | undefined): string {
  if (status !== 200) return `<p>注文番号 / Order: <strong id="order-id">${esc(orderId)}</strong></p>${errorPage(p, body)}`;
  const st = body.paymentStatus ?? '';
  return `<h1>ご注文ありがとうございました / Thank you</h1><p>注文番号 / Order: <strong id="order-id">${esc(orderId)}</strong></p>
${cart ? cartTable(cart) : ''}
<p>決済状況 / Payment status: <strong id="payment-status" data-status="${esc(st)}">${esc(label(PAYMENT_STATUS_LABELS, st, 'ja'))}</strong> (${esc(label(PAYMENT_STATUS_LABELS, st, 'en'))})</p>
${customerHtml(body.customer)}
<p><a href="${esc(p.base)}">買い物を続ける / Continue shopping</a></p>`;
}

/** One row of the shop's order list: the same HTML on the first render and in each live update. */
export function shopOrderRow(o: ShopOrder): string {
  const st = o.paymentStatus ?? '';
  const type = (EVENT_TYPE_LABELS as Record<string, { ja: string; en: string }>)[o.lastEventType];
  return `<tr data-order-id="${esc(o.orderId)}" data-status="${esc(st)}" data-seq="${o.lastSeq}" data-waiting="${o.waiting}"><td class="mono">${esc(o.orderId)}</td>
<td class="status"><strong>${esc(label(PAYMENT_STATUS_LABELS, st, 'ja'))}</strong> <small>${esc(label(PAYMENT_STATUS_LABELS, st, 'en'))}</small></td>
<td class="num">${o.lastSeq}${o.waiting ? ` <small class="waiting">(+${o.waiting} 待機中 / waiting)</small>` : ''}</td>
<td><span class="mono">${esc(o.lastEventType)}</span>${type ? `<br><small>${esc(type.ja)} / ${esc(type.en)}</small>` : ''}</td>
<td class="num">${o.lastAmount ? esc(formatMoney(o.lastAmount, 'ja')) : '-'}</td><td>${esc(formatDate(o.lastEventAt))}</td></tr>`;
}

/**
 * The shop's order list (受注一覧): only what the engine's events said, in their order, never read from the engine's
 * order API. The page's script keeps it live from the stream its table names (`${base}/orders/stream`).
 */
export function shopOrdersPage(p: DemoPaths, orders: ShopOrder[], receiving: { registered: boolean; url?: string; error?: string }): string {
  const state = receiving.registered
    ? `<p class="note" id="receiving" data-registered="true">エンジンのイベントを受信中 / Receiving the engine's events at <span class="mono">${esc(receiving.url ?? '')}</span></p>`
    : `<p class="error" id="receiving" data-registered="false">イベントの受信先を登録できていません / Not registered to receive events${receiving.error ? `: ${esc(receiving.error)}` : ''}</p>`;
  return `<h1>受注一覧 <small>Orders</small></h1>
<p class="note">この一覧はエンジンから届いたイベント (署名を確認し、注文ごとに通番順に適用) だけで更新されます。エンジンへの問い合わせはしません。/ This list changes only through the events the engine sends (signature checked, applied in each order's seq order); the shop never asks the engine for a status.</p>
${state}<p class="note" id="live-state" aria-live="polite"></p>
<table class="shop-orders" id="shop-orders" data-stream="${esc(p.base)}/orders/stream"><thead><tr><th scope="col">注文番号 / Order</th><th scope="col">決済状況 / Payment status</th><th scope="col">通番 / Seq</th><th scope="col">最後のイベント / Last event</th><th scope="col">金額 / Amount</th><th scope="col">日時 / At</th></tr></thead>
<tbody>${orders.map(shopOrderRow).join('\n')}</tbody></table>
<p class="note" id="no-shop-orders"${orders.length ? ' hidden' : ''}>まだイベントは届いていません。/ No event has arrived yet.</p>
<script src="${esc(p.assets)}/orders.js"></script>`;
}

/** No demo here: a shop that does not exist or is not active (nothing says which), or the default shop's other address. */
export function notFoundPage(p: DemoPaths): string {
  return `<h1>ショップが見つかりません / No such shop</h1><p class="error" role="alert" id="not-found">このアドレスにデモショップはありません。/ There is no demo shop at this address.</p>
<p><a href="${esc(p.base)}">デモショップへ / To the demo shop</a></p>`;
}
