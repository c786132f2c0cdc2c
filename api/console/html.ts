// HTML escaping and the console's page layout (header, navigation, the session's shop, language switch, sign-out form).
import { PAYMENT_STATUS_LABELS, SHOP_STATUS_LABELS, label, t, type Lang, type TextKey } from './i18n';

export const esc = (v: unknown): string => String(v ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export type NavKey = 'orders' | 'approvals' | 'subscriptions' | 'recovery' | 'eventEndpoints' | 'settings' | 'audit' | 'shops';

/** A shop as the header names it (lib/shops.ts ShopView has these). */
export interface ShopChoice {
  shopId: string;
  name: string;
  status: string;
}

/** The shop the session acts in; for a platform session also every shop it may switch to (suspended ones too). */
export interface SessionShops {
  current: ShopChoice;
  choices?: ShopChoice[];
}

export interface LayoutOptions {
  lang: Lang;
  title: string;
  /** Current path with query, to come back to after switching language. */
  here: string;
  nav?: NavKey;
  user?: { name: string; role: string; csrf: string; shops?: SessionShops };
}

const shopText = (lang: Lang, x: ShopChoice) => `${x.name} (${x.shopId})${x.status === 'active' ? '' : ` — ${label(SHOP_STATUS_LABELS, x.status, lang)}`}`;

/**
 * The header's shop: a shop's key sees its own shop as text; a platform session sees the one it acts in and the
 * switcher (POST /admin/shop), every shop listed, a suspended one marked as such.
 */
function shopHeader(lang: Lang, csrf: string, shops: SessionShops | undefined): string {
  if (!shops) return '';
  const current = `<span id="current-shop" data-shop-id="${esc(shops.current.shopId)}">${esc(t(lang, 'currentShop'))}: ${esc(shopText(lang, shops.current))}</span>`;
  if (!shops.choices) return `<div class="shop">${current}</div>`;
  const options = shops.choices
    .map((x) => `<option value="${esc(x.shopId)}" data-status="${esc(x.status)}"${x.shopId === shops.current.shopId ? ' selected' : ''}>${esc(shopText(lang, x))}</option>`)
    .join('');
  return `<div class="shop">${current}<form method="post" action="/admin/shop" id="shop-switch"><input type="hidden" name="_csrf" value="${esc(csrf)}"><label for="shop-select" class="sr-only">${esc(t(lang, 'currentShop'))}</label><select id="shop-select" name="shopId">${options}</select> <button type="submit" class="small secondary" id="switch-shop">${esc(t(lang, 'switchShop'))}</button></form></div>`;
}

export function layout(o: LayoutOptions, content: string): string {
  const other: Lang = o.lang === 'ja' ? 'en' : 'ja';
  const navItem = (key: NavKey, href: string) =>
    `<li><a href="${href}"${o.nav === key ? ' aria-current="page"' : ''}>${esc(t(o.lang, key))}</a></li>`;
  const user = o.user
    ? `<nav aria-label="main"><ul>${navItem('orders', '/admin/orders')}${navItem('approvals', '/admin/refund-approvals')}${navItem('subscriptions', '/admin/subscriptions')}${navItem('recovery', '/admin/recovery')}${navItem('eventEndpoints', '/admin/event-endpoints')}${navItem('settings', '/admin/settings')}${navItem('audit', '/admin/audit')}${o.user.role === 'platform' ? navItem('shops', '/admin/shops') : ''}</ul></nav>
${shopHeader(o.lang, o.user.csrf, o.user.shops)}<div class="user"><span id="signed-in-as">${esc(o.user.name)} (<span id="role">${esc(o.user.role)}</span>)</span>
<form method="post" action="/admin/logout"><input type="hidden" name="_csrf" value="${esc(o.user.csrf)}"><button type="submit" class="link">${esc(t(o.lang, 'signOut'))}</button></form></div>`
    : '';
  return `<!doctype html>
<html lang="${o.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
${o.user ? `<meta name="csrf-token" content="${esc(o.user.csrf)}">` : ''}
<title>${esc(o.title)} — ${esc(t(o.lang, 'appTitle'))}</title>
<link rel="stylesheet" href="/admin/static/console.css">
<script src="/admin/static/console.js" defer></script>
</head><body>
<a class="skip" href="#main">${o.lang === 'ja' ? '本文へ移動' : 'Skip to content'}</a>
<header class="top"><a class="brand" href="/admin/orders">${esc(t(o.lang, 'appTitle'))}</a>${user}
<a class="lang" id="lang-switch" hreflang="${other}" href="/admin/lang?to=${other}&amp;back=${encodeURIComponent(o.here)}">${esc(t(o.lang, 'language'))}</a></header>
<main id="main">${content}</main>
</body></html>`;
}

export interface Money {
  amount: number;
  currency: string;
}

export function statusBadge(status: string, lang: Lang): string {
  return `<span class="badge st-${esc(status)}" data-status="${esc(status)}">${esc(label(PAYMENT_STATUS_LABELS, status, lang))}</span>`;
}

/** One order's or subscription's page as the console serves it: the list it belongs to, its title and id, its panel. */
export interface DetailView<D> {
  /** The list's path: the back link, and the page's own path below it, `${list}/:${param}`. */
  list: string;
  param: string;
  nav: NavKey;
  backLabel: TextKey;
  title: TextKey;
  idOf(d: D): string;
  /** The part the page's script re-renders after an action. */
  panel(lang: Lang, d: D, canEdit: boolean, temporalUrl: string): string;
}

/**
 * The page: a link back to its list, the heading with its id, the outcome line the page's script writes, the panel,
 * the refresh button and the confirm dialog.
 */
export function detailPage<D>(lang: Lang, view: DetailView<D>, d: D, canEdit: boolean, temporalUrl: string): string {
  return `<p><a href="${esc(view.list)}">← ${esc(t(lang, view.backLabel))}</a></p>
<h1>${esc(t(lang, view.title))} <span class="mono">${esc(view.idOf(d))}</span></h1>
<div id="outcome" role="status" aria-live="polite"></div>
${view.panel(lang, d, canEdit, temporalUrl)}
<p><button type="button" id="refresh-button" class="secondary">${esc(t(lang, 'refresh'))}</button></p>
${confirmDialog(lang)}`;
}

/** The dialog the page's script asks "are you sure?" in (console.js confirmAction). */
export function confirmDialog(lang: Lang): string {
  return `<dialog id="confirm-dialog" aria-labelledby="confirm-title"><form method="dialog"><h2 id="confirm-title">${esc(t(lang, 'confirmTitle'))}</h2><p id="confirm-text"></p>
<div class="buttons"><button value="cancel" class="secondary" id="confirm-no">${esc(t(lang, 'confirmCancel'))}</button> <button value="ok" id="confirm-yes">${esc(t(lang, 'confirmOk'))}</button></div></form></dialog>`;
}
