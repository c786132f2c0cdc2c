// The order page's chargebacks (with the no-protection warning) and delivery trackers sections.
import { esc } from './html';
import { formatDate, formatMoney, t, type Lang, type TextKey } from './i18n';

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


const tr = (lang: Lang, k: TextKey) => esc(t(lang, k));

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
<table><thead><tr><th scope="col">${tr(lang, 'disputeId')}</th><th scope="col">${tr(lang, 'disputeState')}</th><th scope="col">${tr(lang, 'disputeReason')}</th><th scope="col">${tr(lang, 'amount')}</th><th scope="col">${tr(lang, 'updatedAt')}</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

export function trackersSection(lang: Lang, trackers: TrackerRow[] | undefined): string {
  if (!trackers || trackers.length === 0) return '';
  const rows = trackers
    .map((x) => `<tr data-status="${esc(x.status)}"><td>${esc(x.carrierCode)}</td><td class="mono">${esc(x.trackingNumber)}</td><td>${esc(x.status)}${x.attempts > 1 ? ` ×${x.attempts}` : ''}${x.lastError ? `<br><small>${esc(x.lastError)}</small>` : ''}</td><td>${esc(formatDate(x.sentAt))}</td></tr>`)
    .join('');
  return `<section aria-labelledby="trackers-h" id="delivery-trackers"><h2 id="trackers-h">${tr(lang, 'trackers')}</h2>
<table><thead><tr><th scope="col">${tr(lang, 'carrier')}</th><th scope="col">${tr(lang, 'trackingNumber')}</th><th scope="col">${tr(lang, 'trackerStatus')}</th><th scope="col">${tr(lang, 'updatedAt')}</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}
