// 継続課金 (docs/product-rules.md, Recurring charges) in the console: the subscription list and one subscription's page (plan, state, the
// details per charge, failed periods, events sent to the shop, and the editor's pause / resume / cancel / charge now).
import { isCatalogCode, messagesFor } from '../../lib/amazon-errors';
import { esc, statusBadge, type DetailView, type Money } from './html';
import { SHOP_EVENT_STATUS_LABELS, SUBSCRIPTION_STATUS_LABELS, formatDate, formatMoney, formatPlan, label, minorDigits, t, type Lang } from './i18n';

export interface SubscriptionRow {
  subscriptionId: string;
  status: string;
  chargePermissionId: string;
  amount: Money;
  frequency: { unit: string; value: number };
  paymentIntent: string;
  periodsCharged: number;
  nextChargeAt: string | null;
  lastError: { code: string; message?: string | null } | null;
  workflowId: string;
  createdAt: string;
  updatedAt: string;
}

export interface SubscriptionCharge {
  period: number | null;
  orderId: string;
  paymentStatus: string;
  amount: Money;
  captured: Money;
  refunded: Money;
  chargeId: string | null;
  createdAt: string;
}

export interface SubscriptionFailure {
  period: number;
  orderId: string;
  at: string;
  amount: number;
  result: string;
}

export interface SubscriptionEvent {
  eventId: string;
  type: string;
  status: string;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

export interface SubscriptionDetail extends SubscriptionRow {
  charges: SubscriptionCharge[];
  failures: SubscriptionFailure[];
  events: SubscriptionEvent[];
}

const FINAL = new Set(['Canceled', 'Closed']);

export function subscriptionBadge(status: string, lang: Lang): string {
  return `<span class="badge sub-${esc(status)}" data-status="${esc(status)}">${esc(label(SUBSCRIPTION_STATUS_LABELS, status, lang))}</span>`;
}

/** The code, Amazon's (or the workflow's) message, and what the admin should do, from the error catalog when it knows the code. */
function lastErrorBlock(lang: Lang, e: SubscriptionRow['lastError'], status: string): string {
  const help = status === 'Suspended' ? t(lang, 'suspendedHelp') : status === 'Paused' ? t(lang, 'pausedHelp') : '';
  if (!e?.code) return help ? `<p class="${status === 'Suspended' ? 'warning' : 'note'}" id="subscription-help">${esc(help)}</p>` : '';
  const catalog = isCatalogCode(e.code) ? messagesFor(e.code).admin[lang] : '';
  // The workflow often records the catalog's own English text as the message: shown once.
  const admin = catalog && catalog !== e.message ? catalog : '';
  return `<div class="error" id="subscription-last-error"><p>${esc(t(lang, 'lastError'))}: <strong id="last-error-code">${esc(e.code)}</strong> ${esc(e.message ?? '')}</p>
${admin ? `<p id="last-error-admin">${esc(t(lang, 'adminMessage'))}: ${esc(admin)}</p>` : ''}${help ? `<p id="subscription-help">${esc(help)}</p>` : ''}</div>`;
}

export function subscriptionListPage(lang: Lang, status: string | undefined, rows: SubscriptionRow[], error?: string): string {
  const opts = [`<option value="">${esc(t(lang, 'any'))}</option>`, ...Object.keys(SUBSCRIPTION_STATUS_LABELS).map((v) => `<option value="${v}"${v === status ? ' selected' : ''}>${esc(label(SUBSCRIPTION_STATUS_LABELS, v, lang))}</option>`)].join('');
  const filters = `<form class="filters" method="get" action="/admin/subscriptions" role="search">
<label>${esc(t(lang, 'status'))}<select name="status" id="f-sub-status">${opts}</select></label>
<div class="buttons"><button type="submit">${esc(t(lang, 'filter'))}</button> <a href="/admin/subscriptions">${esc(t(lang, 'reset'))}</a></div></form>`;
  const body = rows
    .map((r) => {
      const href = `/admin/subscriptions/${encodeURIComponent(r.subscriptionId)}`;
      return `<tr data-subscription-id="${esc(r.subscriptionId)}">
<td data-label="${esc(t(lang, 'subscriptionId'))}"><a href="${href}">${esc(r.subscriptionId)}</a><br><small class="mono">${esc(r.chargePermissionId)}</small></td>
<td data-label="${esc(t(lang, 'status'))}">${subscriptionBadge(r.status, lang)}</td>
<td data-label="${esc(t(lang, 'plan'))}" class="plan">${esc(formatPlan(r.frequency, r.amount, lang))}</td>
<td data-label="${esc(t(lang, 'periodsCharged'))}" class="num">${r.periodsCharged}</td>
<td data-label="${esc(t(lang, 'nextChargeAt'))}">${esc(formatDate(r.nextChargeAt))}</td>
<td data-label="${esc(t(lang, 'lastError'))}">${r.lastError?.code ? `<span class="result-ng">${esc(r.lastError.code)}</span>${r.lastError.message ? `<br><small>${esc(r.lastError.message)}</small>` : ''}` : '-'}</td>
<td data-label="${esc(t(lang, 'startedAt'))}">${esc(formatDate(r.createdAt))}</td>
<td><a class="button small" href="${href}">${esc(t(lang, 'details'))}</a></td></tr>`;
    })
    .join('\n');
  const th = (k: Parameters<typeof t>[1]) => `<th scope="col">${esc(t(lang, k))}</th>`;
  const table = rows.length
    ? `<table class="orders subs" id="subscriptions-table"><caption class="sr-only">${esc(t(lang, 'subscriptionList'))}</caption><thead><tr>${th('subscriptionId')}${th('status')}${th('plan')}${th('periodsCharged')}${th('nextChargeAt')}${th('lastError')}${th('startedAt')}<th scope="col"><span class="sr-only">${esc(t(lang, 'details'))}</span></th></tr></thead><tbody>${body}</tbody></table>`
    : `<p id="no-subscriptions">${esc(t(lang, 'noSubscriptions'))}</p>`;
  return `<h1>${esc(t(lang, 'subscriptionList'))}</h1>${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}${filters}${table}`;
}

function actions(lang: Lang, d: SubscriptionDetail, canEdit: boolean): string {
  if (!canEdit) return `<p class="note" id="view-only">${esc(t(lang, 'subscriptionViewOnly'))}</p>`;
  const dis = (ok: boolean) => (ok ? '' : ' disabled aria-disabled="true"');
  const canPause = d.status === 'Active';
  const canResume = d.status === 'Paused' || d.status === 'Suspended';
  const canCancel = !FINAL.has(d.status);
  const canCharge = d.status === 'Active' || d.status === 'Suspended';
  const digits = minorDigits(d.amount.currency);
  const step = (1 / 10 ** digits).toFixed(digits);
  return `<div class="actions" id="subscription-actions">
<form class="sub-action" data-action="charges" data-confirm="${esc(t(lang, 'chargeNowAction'))}"><label for="charge-amount">${esc(t(lang, 'chargeNowAmount'))} (${esc(d.amount.currency)})</label><input id="charge-amount" name="amount" type="number" inputmode="decimal" min="${step}" step="${step}" value="${(d.amount.amount / 10 ** digits).toFixed(digits)}" required${canCharge ? '' : ' disabled'}><button type="submit" id="charge-now-button"${dis(canCharge)}>${esc(t(lang, 'chargeNowAction'))}</button></form>
<form class="sub-action" data-action="pause" data-confirm="${esc(t(lang, 'pauseAction'))}"><button type="submit" id="pause-button" class="secondary"${dis(canPause)}>${esc(t(lang, 'pauseAction'))}</button></form>
<form class="sub-action" data-action="resume" data-confirm="${esc(t(lang, 'resumeAction'))}"><button type="submit" id="resume-button"${dis(canResume)}>${esc(t(lang, 'resumeAction'))}</button></form>
<form class="sub-action" data-action="cancel" data-confirm="${esc(t(lang, 'cancelSubscriptionAction'))}"><label for="cancel-subscription-reason">${esc(t(lang, 'cancelSubscriptionReason'))}</label><input id="cancel-subscription-reason" name="reason" type="text" maxlength="255"${canCancel ? '' : ' disabled'}><button type="submit" id="cancel-subscription-button" class="danger"${dis(canCancel)}>${esc(t(lang, 'cancelSubscriptionAction'))}</button></form>
</div>`;
}

function chargesTable(lang: Lang, rows: SubscriptionCharge[]): string {
  const body = rows
    .map(
      (c) => `<tr data-period="${c.period ?? ''}" data-order-id="${esc(c.orderId)}" data-status="${esc(c.paymentStatus)}"><td class="num">${c.period === null ? '-' : `#${c.period}`}${c.period === 1 ? `<br><small>${esc(t(lang, 'recurringFirst'))}</small>` : ''}</td><td><a href="/admin/orders/${encodeURIComponent(c.orderId)}">${esc(c.orderId)}</a>${c.chargeId ? `<br><small class="mono">${esc(c.chargeId)}</small>` : ''}</td><td>${statusBadge(c.paymentStatus, lang)}</td><td class="num">${esc(formatMoney(c.amount, lang))}</td><td class="num">${esc(formatMoney(c.captured, lang))}</td><td class="num">${esc(formatMoney(c.refunded, lang))}</td><td>${esc(formatDate(c.createdAt))}</td></tr>`,
    )
    .join('\n');
  const th = (k: Parameters<typeof t>[1]) => `<th scope="col">${esc(t(lang, k))}</th>`;
  return `<table class="wide" id="charges-table"><caption>${esc(t(lang, 'charges'))}</caption><thead><tr>${th('period')}${th('orderId')}${th('paymentStatus')}${th('amount')}${th('captured')}${th('refunded')}${th('orderDate')}</tr></thead><tbody>${body}</tbody></table>`;
}

function failuresTable(lang: Lang, d: SubscriptionDetail): string {
  if (!d.failures.length) return '';
  const body = d.failures
    .map(
      (f) => `<tr data-period="${f.period}"><td class="num">#${f.period}</td><td><a href="/admin/orders/${encodeURIComponent(f.orderId)}">${esc(f.orderId)}</a></td><td><span class="result-ng">${esc(f.result)}</span>${isCatalogCode(f.result) ? `<br><small>${esc(messagesFor(f.result).admin[lang])}</small>` : ''}</td><td class="num">${esc(formatMoney({ amount: f.amount, currency: d.amount.currency }, lang))}</td><td>${esc(formatDate(f.at))}</td></tr>`,
    )
    .join('\n');
  const th = (k: Parameters<typeof t>[1]) => `<th scope="col">${esc(t(lang, k))}</th>`;
  return `<table class="wide" id="failures-table"><caption>${esc(t(lang, 'failures'))}</caption><thead><tr>${th('period')}${th('orderId')}${th('result')}${th('amount')}${th('at')}</tr></thead><tbody>${body}</tbody></table>`;
}

function eventsTable(lang: Lang, rows: SubscriptionEvent[]): string {
  if (!rows.length) return `<h2>${esc(t(lang, 'events'))}</h2><p class="note" id="no-events">${esc(t(lang, 'noEvents'))}</p>`;
  const body = rows
    .map(
      (e) => `<tr data-event-type="${esc(e.type)}" data-event-status="${esc(e.status)}"><td class="mono">${esc(e.type)}</td><td><span class="${e.status === 'failed' ? 'result-ng' : e.status === 'delivered' ? 'result-ok' : ''}">${esc(label(SHOP_EVENT_STATUS_LABELS, e.status, lang))}</span>${e.lastError ? `<br><small>${esc(e.lastError)}</small>` : ''}</td><td class="num">${e.attempts}</td><td>${esc(formatDate(e.createdAt))}</td><td>${esc(formatDate(e.deliveredAt))}</td></tr>`,
    )
    .join('\n');
  const th = (k: Parameters<typeof t>[1]) => `<th scope="col">${esc(t(lang, k))}</th>`;
  return `<table class="wide" id="events-table"><caption>${esc(t(lang, 'events'))}</caption><thead><tr>${th('eventType')}${th('status')}${th('attempts')}${th('createdAt')}<th scope="col">${esc(lang === 'ja' ? '送信日時' : 'Delivered')}</th></tr></thead><tbody>${body}</tbody></table>`;
}

/** The part of the subscription page refreshed after each action (same HTML as the first render). */
export function subscriptionPanel(lang: Lang, d: SubscriptionDetail, canEdit: boolean, temporalUrl: string): string {
  const intent = d.paymentIntent === 'Authorize' ? (lang === 'ja' ? '与信' : 'Authorize') : lang === 'ja' ? '与信売上計上' : 'Authorize with capture';
  return `<div id="subscription-panel" data-subscription-id="${esc(d.subscriptionId)}" data-status="${esc(d.status)}" data-digits="${minorDigits(d.amount.currency)}" data-currency="${esc(d.amount.currency)}" data-periods="${d.charges.length}">
<p class="statusline"><span>${esc(t(lang, 'status'))}: <span id="subscription-status">${subscriptionBadge(d.status, lang)}</span></span>
<span>${esc(t(lang, 'plan'))}: <strong id="subscription-plan">${esc(formatPlan(d.frequency, d.amount, lang))}</strong></span>
<span>${esc(t(lang, 'nextChargeAt'))}: <strong id="next-charge-at">${esc(formatDate(d.nextChargeAt))}</strong></span></p>
<section class="box" aria-labelledby="sub-ids-h"><h2 id="sub-ids-h">${esc(t(lang, 'ids'))}</h2><dl>
<dt>${esc(t(lang, 'subscriptionId'))}</dt><dd class="mono" id="subscription-id">${esc(d.subscriptionId)}</dd>
<dt>${esc(t(lang, 'chargePermissionId'))}</dt><dd class="mono" id="subscription-permission-id">${esc(d.chargePermissionId)}</dd>
<dt>${esc(t(lang, 'paymentIntent'))}</dt><dd>${esc(intent)}</dd>
<dt>${esc(t(lang, 'periodsCharged'))}</dt><dd>${d.periodsCharged}</dd>
<dt>${esc(t(lang, 'startedAt'))}</dt><dd>${esc(formatDate(d.createdAt))}</dd>
</dl><p><a id="temporal-link" href="${esc(temporalUrl)}" target="_blank" rel="noopener noreferrer">${esc(t(lang, 'temporal'))}</a></p></section>
${lastErrorBlock(lang, d.lastError, d.status)}
${actions(lang, d, canEdit)}
${chargesTable(lang, d.charges)}
${failuresTable(lang, d)}
${eventsTable(lang, d.events)}
</div>`;
}

/** A subscription's page, served with its panel by the console. */
export const SUBSCRIPTION_PAGE: DetailView<SubscriptionDetail> = { list: '/admin/subscriptions', param: 'subscriptionId', nav: 'subscriptions', backLabel: 'backToSubscriptions', title: 'subscription', idOf: (d) => d.subscriptionId, panel: subscriptionPanel };
