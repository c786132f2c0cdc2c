import { startStack } from '../scripts/bench/stack';
import { fullLifecycle, pool } from '../scripts/bench/lifecycle';
import { orderWorkflowId } from '../lib/names';
async function main() {
  const s = await startStack({ simulatorSnapshot: false });
  try {
    await fullLifecycle(s, 'H-warm');
    const r = await pool(10, 10, 60000, (i) => fullLifecycle(s, `H-${i}`));
    console.log('done', r.results.length, r.errors);
    for (const id of ['H-warm', 'H-3']) {
      const h = await s.client.workflow.getHandle(orderWorkflowId(id)).fetchHistory();
      const t0 = Number(h.events![0].eventTime!.seconds) * 1000 + Math.round((h.events![0].eventTime!.nanos ?? 0) / 1e6);
      console.log(`== ${id}: ${h.events!.length} events`);
      for (const e of h.events!) {
        const t = Number(e.eventTime!.seconds) * 1000 + Math.round((e.eventTime!.nanos ?? 0) / 1e6) - t0;
        const type = Object.keys(e).find((k) => k.endsWith('Attributes'))!.replace('EventAttributes', '');
        const a: any = (e as any)[Object.keys(e).find((k) => k.endsWith('Attributes'))!];
        const extra = a.activityType?.name ?? a.acceptedRequest?.input?.name ?? a.markerName ?? (a.startToFireTimeout ? `timer ${a.startToFireTimeout.seconds}s` : '') ?? '';
        console.log(String(t).padStart(6), type, extra);
      }
    }
    const n = await s.prisma.processedNotification.findMany({ where: { orderId: 'H-3' } });
    console.log(n.map((x) => `${x.objectType} ${x.notificationType}`));
  } finally { await s.stop(); }
}
main().catch((e) => { console.error(e); process.exit(1); });
