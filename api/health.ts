/**
 * Liveness and readiness: `/healthz` says the process serves requests; `/readyz` is 200 only when
 * the database answers, migrations are applied and Temporal answers, else 503 naming what is not.
 * What failed (an error's text: hosts, ports, a namespace) is shown only to a caller on the machine itself (a
 * loopback peer: an operator's curl, a sidecar probe); anyone else gets which part is not ready, never internals.
 */
import net from 'node:net';
import { Router } from 'express';
import type { ReadinessProbe } from '../lib/readiness';

/** Whether the TCP peer (not a forwarded header, which a caller can write) is this machine. */
export function isLoopbackPeer(remoteAddress: string | undefined): boolean {
  if (!remoteAddress) return false;
  const address = remoteAddress.startsWith('::ffff:') ? remoteAddress.slice(7) : remoteAddress;
  if (net.isIPv4(address)) return address.startsWith('127.');
  return address === '::1';
}

export function healthRoutes(readiness: ReadinessProbe): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (req, res) => {
    const result = await readiness.check();
    const notReady = Object.entries(result.checks)
      .filter(([, c]) => !c.ok)
      .map(([name]) => name);
    const checks = isLoopbackPeer(req.socket.remoteAddress)
      ? result.checks
      : Object.fromEntries(Object.entries(result.checks).map(([name, c]) => [name, { ok: c.ok }]));
    res.status(result.ready ? 200 : 503).json({ status: result.ready ? 'ready' : 'not_ready', notReady, checks });
  });
  return router;
}
