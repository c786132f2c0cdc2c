// The platform's Shops page (docs/shops.md), for platform sessions only: every shop with its status and merchant,
// suspend and reactivate, the create form, and issuing a shop's keys (the key shown on that one answer, never again).
import { SHOP_ROLES } from '../../lib/api-keys';
import type { ShopView } from '../../lib/shops';
import { esc } from './html';
import { KEY_ROLE_LABELS, SHOP_STATUS_LABELS, formatDate, label, t, type Lang, type TextKey } from './i18n';

/** A key just issued (api/platform.ts issueKey): its secret is on this answer only. */
export interface IssuedKey {
  key: { id: string; name: string; role: string; shopId: string; prefix: string };
  secret: string;
}

export interface ShopsView {
  shops: ShopView[];
  csrf: string;
  message?: { ok: boolean; text: string };
  /** The shop whose key form is shown (just made, or chosen with its row's "Issue a key" link). */
  keysFor?: ShopView;
  issued?: IssuedKey;
  /** What the create form had, to show it again after a refusal. */
  form?: { shopId?: string; name?: string };
}

const th = (lang: Lang, k: TextKey) => `<th scope="col">${esc(t(lang, k))}</th>`;
const hidden = (csrf: string) => `<input type="hidden" name="_csrf" value="${esc(csrf)}">`;
const shopPath = (shopId: string) => `/admin/shops/${encodeURIComponent(shopId)}`;

function row(lang: Lang, x: ShopView, csrf: string): string {
  const suspended = x.status === 'suspended';
  const toggle = `<form method="post" action="${shopPath(x.shopId)}/${suspended ? 'reactivate' : 'suspend'}" class="inline">${hidden(csrf)}<button type="submit" class="small ${suspended ? 'secondary reactivate-shop' : 'danger suspend-shop'}">${esc(t(lang, suspended ? 'reactivateShop' : 'suspendShop'))}</button></form>`;
  return `<tr data-shop-id="${esc(x.shopId)}" data-status="${esc(x.status)}">
<td data-label="${esc(t(lang, 'shopId'))}" class="mono">${esc(x.shopId)}</td>
<td data-label="${esc(t(lang, 'shopName'))}" class="shop-name">${esc(x.name)}</td>
<td data-label="${esc(t(lang, 'status'))}"><span class="${suspended ? 'result-ng' : 'result-ok'} shop-status">${esc(label(SHOP_STATUS_LABELS, x.status, lang))}</span></td>
<td data-label="${esc(t(lang, 'merchantId'))}" class="mono merchant-id">${x.merchant ? esc(x.merchant.merchantId) : `<span class="note">${esc(t(lang, 'notConfigured'))}</span>`}</td>
<td data-label="${esc(t(lang, 'shopCreatedAt'))}">${esc(formatDate(x.createdAt))}</td>
<td>${toggle} <a class="issue-key" href="/admin/shops?keysFor=${encodeURIComponent(x.shopId)}#issue-key">${esc(t(lang, 'issueKey'))}</a></td></tr>`;
}

function keyForm(lang: Lang, shop: ShopView, csrf: string): string {
  const roles = SHOP_ROLES.map((r) => `<option value="${esc(r)}">${esc(label(KEY_ROLE_LABELS, r, lang))}</option>`).join('');
  return `<form method="post" action="${shopPath(shop.shopId)}/keys" id="issue-key" class="settings">${hidden(csrf)}
<h2>${esc(t(lang, 'issueKey'))}: ${esc(shop.name)} <span class="mono">(${esc(shop.shopId)})</span></h2><p class="note">${esc(t(lang, 'issueKeyHelp'))}</p>
<label for="key-role">${esc(t(lang, 'keyRole'))}</label><select id="key-role" name="role">${roles}</select>
<label for="key-name">${esc(t(lang, 'keyName'))}</label><input id="key-name" name="name" required maxlength="100">
<p><button type="submit" id="issue-key-button">${esc(t(lang, 'issueKeyButton'))}</button></p></form>`;
}

/** The one answer that carries a key: shown once, with the warning that it is. */
function keyOnce(lang: Lang, k: IssuedKey): string {
  return `<section class="warning secret-once" id="key-once" role="alert" aria-labelledby="key-once-h"><h2 id="key-once-h">${esc(t(lang, 'keyOnceTitle'))}</h2>
<p><strong>${esc(t(lang, 'keyOnceWarning'))}</strong></p>
<p>${esc(k.key.name)} — ${esc(label(KEY_ROLE_LABELS, k.key.role, lang))} — <span class="mono">${esc(k.key.shopId)}</span></p>
<p><label for="new-key">${esc(t(lang, 'keyOnceTitle'))}</label><br><input id="new-key" class="mono secret" readonly autocomplete="off" spellcheck="false" size="64" value="${esc(k.secret)}" data-key-id="${esc(k.key.id)}"></p>
<p><a class="button" id="key-saved" href="/admin/shops">${esc(t(lang, 'keySaved'))}</a></p></section>`;
}

function createForm(lang: Lang, v: ShopsView): string {
  const f = v.form ?? {};
  return `<form method="post" action="/admin/shops" id="create-shop" class="settings">${hidden(v.csrf)}
<h2>${esc(t(lang, 'createShop'))}</h2><p class="note">${esc(t(lang, 'createShopHelp'))}</p>
<label for="new-shop-id">${esc(t(lang, 'shopId'))}</label><input id="new-shop-id" name="shopId" required maxlength="32" pattern="[a-z0-9][a-z0-9-]{0,31}" aria-describedby="new-shop-id-help" value="${esc(f.shopId ?? '')}">
<p class="note" id="new-shop-id-help">${esc(t(lang, 'shopIdHelp'))}</p>
<label for="new-shop-name">${esc(t(lang, 'shopName'))}</label><input id="new-shop-name" name="name" required maxlength="100" value="${esc(f.name ?? '')}">
<p><button type="submit" id="create-shop-button">${esc(t(lang, 'createShopButton'))}</button></p></form>`;
}

export function shopsPage(lang: Lang, v: ShopsView): string {
  const message = v.message ? `<p class="${v.message.ok ? 'ok' : 'error'}" role="${v.message.ok ? 'status' : 'alert'}" id="shops-message">${esc(v.message.text)}</p>` : '';
  const table = `<table class="orders shops" id="shops-table"><caption class="sr-only">${esc(t(lang, 'shops'))}</caption><thead><tr>${th(lang, 'shopId')}${th(lang, 'shopName')}${th(lang, 'status')}${th(lang, 'merchantId')}${th(lang, 'shopCreatedAt')}<th scope="col"><span class="sr-only">${esc(t(lang, 'action'))}</span></th></tr></thead><tbody>${v.shops.map((x) => row(lang, x, v.csrf)).join('\n')}</tbody></table>`;
  return `<h1>${esc(t(lang, 'shops'))}</h1>${message}${v.issued ? keyOnce(lang, v.issued) : ''}
<p class="note">${esc(t(lang, 'shopsHelp'))}</p>
${v.keysFor ? keyForm(lang, v.keysFor, v.csrf) : ''}
${table}
${createForm(lang, v)}`;
}
