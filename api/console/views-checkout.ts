// The order page's checkout section: standard or quick checkout, the address source the order used
// (with the no-protection warning for the buyer-entered address), and the quick checkout page's
// button placement, note (備考) and custom order/delivery fields.
import { esc } from './html';
import { t, type Lang } from './i18n';

export interface CheckoutInfo {
  mode: string;
  addressSource: string | null;
  chargebackProtection: boolean | null;
  placement: string | null;
  note: string | null;
  customFields: { order?: Record<string, unknown>; delivery?: Record<string, unknown> } | null;
}


const fieldValue = (v: unknown) => (Array.isArray(v) ? v.map(String).join(', ') : String(v ?? ''));

function fields(title: string, id: string, m: Record<string, unknown> | undefined): string {
  if (!m || Object.keys(m).length === 0) return '';
  return `<dt>${esc(title)}</dt><dd><dl class="fields" id="${id}">${Object.entries(m)
    .map(([k, v]) => `<dt class="mono">${esc(k)}</dt><dd>${esc(fieldValue(v))}</dd>`)
    .join('')}</dl></dd>`;
}

export function checkoutSection(lang: Lang, c: CheckoutInfo | undefined): string {
  if (!c) return '';
  const address = t(lang, c.addressSource === 'amazon' ? 'addressAmazon' : c.addressSource === 'buyer' ? 'addressBuyer' : 'notRecorded');
  const placement = c.placement === 'cart' ? t(lang, 'placementCart') : c.placement === 'product' ? t(lang, 'placementProduct') : c.placement;
  return `<section aria-labelledby="checkout-h" id="checkout-info" data-mode="${esc(c.mode)}" data-address-source="${esc(c.addressSource ?? '')}"><h2 id="checkout-h">${esc(t(lang, 'checkout'))}</h2>
${c.chargebackProtection === false ? `<p class="warning" id="address-warning" role="note">⚠ ${esc(t(lang, 'noProtection'))}</p>` : ''}
<dl><dt>${esc(t(lang, 'checkoutMode'))}</dt><dd id="checkout-mode">${esc(c.mode === 'quick' ? t(lang, 'checkoutQuick') : t(lang, 'checkoutStandard'))}</dd>
<dt>${esc(t(lang, 'addressUsed'))}</dt><dd id="address-source">${esc(address)}</dd>
${placement ? `<dt>${esc(t(lang, 'buttonPlacement'))}</dt><dd id="checkout-placement">${esc(placement)}</dd>` : ''}
${c.note ? `<dt>${esc(t(lang, 'note'))}</dt><dd id="checkout-note" class="pre">${esc(c.note)}</dd>` : ''}
${fields(t(lang, 'customOrderFields'), 'custom-order-fields', c.customFields?.order)}${fields(t(lang, 'customDeliveryFields'), 'custom-delivery-fields', c.customFields?.delivery)}</dl></section>`;
}
