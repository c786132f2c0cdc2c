/**
 * Liveness and readiness: `/healthz` says the process serves requests; `/readyz` is 200 only when
 * the database answers, migrations are applied and Temporal answers, else 503 naming what is not.
 */
import { Router } from 'express';
import type { ReadinessProbe } from '../lib/readiness';

export function healthRoutes(readiness: ReadinessProbe): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const result = await readiness.check();
    const notReady = Object.entries(result.checks)
      .filter(([, c]) => !c.ok)
      .map(([name]) => name);
    res.status(result.ready ? 200 : 503).json({ status: result.ready ? 'ready' : 'not_ready', notReady, checks: result.checks });
  });
  return router;
}
