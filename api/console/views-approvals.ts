// Second approval for large refunds in the console (docs/product-rules.md, Refund approval): the order page's refunds
// waiting for approval, the page of all of them (/admin/refund-approvals), their approve / reject forms, the settings'
// thresholds and the console's words for a refused decision. The order's workflow decides who may approve; the page
// only shows it (a forged decision is refused there just the same).
import { CURRENCY_EXPONENT } from '../../lib/money';
import { confirmDialog, esc, type Money } from './html';
import { formatDate, formatMoney, t, type Lang, type TextKey } from './i18n';

/** A refund waiting for approval, as the service answers it (pendingApprovals(), orderDetail().pendingApprovals). */
export interface ApprovalRow {
  /** Present in the list across orders. */
  orderId?: string;
  approvalId: string;
  amount: Money;
  requestId: string;
  requestedBy: { keyId: string; name: string | null };
  requestedAt: string;
  expiresAt: string;
}

/** Who looks: whether they may decide at all, which key they are (not the requester's own), and the CSRF token of the forms. */
export interface Decider {
  canEdit: boolean;
  keyId?: string;
  csrf?: string;
}

export type Decision = 'approve' | 'reject';

/** The console's route of a decision (index.ts); the same path as the API's under /admin. */
export function decisionPath(orderId: string, approvalId: string, decision: Decision): string {
  return `/admin/orders/${encodeURIComponent(orderId)}/refund-approvals/${encodeURIComponent(approvalId)}/${decision}`;
}

const tr = (lang: Lang, k: TextKey) => esc(t(lang, k));

/** A key as the page names it: its name, its id when it has none; the id in the tooltip. */
export function actorName(a: { keyId: string; name: string | null } | null | undefined): string {
  if (!a) return '-';
  return `<span class="actor" data-key-id="${esc(a.keyId)}" title="${esc(a.keyId)}">${esc(a.name ?? a.keyId)}</span>`;
}

/**
 * Approve and reject, as plain forms (they work without the script; on the order page the script sends them and
 * re-renders the panel). The requester's own are disabled with a note: the workflow would refuse them.
 */
function decisionForms(lang: Lang, orderId: string, a: ApprovalRow, who: Decider): string {
  if (!who.canEdit) return '';
  const own = who.keyId !== undefined && who.keyId === a.requestedBy.keyId;
  const dis = own ? ' disabled aria-disabled="true"' : '';
  const csrf = who.csrf ? `<input type="hidden" name="_csrf" value="${esc(who.csrf)}">` : '';
  const summary = `${formatMoney(a.amount, lang)} — ${orderId}`;
  const form = (decision: Decision, confirm: TextKey, inner: string) =>
    `<form class="approval-decision" method="post" action="${esc(decisionPath(orderId, a.approvalId, decision))}" data-decision="${decision}" data-confirm="${esc(`${t(lang, confirm)} — ${summary}`)}">${csrf}${inner}</form>`;
  const reasonId = `reject-reason-${esc(a.approvalId)}`;
  return `<div class="approval-actions">${own ? `<p class="note own-approval">${tr(lang, 'ownApproval')}</p>` : ''}
${form('approve', 'approveConfirm', `<button type="submit" class="approve-button"${dis}>${tr(lang, 'approveAction')}</button>`)}
${form('reject', 'rejectConfirm', `<label for="${reasonId}">${tr(lang, 'rejectReason')}</label> <input id="${reasonId}" name="reason" type="text" maxlength="255"${dis}> <button type="submit" class="danger reject-button"${dis}>${tr(lang, 'rejectAction')}</button>`)}
</div>`;
}

function approvalRow(lang: Lang, orderId: string, a: ApprovalRow, who: Decider, withOrder: boolean): string {
  const order = withOrder ? `<td data-label="${tr(lang, 'orderId')}"><a class="order-link" href="/admin/orders/${encodeURIComponent(orderId)}">${esc(orderId)}</a></td>` : '';
  return `<tr class="approval" data-order-id="${esc(orderId)}" data-approval-id="${esc(a.approvalId)}">${order}<td data-label="${tr(lang, 'amount')}" class="num approval-amount">${esc(formatMoney(a.amount, lang))}</td><td data-label="${tr(lang, 'requestedBy')}" class="approval-requested-by">${actorName(a.requestedBy)}</td><td data-label="${tr(lang, 'requestedAt')}">${esc(formatDate(a.requestedAt))}</td><td data-label="${tr(lang, 'approvalExpiresAt')}" class="approval-expires">${esc(formatDate(a.expiresAt))}</td>${who.canEdit ? `<td>${decisionForms(lang, orderId, a, who)}</td>` : ''}</tr>`;
}

function approvalsTable(lang: Lang, id: string, rows: string, who: Decider, withOrder: boolean): string {
  const th = (k: TextKey) => `<th scope="col">${tr(lang, k)}</th>`;
  return `<table id="${id}" class="approvals"><thead><tr>${withOrder ? th('orderId') : ''}${th('amount')}${th('requestedBy')}${th('requestedAt')}${th('approvalExpiresAt')}${who.canEdit ? `<th scope="col"><span class="sr-only">${tr(lang, 'action')}</span></th>` : ''}</tr></thead><tbody>${rows}</tbody></table>`;
}

/** The order page's panel of its refunds waiting for approval; nothing when none waits. */
export function orderApprovalsSection(lang: Lang, orderId: string, approvals: ApprovalRow[] | undefined, who: Decider): string {
  if (!approvals || approvals.length === 0) return '';
  const rows = approvals.map((a) => approvalRow(lang, orderId, a, who, false)).join('\n');
  return `<section class="box" id="order-approvals" aria-labelledby="order-approvals-h"><h2 id="order-approvals-h">${tr(lang, 'orderApprovals')}</h2>
<p class="warning">${tr(lang, 'approvalsHelp')}</p>
${approvalsTable(lang, 'order-approvals-table', rows, who, false)}</section>`;
}

export interface ApprovalsView {
  approvals: ApprovalRow[];
  who: Decider;
  message?: { ok: boolean; text: string };
}

/** /admin/refund-approvals: every refund waiting for approval, oldest first, with its order and the decisions. */
export function approvalsPage(lang: Lang, v: ApprovalsView): string {
  const message = v.message ? `<p class="${v.message.ok ? 'ok' : 'error'}" role="${v.message.ok ? 'status' : 'alert'}" id="approvals-message">${esc(v.message.text)}</p>` : '';
  const rows = v.approvals.map((a) => approvalRow(lang, a.orderId ?? '', a, v.who, true)).join('\n');
  const body = v.approvals.length ? approvalsTable(lang, 'approvals-table', rows, v.who, true) : `<p id="no-approvals">${tr(lang, 'noApprovals')}</p>`;
  return `<h1>${tr(lang, 'approvalsTitle')}</h1>
${message}
<p class="note">${tr(lang, 'approvalsHelp')}</p>
${v.who.canEdit ? '' : `<p class="note" id="view-only">${tr(lang, 'approvalsViewOnly')}</p>`}
${body}
${confirmDialog(lang)}`;
}

const DECISION_REFUSALS: Readonly<Record<string, TextKey>> = {
  approver_is_requester: 'approverIsRequester',
  approval_not_found: 'approvalNotFound',
  approval_expired: 'approvalExpired',
};

/** The console's words for a decision the order refused (api/orders.ts apiErrorFor's codes); undefined for any other error. */
export function decisionRefusalText(lang: Lang, code: string): string | undefined {
  const key = Object.prototype.hasOwnProperty.call(DECISION_REFUSALS, code) ? DECISION_REFUSALS[code] : undefined;
  return key ? t(lang, key) : undefined;
}

/** The thresholds the settings page always offers (any other currency stored is shown too); empty: no approval. */
export const APPROVAL_CURRENCIES = ['JPY', 'USD', 'EUR', 'GBP'] as const;

/** Minor units as the admin types them: 50000 JPY → "50000", 50000 USD cents → "500.00". */
export function minorToInput(minor: number, currency: string): string {
  const e = CURRENCY_EXPONENT[currency] ?? 2;
  return e === 0 ? String(minor) : (minor / 10 ** e).toFixed(e);
}

/** The settings page's fieldset of refundApprovalAbove (per currency, in the currency's own units) and refundApprovalHours. */
export function refundApprovalSettings(lang: Lang, s: Readonly<Record<string, unknown>>, disabled: boolean): string {
  const above = (typeof s.refundApprovalAbove === 'object' && s.refundApprovalAbove !== null ? s.refundApprovalAbove : {}) as Record<string, unknown>;
  const currencies = [...APPROVAL_CURRENCIES, ...Object.keys(above).filter((c) => !(APPROVAL_CURRENCIES as readonly string[]).includes(c)).sort()];
  const dis = disabled ? ' disabled' : '';
  const inputs = currencies
    .map((c) => {
      const e = CURRENCY_EXPONENT[c] ?? 2;
      const v = above[c];
      const value = typeof v === 'number' ? minorToInput(v, c) : '';
      const step = e === 0 ? '1' : (1 / 10 ** e).toFixed(e);
      return `<span class="threshold"><label for="s-refundApprovalAbove-${esc(c)}">${esc(c)}</label> <input id="s-refundApprovalAbove-${esc(c)}" name="refundApprovalAbove.${esc(c)}" type="number" inputmode="decimal" min="0" step="${step}" value="${esc(value)}" aria-describedby="help-refundApprovalAbove"${dis}></span>`;
    })
    .join(' ');
  const hours = typeof s.refundApprovalHours === 'number' ? String(s.refundApprovalHours) : '';
  return `<fieldset id="refund-approval-settings"><legend>${tr(lang, 'refundApprovalSettings')}</legend>
<p><strong>${tr(lang, 'refundApprovalAbove')}</strong></p>
<div class="thresholds">${inputs}</div>
<p class="note" id="help-refundApprovalAbove">${tr(lang, 'refundApprovalAboveHelp')}</p>
<label for="s-refundApprovalHours">${tr(lang, 'refundApprovalHours')}</label><input id="s-refundApprovalHours" name="refundApprovalHours" type="number" min="1" max="720" step="1" value="${esc(hours)}" required${dis}>
</fieldset>`;
}
