// Prints a reconciliation report: one line per drift with its cause and what was done, then a summary line.
import type { ReconcileReport } from '../../activities/reconcile';

export function printReport(r: ReconcileReport, out: (line: string) => void = console.log): void {
  for (const d of r.drifts) {
    const fix = d.action === 'notified' ? (d.resolved === undefined ? 'workflow notified' : d.resolved ? 'workflow notified, resolved' : 'workflow notified, NOT resolved yet') : 'needs attention';
    out(`drift ${d.orderId} ${d.objectType}${d.objectId ? ` ${d.objectId}` : ''} ${d.field}: engine ${d.engine}, Amazon ${d.amazon} — ${d.cause} [${fix}]`);
  }
  for (const e of r.errors) out(`error ${e.orderId}: ${e.message}`);
  const unresolved = r.drifts.filter((d) => d.resolved !== true).length;
  out(`reconcile: ${r.checkedOrders} orders checked, ${r.drifts.length} drift(s), ${r.drifts.length - unresolved} resolved, ${unresolved} open, ${r.errors.length} error(s)`);
}
