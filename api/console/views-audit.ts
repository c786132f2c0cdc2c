// The audit log page (監査ログ, docs/audit.md): every state-changing admin request, newest first, with filters. Read only.
import { AUDIT_ACTION_NAMES } from '../../lib/audit';
import type { AuditEntryView } from '../audit';
import { esc } from './html';
import { AUDIT_ACTION_LABELS, formatDate, label, t, type Lang } from './i18n';

export interface AuditFilters {
  actor?: string;
  orderId?: string;
  action?: string;
  from?: string;
  to?: string;
}

/** Where an entry's object is shown in the console, if anywhere. */
function objectCell(e: AuditEntryView): string {
  if (!e.object) return '-';
  const id = e.object.id ?? '-';
  const href = e.object.type === 'order' ? `/admin/orders/${encodeURIComponent(id)}` : e.object.type === 'subscription' ? `/admin/subscriptions/${encodeURIComponent(id)}` : undefined;
  const shown = href && e.object.id ? `<a href="${esc(href)}">${esc(id)}</a>` : esc(id);
  const order = e.orderId && e.object.type !== 'order' ? `<br><small>${esc(e.orderId)}</small>` : '';
  return `<small>${esc(e.object.type)}</small><br><span class="mono">${shown}</span>${order}`;
}

function row(lang: Lang, e: AuditEntryView): string {
  const actor = e.actor ? `${esc(e.actor.name ?? '-')} <small>(${esc(e.actor.role)})</small>${e.actor.keyId ? `<br><small class="mono">${esc(e.actor.keyId)}</small>` : ''}` : `<small>${esc(t(lang, 'auditNoActor'))}</small>`;
  const ok = e.outcome.status < 400;
  const params = Object.keys((e.params ?? {}) as object).length > 0 ? `<code class="mono">${esc(JSON.stringify(e.params))}</code>` : '';
  const where = `${e.method ? `${esc(e.method)} ` : ''}<span class="mono">${esc(e.path ?? '-')}</span>${e.requestId ? `<br><small>${esc(t(lang, 'auditRequestId'))}: <span class="mono">${esc(e.requestId)}</span></small>` : ''}${e.userAgent ? `<br><small>${esc(e.userAgent)}</small>` : ''}`;
  return `<tr data-entry-id="${esc(e.id)}" data-action="${esc(e.action)}">
<td data-label="${esc(t(lang, 'at'))}">${esc(formatDate(e.at))}<br><small class="mono">#${esc(e.id)}</small></td>
<td data-label="${esc(t(lang, 'auditActor'))}">${actor}</td>
<td data-label="${esc(t(lang, 'action'))}">${esc(label(AUDIT_ACTION_LABELS, e.action, lang))}<br><small>${esc(e.action)}</small></td>
<td data-label="${esc(t(lang, 'auditObject'))}">${objectCell(e)}</td>
<td data-label="${esc(t(lang, 'result'))}"><span class="${ok ? 'result-ok' : 'result-ng'}">${esc(e.outcome.status)}</span>${e.outcome.code ? ` <small>${esc(e.outcome.code)}</small>` : ''}</td>
<td data-label="${esc(t(lang, 'auditSource'))}"><span class="mono">${esc(e.sourceIp ?? '-')}</span></td>
<td data-label="${esc(t(lang, 'details'))}">${where}${params ? `<br>${params}` : ''}</td></tr>`;
}

export function auditPage(lang: Lang, f: AuditFilters, entries: AuditEntryView[], nextHref: string | null, isFirst: boolean, error?: string): string {
  const actions = [`<option value="">${esc(t(lang, 'any'))}</option>`, ...AUDIT_ACTION_NAMES.map((a) => `<option value="${esc(a)}"${a === f.action ? ' selected' : ''}>${esc(label(AUDIT_ACTION_LABELS, a, lang))}</option>`)].join('');
  const filters = `<form class="filters" method="get" action="/admin/audit" role="search">
<label>${esc(t(lang, 'auditActorKey'))}<input name="actor" id="f-actor" value="${esc(f.actor)}" maxlength="36" placeholder="00000000-0000-0000-0000-000000000000"></label>
<label>${esc(t(lang, 'orderId'))}<input name="orderId" id="f-orderId" value="${esc(f.orderId)}" maxlength="64"></label>
<label>${esc(t(lang, 'action'))}<select name="action" id="f-action">${actions}</select></label>
<label>${esc(t(lang, 'from'))}<input type="date" name="from" value="${esc(f.from)}"></label>
<label>${esc(t(lang, 'to'))}<input type="date" name="to" value="${esc(f.to)}"></label>
<div class="buttons"><button type="submit">${esc(t(lang, 'filter'))}</button> <a href="/admin/audit">${esc(t(lang, 'reset'))}</a></div>
</form>`;
  const head = ['at', 'auditActor', 'action', 'auditObject', 'result', 'auditSource', 'details'] as const;
  const table = entries.length
    ? `<table class="orders audit" id="audit-table"><caption class="sr-only">${esc(t(lang, 'audit'))}</caption><thead><tr>${head.map((k) => `<th scope="col">${esc(t(lang, k))}</th>`).join('')}</tr></thead><tbody>${entries.map((e) => row(lang, e)).join('\n')}</tbody></table>`
    : `<p id="no-audit">${esc(t(lang, 'noAudit'))}</p>`;
  const pager = `<nav class="pager" aria-label="pages">${isFirst ? '' : `<a href="/admin/audit?${new URLSearchParams(Object.entries(f).filter((e): e is [string, string] => Boolean(e[1]))).toString()}">${esc(t(lang, 'first'))}</a>`}${nextHref ? ` <a id="next-page" rel="next" href="${esc(nextHref)}">${esc(t(lang, 'next'))}</a>` : ` <span>${esc(t(lang, 'lastPage'))}</span>`}</nav>`;
  return `<h1>${esc(t(lang, 'audit'))}</h1><p class="note">${esc(t(lang, 'auditHelp'))}</p>${error ? `<p class="error" role="alert" id="audit-error">${esc(error)}</p>` : ''}${filters}${table}${pager}`;
}
