// The order list (受注リスト) and the payment-information panel (決済情報) of one order, server-rendered.
import { esc, statusBadge, type DetailView, type Money } from './html';
import { checkoutSection, type CheckoutInfo } from './views-checkout';
import { disputesSection, trackersSection, type DisputeRow, type TrackerRow } from './views-disputes';
import { HISTORY_KIND_LABELS, ORDER_STATUS_LABELS, PAYMENT_STATUS_LABELS, SUBSCRIPTION_STATUS_LABELS, formatDate, formatMoney, formatPlan, label, minorDigits, t, type Lang } from './i18n';
import { eventsPending, orderEventsSection, type EventRow } from './views-events';
import type { SubscriptionRow } from './views-subscriptions';
import { actorName, orderApprovalsSection, type ApprovalRow } from './views-approvals';


export interface OrderRow {
  orderId: string;
  paymentStatus: string;
  orderStatus: string;
  amount: Money;
  buyerName: string | null;
  buyerEmail: string | null;
  chargeId: string | null;
  authorizationExpiresAt: string | null;
  /** 継続課金: the subscription this order charged for and its period (1 = the checkout that opened it). */
  recurring?: boolean;
  subscriptionId?: string | null;
  recurringPeriod?: number | null;
  createdAt: string;
}

export interface ListFilters {
  paymentStatus?: string;
  orderStatus?: string;
  from?: string;
  to?: string;
  q?: string;
  expiringDays?: string;
}

export interface HistoryRow {
  at: string;
  kind: string;
  amazonObjectId: string | null;
  amount: Money | null;
  result: string;
  message: string | null;
  debugDetail: unknown;
  /** The key whose request made the row (null: Amazon, a timer or the engine itself). */
  requestedBy?: { keyId: string; name: string | null } | null;
  /** The second editor who approved a large refund (docs/product-rules.md, Refund approval). */
  approvedBy?: { keyId: string; name: string | null } | null;
}

const debugText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v, null, 2));

export interface OrderDetail {
  orderId: string;
  workflowId: string;
  paymentStatus: string;
  orderStatus: string;
  paymentIntent: string;
  amount: Money;
  amounts: Record<'authorized' | 'captured' | 'refunded' | 'refundPending' | 'capturePending' | 'capturable' | 'refundable', Money>;
  checkoutSessionId: string | null;
  chargePermissionId: string | null;
  chargeId: string | null;
  authorizationExpiresAt: string | null;
  buyer: { name?: string; email?: string } | null;
  pendingTimers: { name: string; firesAt: string }[];
  /** From the order's workflow: the buttons follow it, never a rule of the console's own. */
  allowedActions: { capture: { allowed: boolean; maxAmount: Money }; cancel: { allowed: boolean; releases: Money }; refund: { allowed: boolean; maxAmount: Money } };
  lastError: { code?: string; message?: string } | null;
  completed: boolean;
  history: HistoryRow[];
  disputes?: DisputeRow[];
  checkout?: CheckoutInfo;
  deliveryTrackers?: TrackerRow[];
  recurring?: { subscriptionId: string; period: number | null; subscription: SubscriptionRow | null } | null;
  /** The order's events with their deliveries (the console reads them beside the detail); absent: not available. */
  events?: EventRow[];
  /** Why the events could not be read (the rest of the page stands). */
  eventsError?: string;
  /** Refunds waiting for a second editor's approval. */
  pendingApprovals?: ApprovalRow[];
  /** Who looks at the page (the console adds it): their own refund they cannot approve; the CSRF token of the decision forms. */
  viewer?: { keyId: string; csrf: string };
}


/** The badge on a recurring order: 継続課金 #2, linking to its subscription. */
export function recurringBadge(subscriptionId: string, period: number | null | undefined, lang: Lang): string {
  return `<a class="badge st-Recurring recurring-badge" href="/admin/subscriptions/${encodeURIComponent(subscriptionId)}" data-subscription-id="${esc(subscriptionId)}">${esc(label(PAYMENT_STATUS_LABELS, 'Recurring', lang))}${period ? ` #${period}` : ''}</a>`;
}

function options(values: string[], table: Record<string, { ja: string; en: string }>, selected: string | undefined, lang: Lang): string {
  return [`<option value="">${esc(t(lang, 'any'))}</option>`, ...values.map((v) => `<option value="${esc(v)}"${v === selected ? ' selected' : ''}>${esc(label(table, v, lang))}</option>`)].join('');
}

export function orderListPage(lang: Lang, f: ListFilters, rows: OrderRow[], nextHref: string | null, isFirst: boolean, error?: string): string {
  const filters = `<form class="filters" method="get" action="/admin/orders" role="search">
<label>${esc(t(lang, 'paymentStatus'))}<select name="paymentStatus" id="f-paymentStatus">${options(Object.keys(PAYMENT_STATUS_LABELS), PAYMENT_STATUS_LABELS, f.paymentStatus, lang)}</select></label>
<label>${esc(t(lang, 'orderStatus'))}<select name="orderStatus" id="f-orderStatus">${options(Object.keys(ORDER_STATUS_LABELS), ORDER_STATUS_LABELS, f.orderStatus, lang)}</select></label>
<label>${esc(t(lang, 'from'))}<input type="date" name="from" value="${esc(f.from)}"></label>
<label>${esc(t(lang, 'to'))}<input type="date" name="to" value="${esc(f.to)}"></label>
<label>${esc(t(lang, 'search'))}<input type="search" name="q" id="f-q" value="${esc(f.q)}" maxlength="200"></label>
<label>${esc(t(lang, 'expiringDays'))}<input type="number" name="expiringDays" id="f-expiring" min="0" max="30" value="${esc(f.expiringDays)}"></label>
<div class="buttons"><button type="submit">${esc(t(lang, 'filter'))}</button> <a href="/admin/orders">${esc(t(lang, 'reset'))}</a></div>
</form>`;
  const body = rows
    .map(
      (o) => `<tr data-order-id="${esc(o.orderId)}">
<td data-label="${esc(t(lang, 'orderId'))}"><a href="/admin/orders/${encodeURIComponent(o.orderId)}">${esc(o.orderId)}</a></td>
<td data-label="${esc(t(lang, 'orderDate'))}">${esc(formatDate(o.createdAt))}</td>
<td data-label="${esc(t(lang, 'buyer'))}">${esc(o.buyerName ?? '-')}${o.buyerEmail ? `<br><small>${esc(o.buyerEmail)}</small>` : ''}</td>
<td data-label="${esc(t(lang, 'amount'))}" class="num">${esc(formatMoney(o.amount, lang))}</td>
<td data-label="${esc(t(lang, 'paymentStatus'))}">${statusBadge(o.paymentStatus, lang)}${o.subscriptionId ? ` ${recurringBadge(o.subscriptionId, o.recurringPeriod, lang)}` : o.recurring ? ` <span class="badge st-Recurring recurring-badge">${esc(label(PAYMENT_STATUS_LABELS, 'Recurring', lang))}</span>` : ''}${o.chargeId ? `<br><small class="mono">${esc(o.chargeId)}</small>` : ''}${o.authorizationExpiresAt && o.paymentStatus === 'Authorized' ? `<br><small>${esc(t(lang, 'authExpires'))}: ${esc(formatDate(o.authorizationExpiresAt))}</small>` : ''}</td>
<td data-label="${esc(t(lang, 'orderStatus'))}">${esc(label(ORDER_STATUS_LABELS, o.orderStatus, lang))}</td>
<td><a class="button small" href="/admin/orders/${encodeURIComponent(o.orderId)}">${esc(t(lang, 'paymentInfo'))}</a></td></tr>`,
    )
    .join('\n');
  const table = rows.length
    ? `<table class="orders" id="orders-table"><caption class="sr-only">${esc(t(lang, 'orders'))}</caption><thead><tr><th scope="col">${esc(t(lang, 'orderId'))}</th><th scope="col">${esc(t(lang, 'orderDate'))}</th><th scope="col">${esc(t(lang, 'buyer'))}</th><th scope="col">${esc(t(lang, 'amount'))}</th><th scope="col">${esc(t(lang, 'paymentStatus'))}</th><th scope="col">${esc(t(lang, 'orderStatus'))}</th><th scope="col"><span class="sr-only">${esc(t(lang, 'paymentInfo'))}</span></th></tr></thead><tbody>${body}</tbody></table>`
    : `<p id="no-orders">${esc(t(lang, 'noOrders'))}</p>`;
  const pager = `<nav class="pager" aria-label="pages">${isFirst ? '' : `<a href="/admin/orders?${new URLSearchParams(Object.entries(f).filter((e): e is [string, string] => Boolean(e[1]))).toString()}">${esc(t(lang, 'first'))}</a>`}${nextHref ? ` <a id="next-page" rel="next" href="${esc(nextHref)}">${esc(t(lang, 'next'))}</a>` : ` <span>${esc(t(lang, 'lastPage'))}</span>`}</nav>`;
  return `<h1>${esc(t(lang, 'orders'))}</h1>${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}${filters}${table}${pager}`;
}

const PENDING = new Set(['RefundPending', 'CapturePending', 'AuthorizationPending']);

function amountInput(id: string, name: string, text: string, m: Money, max: Money, disabled: boolean): string {
  const digits = minorDigits(m.currency);
  const value = (max.amount / 10 ** digits).toFixed(digits);
  return `<label for="${id}">${esc(text)} (${esc(m.currency)})</label><input id="${id}" name="${name}" type="number" inputmode="decimal" min="${(1 / 10 ** digits).toFixed(digits)}" step="${(1 / 10 ** digits).toFixed(digits)}" max="${value}" value="${max.amount > 0 ? value : ''}" required${disabled ? ' disabled' : ''}>`;
}

function actions(lang: Lang, d: OrderDetail, canEdit: boolean): string {
  if (!canEdit) return `<p class="note" id="view-only">${esc(t(lang, 'viewOnly'))}</p>`;
  // What may be done now is the workflow's state query's allowedActions (computed from its state table), never a copy here.
  const { capture, cancel, refund } = d.allowedActions;
  const canStatus = !d.completed && d.paymentStatus !== 'CheckoutPending';
  const dis = (ok: boolean) => (ok ? '' : ' disabled aria-disabled="true"');
  const statusOptions = Object.keys(ORDER_STATUS_LABELS)
    .map((s) => `<option value="${s}"${s === d.orderStatus ? ' selected' : ''}>${esc(label(ORDER_STATUS_LABELS, s, lang))}</option>`)
    .join('');
  return `<div class="actions" id="actions">
<form class="action" data-action="capture" data-confirm="${esc(t(lang, 'captureAction'))}">${amountInput('capture-amount', 'amount', t(lang, 'captureAmount'), d.amount, capture.maxAmount, !capture.allowed)}<button type="submit" id="capture-button"${dis(capture.allowed)}>${esc(t(lang, 'captureAction'))}</button></form>
<form class="action" data-action="cancel" data-confirm="${esc(t(lang, 'cancelAction'))}"><label for="cancel-reason">${esc(t(lang, 'cancelReason'))}</label><input id="cancel-reason" name="reason" type="text" maxlength="500" placeholder="MerchantCanceled"${cancel.allowed ? '' : ' disabled'}><button type="submit" id="cancel-button" class="danger"${dis(cancel.allowed)}>${esc(t(lang, 'cancelAction'))}</button></form>
<form class="action" data-action="refunds" data-confirm="${esc(t(lang, 'refundAction'))}">${amountInput('refund-amount', 'amount', t(lang, 'refundAmount'), d.amount, refund.maxAmount, !refund.allowed)}<button type="submit" id="refund-button"${dis(refund.allowed)}>${esc(t(lang, 'refundAction'))}</button></form>
<form class="action" data-action="status" data-confirm="${esc(t(lang, 'statusAction'))}"><label for="order-status">${esc(t(lang, 'orderStatus'))}</label><select id="order-status" name="status"${canStatus ? '' : ' disabled'}>${statusOptions}</select><button type="submit" id="status-button"${dis(canStatus)}>${esc(t(lang, 'statusAction'))}</button></form>
</div>`;
}

/** A refund approval's own rows (asked, rejected, expired) say what happened to it, not that something failed. */
const APPROVAL_RESULTS = new Set(['Requested', 'Rejected', 'Expired']);

function historyTable(lang: Lang, rows: HistoryRow[]): string {
  // Who approved has a column only when some row names an approver (a large refund).
  const approvals = rows.some((h) => h.approvedBy);
  const body = rows
    .map((h, i) => {
      const ok = h.result === 'OK';
      const neutral = h.kind === 'refund_approval' && APPROVAL_RESULTS.has(h.result);
      const more = h.message || h.debugDetail ? `<details><summary>${esc(t(lang, 'details'))}</summary>${h.message ? `<p>${esc(h.message)}</p>` : ''}${h.debugDetail ? `<p><strong>${esc(t(lang, 'debugDetail'))}:</strong></p><pre>${esc(debugText(h.debugDetail))}</pre>` : ''}</details>` : '';
      const by = `<td class="requested-by">${actorName(h.requestedBy)}</td>${approvals ? `<td class="approved-by">${actorName(h.approvedBy)}</td>` : ''}`;
      return `<tr class="${ok || neutral ? 'row-ok' : 'row-ng'}" data-kind="${esc(h.kind)}" data-result="${esc(h.result)}"><td>${i + 1}</td><td>${esc(formatDate(h.at))}</td><td class="mono">${esc(h.amazonObjectId ?? '-')}</td><td>${esc(label(HISTORY_KIND_LABELS, h.kind, lang))}</td><td class="num">${esc(formatMoney(h.amount, lang))}</td><td><span class="${ok ? 'result-ok' : neutral ? '' : 'result-ng'}">${esc(h.result)}</span>${more}</td>${by}</tr>`;
    })
    .reverse()
    .join('\n');
  return `<table class="history" id="history"><caption>${esc(t(lang, 'history'))}</caption><thead><tr><th scope="col">#</th><th scope="col">${esc(t(lang, 'at'))}</th><th scope="col">${esc(t(lang, 'objectId'))}</th><th scope="col">${esc(t(lang, 'kind'))}</th><th scope="col">${esc(t(lang, 'amount'))}</th><th scope="col">${esc(t(lang, 'result'))}</th><th scope="col">${esc(t(lang, 'requestedBy'))}</th>${approvals ? `<th scope="col">${esc(t(lang, 'approvedBy'))}</th>` : ''}</tr></thead><tbody>${body}</tbody></table>`;
}

/** A recurring order: which subscription and period it charged for, with a link. */
function recurringSection(lang: Lang, r: OrderDetail['recurring']): string {
  if (!r?.subscriptionId) return '';
  const href = `/admin/subscriptions/${encodeURIComponent(r.subscriptionId)}`;
  const sub = r.subscription;
  return `<p class="recurring-info" id="recurring-info">${recurringBadge(r.subscriptionId, r.period, lang)} <span>${esc(t(lang, 'recurringOf'))}: <a id="subscription-link" href="${href}">${esc(r.subscriptionId)}</a>${r.period ? ` (${lang === 'ja' ? '' : 'period '}<strong id="recurring-period">#${r.period}</strong>${lang === 'ja' ? ' 回目' : ''}${r.period === 1 ? ` — ${esc(t(lang, 'recurringFirst'))}` : ''})` : ''}</span>${sub ? ` <span>${esc(t(lang, 'plan'))}: ${esc(formatPlan(sub.frequency, sub.amount, lang))}</span> <span>${esc(t(lang, 'subscriptionStatus'))}: <strong>${esc(label(SUBSCRIPTION_STATUS_LABELS, sub.status, lang))}</strong></span>` : ''}</p>`;
}

/** The part of the detail page refreshed after each action (same HTML as the first render). */
export function orderPanel(lang: Lang, d: OrderDetail, canEdit: boolean, temporalUrl: string): string {
  const a = d.amounts;
  const money = (k: keyof OrderDetail['amounts'], text: string) => `<tr><th scope="row">${esc(text)}</th><td class="num" id="amount-${k}">${esc(formatMoney(a[k], lang))}</td></tr>`;
  const pending = PENDING.has(d.paymentStatus) || a.refundPending.amount > 0 || a.capturePending.amount > 0;
  return `<div id="order-panel" data-order-id="${esc(d.orderId)}" data-status="${esc(d.paymentStatus)}" data-pending="${pending}" data-events-pending="${eventsPending(d.events)}" data-digits="${minorDigits(d.amount.currency)}" data-currency="${esc(d.amount.currency)}">
<p class="statusline"><span>${esc(t(lang, 'paymentStatus'))}: <span id="payment-status">${statusBadge(d.paymentStatus, lang)}</span></span>
<span>${esc(t(lang, 'orderStatus'))}: <strong id="order-status-label">${esc(label(ORDER_STATUS_LABELS, d.orderStatus, lang))}</strong></span>
<span>${esc(t(lang, 'paymentIntent'))}: ${esc(d.paymentIntent === 'Authorize' ? (lang === 'ja' ? '与信' : 'Authorize') : lang === 'ja' ? '与信売上計上' : 'Authorize with capture')}</span></p>
${recurringSection(lang, d.recurring)}
<div class="grid">
<section aria-labelledby="ids-h"><h2 id="ids-h">${esc(t(lang, 'ids'))}</h2><dl>
<dt>${esc(t(lang, 'chargeId'))}</dt><dd class="mono" id="charge-id">${esc(d.chargeId ?? '-')}</dd>
<dt>${esc(t(lang, 'chargePermissionId'))}</dt><dd class="mono" id="charge-permission-id">${esc(d.chargePermissionId ?? '-')}</dd>
<dt>${esc(t(lang, 'checkoutSessionId'))}</dt><dd class="mono">${esc(d.checkoutSessionId ?? '-')}</dd>
<dt>${esc(t(lang, 'buyer'))}</dt><dd>${esc(d.buyer?.name ?? '-')}${d.buyer?.email ? ` &lt;${esc(d.buyer.email)}&gt;` : ''}</dd>
<dt>${esc(t(lang, 'authExpires'))}</dt><dd>${esc(formatDate(d.authorizationExpiresAt))}</dd>
</dl><p><a id="temporal-link" href="${esc(temporalUrl)}" target="_blank" rel="noopener noreferrer">${esc(t(lang, 'temporal'))}</a></p></section>
<section aria-labelledby="amounts-h"><h2 id="amounts-h">${esc(t(lang, 'amounts'))}</h2><table class="amounts"><tbody>
<tr><th scope="row">${esc(t(lang, 'orderAmount'))}</th><td class="num" id="amount-order">${esc(formatMoney(d.amount, lang))}</td></tr>
${money('authorized', t(lang, 'authorized'))}${money('captured', t(lang, 'captured'))}${money('refunded', t(lang, 'refunded'))}${money('refundPending', t(lang, 'refundPending'))}${money('capturable', t(lang, 'capturable'))}${money('refundable', t(lang, 'refundable'))}
</tbody></table></section></div>
${d.lastError?.code ? `<p class="error" id="last-error">${esc(t(lang, 'lastError'))}: <strong>${esc(d.lastError.code)}</strong> ${esc(d.lastError.message ?? '')}</p>` : ''}
${actions(lang, d, canEdit)}
${orderApprovalsSection(lang, d.orderId, d.pendingApprovals, { canEdit, keyId: d.viewer?.keyId, csrf: d.viewer?.csrf })}
${checkoutSection(lang, d.checkout)}
${disputesSection(lang, d.disputes)}
${trackersSection(lang, d.deliveryTrackers)}
${historyTable(lang, d.history)}
${orderEventsSection(lang, d.events, canEdit, d.eventsError)}
${d.pendingTimers.length ? `<p class="note">${esc(t(lang, 'pendingTimers'))}: ${d.pendingTimers.map((p) => `${esc(p.name)} → ${esc(formatDate(p.firesAt))}`).join(', ')}</p>` : ''}
</div>`;
}

/** The order's page (決済情報), served with its panel by the console. */
export const ORDER_PAGE: DetailView<OrderDetail> = { list: '/admin/orders', param: 'orderId', nav: 'orders', backLabel: 'backToList', title: 'paymentInfo', idOf: (d) => d.orderId, panel: orderPanel };
