// The order page's chargebacks (with the no-protection warning) and delivery trackers sections.
import { esc } from './html';
import { formatDate, formatMoney, type Lang } from './i18n';

export interface DisputeRow {
  disputeId: string;
  state: string;
  reasonCode: string | null;
  filingReason: string | null;
  amount: { amount: number; currency: string };
  protected: boolean;
  updatedAt: string;
}

export interface TrackerRow {
  carrierCode: string;
  trackingNumber: string;
  status: string;
  attempts: number;
  lastError: string | null;
  sentAt: string | null;
}

const L = {
  disputes: { ja: 'チャージバック・異議申し立て', en: 'Chargebacks and disputes' },
  id: { ja: 'ID', en: 'ID' },
  state: { ja: '状態', en: 'State' },
  reason: { ja: '理由', en: 'Reason' },
  amount: { ja: '金額', en: 'Amount' },
  updated: { ja: '更新日時', en: 'Updated' },
  noProtection: {
    ja: 'この注文は購入者が入力した住所を使用しているため、Amazon Payのチャージバック保護の対象外です。',
    en: 'This order used the buyer-entered address: Amazon Pay chargeback protection does not apply.',
  },
  trackers: { ja: '配送追跡 (Amazonへの通知)', en: 'Delivery tracking (sent to Amazon)' },
  carrier: { ja: '配送業者', en: 'Carrier' },
  tracking: { ja: '追跡番号', en: 'Tracking number' },
  status: { ja: '送信状況', en: 'Status' },
} as const;

const tr = (lang: Lang, k: keyof typeof L) => esc(L[k][lang]);

export function disputesSection(lang: Lang, disputes: DisputeRow[] | undefined): string {
  if (!disputes || disputes.length === 0) return '';
  const warn = disputes.some((d) => !d.protected) ? `<p class="error" role="alert" id="dispute-warning">${tr(lang, 'noProtection')}</p>` : '';
  const rows = disputes
    .map(
      (d) =>
        `<tr data-dispute-id="${esc(d.disputeId)}" data-state="${esc(d.state)}"><td class="mono">${esc(d.disputeId)}</td><td>${esc(d.state)}${d.reasonCode ? ` (${esc(d.reasonCode)})` : ''}</td><td>${esc(d.filingReason ?? '-')}</td><td class="num">${esc(formatMoney(d.amount, lang))}</td><td>${esc(formatDate(d.updatedAt))}</td></tr>`,
    )
    .join('');
  return `<section aria-labelledby="disputes-h" id="disputes"><h2 id="disputes-h">${tr(lang, 'disputes')}</h2>${warn}
<table><thead><tr><th scope="col">${tr(lang, 'id')}</th><th scope="col">${tr(lang, 'state')}</th><th scope="col">${tr(lang, 'reason')}</th><th scope="col">${tr(lang, 'amount')}</th><th scope="col">${tr(lang, 'updated')}</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

export function trackersSection(lang: Lang, trackers: TrackerRow[] | undefined): string {
  if (!trackers || trackers.length === 0) return '';
  const rows = trackers
    .map((x) => `<tr data-status="${esc(x.status)}"><td>${esc(x.carrierCode)}</td><td class="mono">${esc(x.trackingNumber)}</td><td>${esc(x.status)}${x.attempts > 1 ? ` ×${x.attempts}` : ''}${x.lastError ? `<br><small>${esc(x.lastError)}</small>` : ''}</td><td>${esc(formatDate(x.sentAt))}</td></tr>`)
    .join('');
  return `<section aria-labelledby="trackers-h" id="delivery-trackers"><h2 id="trackers-h">${tr(lang, 'trackers')}</h2>
<table><thead><tr><th scope="col">${tr(lang, 'carrier')}</th><th scope="col">${tr(lang, 'tracking')}</th><th scope="col">${tr(lang, 'status')}</th><th scope="col">${tr(lang, 'updated')}</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}
