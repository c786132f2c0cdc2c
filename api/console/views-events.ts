// Events to the shop (docs/events.md) in the console: an order's events with their deliveries and resend buttons (on
// the order's page), and the event endpoints page (list, add, rotate the secret, enable/disable, delete).
import { ORDER_EVENT_TYPES, SUBSCRIPTION_EVENT_TYPES, type EventType } from '../../lib/event-types';
import type { deliveryView, endpointView, eventWithDeliveriesView } from '../events';
import { esc, statusBadge } from './html';
import { EVENT_TYPE_LABELS, SHOP_EVENT_STATUS_LABELS, formatDate, formatMoney, label, t, type Lang, type TextKey } from './i18n';

/** What the console shows is what the events service answers (api/events.ts): the same views, never restated. */
export type DeliveryRow = ReturnType<typeof deliveryView>;
/** An order's event with its deliveries; `delivery` is the one-word summary of api/events.ts deliverySummary. */
export type EventRow = ReturnType<typeof eventWithDeliveriesView>;
/** An endpoint as GET /api/admin/event-endpoints answers it: never a secret. */
export type EndpointRow = ReturnType<typeof endpointView>;

const th = (lang: Lang, k: TextKey) => `<th scope="col">${esc(t(lang, k))}</th>`;

function deliveryStatus(lang: Lang, status: string): string {
  const cls = status === 'delivered' ? 'result-ok' : status === 'failed' || status === 'refused' ? 'result-ng' : '';
  return `<span class="${cls}" data-delivery-status="${esc(status)}">${esc(label(SHOP_EVENT_STATUS_LABELS, status, lang))}</span>`;
}

function eventTypeText(lang: Lang, type: string): string {
  const named = (EVENT_TYPE_LABELS as Record<string, { ja: string; en: string }>)[type];
  return `<span class="mono">${esc(type)}</span>${named ? `<br><small>${esc(named[lang])}</small>` : ''}`;
}

function deliveriesTable(lang: Lang, e: EventRow, canEdit: boolean): string {
  if (!e.deliveries.length) return `<span class="note">${esc(t(lang, 'noDeliveries'))}</span>`;
  const rows = e.deliveries
    .map((d) => {
      const answer = [d.lastStatusCode === null ? '' : `HTTP ${d.lastStatusCode}`, d.lastError ?? ''].filter(Boolean).join(' ');
      // A canceled delivery's endpoint was deleted: nothing to resend it to.
      const resend = canEdit && d.status !== 'canceled' ? `<button type="button" class="small secondary resend" data-event-id="${esc(e.id)}" data-endpoint-id="${esc(d.endpointId)}">${esc(t(lang, 'resend'))}</button>` : '';
      return `<tr class="delivery" data-delivery-id="${esc(d.id)}" data-endpoint-id="${esc(d.endpointId)}" data-status="${esc(d.status)}" data-attempts="${d.attempts}"><td class="mono">${esc(d.endpointUrl)}</td><td>${deliveryStatus(lang, d.status)}</td><td class="num">${d.attempts}</td><td>${esc(answer || '-')}</td><td>${esc(formatDate(d.nextAttemptAt))}</td><td>${esc(formatDate(d.deliveredAt))}</td><td>${resend}</td></tr>`;
    })
    .join('');
  return `<table class="deliveries"><thead><tr>${th(lang, 'endpointUrl')}${th(lang, 'deliveryStatus')}${th(lang, 'attempts')}${th(lang, 'lastResponse')}${th(lang, 'nextAttemptAt')}${th(lang, 'deliveredAt')}<th scope="col"><span class="sr-only">${esc(t(lang, 'resend'))}</span></th></tr></thead><tbody>${rows}</tbody></table>`;
}

/**
 * The order page's events, newest first, each with its deliveries. `events` undefined: the server has no event
 * service (nothing shown); `error`: they could not be read (said so, the rest of the page stands).
 */
export function orderEventsSection(lang: Lang, events: EventRow[] | undefined, canEdit: boolean, error?: string): string {
  if (events === undefined && !error) return '';
  const head = `<h2 id="order-events-h">${esc(t(lang, 'orderEvents'))}</h2><p class="note">${esc(t(lang, 'orderEventsHelp'))}</p>`;
  if (error) return `<section id="order-events" aria-labelledby="order-events-h">${head}<p class="error" id="order-events-error">${esc(t(lang, 'eventsUnavailable'))}: ${esc(error)}</p></section>`;
  if (!events?.length) return `<section id="order-events" aria-labelledby="order-events-h">${head}<p class="note" id="no-order-events">${esc(t(lang, 'noEvents'))}</p></section>`;
  const body = [...events]
    .sort((a, b) => b.seq - a.seq)
    .map((e) => {
      const all = canEdit && e.deliveries.some((d) => d.status !== 'canceled') ? `<br><button type="button" class="small secondary resend" data-event-id="${esc(e.id)}">${esc(t(lang, 'resendAll'))}</button>` : '';
      // One tbody per event: its row, then its deliveries across the table's width.
      return `<tbody class="event" data-event-id="${esc(e.id)}" data-seq="${e.seq}" data-event-type="${esc(e.type)}" data-delivery="${esc(e.delivery)}"><tr>
<td class="num">${e.seq}</td><td>${eventTypeText(lang, e.type)}<br><small class="mono">${esc(e.id)}</small></td><td>${e.paymentStatus ? statusBadge(e.paymentStatus, lang) : '-'}</td><td>${esc(formatDate(e.occurredAt))}</td><td class="num">${esc(formatMoney(e.data?.amount, lang))}</td>
<td>${deliveryStatus(lang, e.delivery)}${all}</td></tr><tr class="event-deliveries"><td></td><td colspan="5">${deliveriesTable(lang, e, canEdit)}</td></tr></tbody>`;
    })
    .join('\n');
  return `<section id="order-events" aria-labelledby="order-events-h">${head}<table class="wide events" id="order-events-table"><thead><tr>${th(lang, 'seq')}${th(lang, 'eventType')}${th(lang, 'paymentStatusAfter')}${th(lang, 'occurredAt')}${th(lang, 'amount')}${th(lang, 'deliveryStatus')}</tr></thead>${body}</table></section>`;
}

/** True while a delivery of the order's events is still pending: the page keeps refreshing a while. */
export function eventsPending(events: EventRow[] | undefined): boolean {
  return (events ?? []).some((e) => e.deliveries.some((d) => d.status === 'pending'));
}

// ---------------------------------------------------------------- the endpoints page

/** What the create form had, to show it again after a refusal. */
export interface EndpointForm {
  url?: string;
  description?: string;
  eventTypes?: string[];
  enabled?: boolean;
}

/** The choices of a rotation's overlap, in seconds (the API's default is a day, at most 7 days). */
export const OVERLAP_CHOICES: ReadonlyArray<[number, TextKey]> = [
  [0, 'overlapNone'],
  [3_600, 'overlapHour'],
  [86_400, 'overlapDay'],
  [604_800, 'overlapWeek'],
];

export interface EndpointsView {
  endpoints: EndpointRow[];
  canEdit: boolean;
  csrf: string;
  message?: { ok: boolean; text: string };
  /** The secret just made (after an add or a rotation): shown this once, on this answer only. */
  secret?: { value: string; endpoint: EndpointRow };
  form?: EndpointForm;
}

function typesText(lang: Lang, types: string[]): string {
  if (!types.length) return esc(t(lang, 'allEventTypes'));
  return types.map((x) => `<span class="mono">${esc(x)}</span>`).join(', ');
}

function hidden(csrf: string): string {
  return `<input type="hidden" name="_csrf" value="${esc(csrf)}">`;
}

function endpointActions(lang: Lang, e: EndpointRow, csrf: string): string {
  if (e.source === 'env') return `<span class="note env-read-only">${esc(t(lang, 'envReadOnly'))}</span>`;
  const base = `/admin/event-endpoints/${encodeURIComponent(e.id)}`;
  const overlap = OVERLAP_CHOICES.map(([s, k]) => `<option value="${s}"${s === 86_400 ? ' selected' : ''}>${esc(t(lang, k))}</option>`).join('');
  return `<div class="endpoint-actions">
<form method="post" action="${base}/enabled" class="inline">${hidden(csrf)}<input type="hidden" name="enabled" value="${e.enabled ? 'false' : 'true'}"><button type="submit" class="small secondary toggle-enabled">${esc(t(lang, e.enabled ? 'disable' : 'enable'))}</button></form>
<form method="post" action="${base}/rotate" class="inline rotate">${hidden(csrf)}<label for="overlap-${esc(e.id)}">${esc(t(lang, 'overlap'))}</label> <select id="overlap-${esc(e.id)}" name="overlapSeconds">${overlap}</select> <button type="submit" class="small rotate-secret">${esc(t(lang, 'rotateSecret'))}</button></form>
<form method="post" action="${base}/delete" class="inline">${hidden(csrf)}<button type="submit" class="small danger delete-endpoint">${esc(t(lang, 'deleteEndpoint'))}</button></form></div>`;
}

function endpointsTable(lang: Lang, v: EndpointsView): string {
  if (!v.endpoints.length) return `<p class="note" id="no-endpoints">${esc(t(lang, 'noEndpoints'))}</p>`;
  const body = v.endpoints
    .map(
      (e) => `<tr data-endpoint-id="${esc(e.id)}" data-source="${esc(e.source)}" data-enabled="${e.enabled}">
<td data-label="${esc(t(lang, 'endpointUrl'))}" class="mono endpoint-url">${esc(e.url)}${e.description ? `<br><small class="endpoint-description">${esc(e.description)}</small>` : ''}</td>
<td data-label="${esc(t(lang, 'eventTypes'))}">${typesText(lang, e.eventTypes)}</td>
<td data-label="${esc(t(lang, 'status'))}"><span class="${e.enabled ? 'result-ok' : 'result-ng'}">${esc(t(lang, e.enabled ? 'enabled' : 'disabled'))}</span></td>
<td data-label="${esc(t(lang, 'source'))}">${esc(t(lang, e.source === 'env' ? 'sourceEnv' : 'sourceApi'))}</td>
<td data-label="${esc(t(lang, 'secretRotation'))}">${e.secretRotation ? `${esc(t(lang, 'previousSecretUntil'))}: ${esc(formatDate(e.secretRotation.previousExpiresAt))}` : '-'}</td>
<td data-label="${esc(t(lang, 'createdAt'))}">${esc(formatDate(e.createdAt))}</td>
<td>${v.canEdit ? endpointActions(lang, e, v.csrf) : e.source === 'env' ? `<span class="note env-read-only">${esc(t(lang, 'envReadOnly'))}</span>` : ''}</td></tr>`,
    )
    .join('\n');
  return `<table class="orders endpoints" id="endpoints-table"><caption class="sr-only">${esc(t(lang, 'eventEndpoints'))}</caption><thead><tr>${th(lang, 'endpointUrl')}${th(lang, 'eventTypes')}${th(lang, 'status')}${th(lang, 'source')}${th(lang, 'secretRotation')}${th(lang, 'createdAt')}<th scope="col"><span class="sr-only">${esc(t(lang, 'action'))}</span></th></tr></thead><tbody>${body}</tbody></table>`;
}

function typeBoxes(lang: Lang, legend: TextKey, types: readonly EventType[], chosen: ReadonlySet<string>): string {
  return `<fieldset class="types"><legend>${esc(t(lang, legend))}</legend>${types
    .map((x) => `<span class="check"><input type="checkbox" name="eventTypes" value="${esc(x)}" id="type-${esc(x)}"${chosen.has(x) ? ' checked' : ''}><label for="type-${esc(x)}"><span class="mono">${esc(x)}</span> <small>${esc(EVENT_TYPE_LABELS[x][lang])}</small></label></span>`)
    .join('')}</fieldset>`;
}

function createForm(lang: Lang, v: EndpointsView): string {
  if (!v.canEdit) return `<p class="note" id="view-only">${esc(t(lang, 'endpointsViewOnly'))}</p>`;
  const f = v.form ?? {};
  const chosen = new Set(f.eventTypes ?? []);
  return `<form method="post" action="/admin/event-endpoints" id="endpoint-form" class="settings">${hidden(v.csrf)}
<h2>${esc(t(lang, 'createEndpoint'))}</h2>
<label for="endpoint-url">${esc(t(lang, 'endpointUrl'))}</label><input id="endpoint-url" name="url" type="url" required maxlength="2000" placeholder="https://shop.example.com/amazon-pay/events" value="${esc(f.url ?? '')}">
<label for="endpoint-description">${esc(t(lang, 'description'))}</label><input id="endpoint-description" name="description" maxlength="200" value="${esc(f.description ?? '')}">
<fieldset><legend>${esc(t(lang, 'eventTypes'))}</legend><p class="note">${esc(t(lang, 'eventTypesHelp'))}</p>
${typeBoxes(lang, 'orderEventTypes', ORDER_EVENT_TYPES, chosen)}${typeBoxes(lang, 'subscriptionEventTypes', SUBSCRIPTION_EVENT_TYPES, chosen)}</fieldset>
<div class="check"><input type="checkbox" id="endpoint-enabled" name="enabled" value="true"${f.enabled === false ? '' : ' checked'}><label for="endpoint-enabled">${esc(t(lang, 'enabled'))}</label></div>
<p><button type="submit" id="create-endpoint">${esc(t(lang, 'create'))}</button></p></form>`;
}

/** The one answer that carries a secret: the endpoint just added or rotated, with the warning that it is shown once. */
function secretOnce(lang: Lang, s: NonNullable<EndpointsView['secret']>): string {
  return `<section class="warning secret-once" id="secret-once" role="alert" aria-labelledby="secret-once-h"><h2 id="secret-once-h">${esc(t(lang, 'secretOnceTitle'))}</h2>
<p><strong>${esc(t(lang, 'secretOnceWarning'))}</strong></p>
<p class="mono">${esc(s.endpoint.url)}</p>
<p><label for="new-secret">${esc(t(lang, 'secretRotation'))}</label><br><input id="new-secret" class="mono secret" readonly autocomplete="off" spellcheck="false" size="64" value="${esc(s.value)}"></p>
${s.endpoint.secretRotation ? `<p id="secret-overlap">${esc(t(lang, 'secretOverlapNote'))}: ${esc(formatDate(s.endpoint.secretRotation.previousExpiresAt))}</p>` : ''}
<p><a class="button" id="secret-saved" href="/admin/event-endpoints">${esc(t(lang, 'secretSaved'))}</a></p></section>`;
}

export function endpointsPage(lang: Lang, v: EndpointsView): string {
  const message = v.message ? `<p class="${v.message.ok ? 'ok' : 'error'}" role="${v.message.ok ? 'status' : 'alert'}" id="endpoints-message">${esc(v.message.text)}</p>` : '';
  return `<h1>${esc(t(lang, 'eventEndpoints'))}</h1>${message}${v.secret ? secretOnce(lang, v.secret) : ''}
<p class="note">${esc(t(lang, 'endpointsHelp'))}</p>
${endpointsTable(lang, v)}
${v.secret ? '' : createForm(lang, v)}`;
}

/** The step before a delete: what it does, and the button that does it. */
export function deleteConfirmPage(lang: Lang, e: EndpointRow, csrf: string): string {
  return `<h1>${esc(t(lang, 'deleteConfirm'))}</h1><p class="mono" id="delete-url">${esc(e.url)}</p><p class="warning">${esc(t(lang, 'deleteConfirmHelp'))}</p>
<form method="post" action="/admin/event-endpoints/${encodeURIComponent(e.id)}/delete">${hidden(csrf)}<input type="hidden" name="confirm" value="yes">
<div class="buttons"><a href="/admin/event-endpoints" class="button secondary" id="delete-back">${esc(t(lang, 'back'))}</a> <button type="submit" class="danger" id="delete-confirm">${esc(t(lang, 'deleteEndpoint'))}</button></div></form>`;
}
