// The order page's checkout section: standard or quick checkout, the address source the order used
// (with the no-protection warning for the buyer-entered address), and the quick checkout page's
// button placement, note (備考) and custom order/delivery fields.
import { esc } from './html';
import type { Lang } from './i18n';

export interface CheckoutInfo {
  mode: string;
  addressSource: string | null;
  chargebackProtection: boolean | null;
  placement: string | null;
  note: string | null;
  customFields: { order?: Record<string, unknown>; delivery?: Record<string, unknown> } | null;
}

const L = {
  checkout: { ja: '購入手続き', en: 'Checkout' },
  mode: { ja: '購入方法', en: 'Checkout' },
  standard: { ja: '通常 (Amazon Pay)', en: 'Standard (Amazon Pay)' },
  quick: { ja: 'クイック決済', en: 'Quick checkout' },
  address: { ja: '購入時に利用する配送先', en: 'Address used for the order' },
  amazon: { ja: 'Amazonアカウントの住所 (チャージバック保護の対象)', en: 'Amazon account address (chargeback protection)' },
  buyer: { ja: '購入者が入力した住所', en: 'Buyer-entered address' },
  unknown: { ja: '記録なし', en: 'not recorded' },
  placement: { ja: 'ボタンの表示位置', en: 'Button position' },
  cart: { ja: 'カート', en: 'Cart' },
  product: { ja: '商品ページ', en: 'Product page' },
  note: { ja: '備考', en: 'Note' },
  order: { ja: 'カスタム・オーダーフィールド', en: 'Custom order fields' },
  delivery: { ja: 'カスタム・デリバリーフィールド', en: 'Custom delivery fields' },
  noProtection: {
    ja: 'この注文は購入者が入力した住所を使用しているため、Amazon Payのチャージバック保護の対象外です。',
    en: 'This order used the buyer-entered address: Amazon Pay chargeback protection does not apply.',
  },
} as const;

const fieldValue = (v: unknown) => (Array.isArray(v) ? v.map(String).join(', ') : String(v ?? ''));

function fields(title: string, id: string, m: Record<string, unknown> | undefined): string {
  if (!m || Object.keys(m).length === 0) return '';
  return `<dt>${esc(title)}</dt><dd><dl class="fields" id="${id}">${Object.entries(m)
    .map(([k, v]) => `<dt class="mono">${esc(k)}</dt><dd>${esc(fieldValue(v))}</dd>`)
    .join('')}</dl></dd>`;
}

export function checkoutSection(lang: Lang, c: CheckoutInfo | undefined): string {
  if (!c) return '';
  const address = c.addressSource === 'amazon' ? L.amazon : c.addressSource === 'buyer' ? L.buyer : L.unknown;
  const placement = c.placement === 'cart' ? L.cart[lang] : c.placement === 'product' ? L.product[lang] : c.placement;
  return `<section aria-labelledby="checkout-h" id="checkout-info" data-mode="${esc(c.mode)}" data-address-source="${esc(c.addressSource ?? '')}"><h2 id="checkout-h">${esc(L.checkout[lang])}</h2>
${c.chargebackProtection === false ? `<p class="warning" id="address-warning" role="note">⚠ ${esc(L.noProtection[lang])}</p>` : ''}
<dl><dt>${esc(L.mode[lang])}</dt><dd id="checkout-mode">${esc(c.mode === 'quick' ? L.quick[lang] : L.standard[lang])}</dd>
<dt>${esc(L.address[lang])}</dt><dd id="address-source">${esc(address[lang])}</dd>
${placement ? `<dt>${esc(L.placement[lang])}</dt><dd id="checkout-placement">${esc(placement)}</dd>` : ''}
${c.note ? `<dt>${esc(L.note[lang])}</dt><dd id="checkout-note" class="pre">${esc(c.note)}</dd>` : ''}
${fields(L.order[lang], 'custom-order-fields', c.customFields?.order)}${fields(L.delivery[lang], 'custom-delivery-fields', c.customFields?.delivery)}</dl></section>`;
}
