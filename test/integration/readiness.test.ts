/**
 * `/readyz` goes from 503 (naming what is missing) to 200 once the database is migrated and
 * Temporal answers; `/healthz` is 200 throughout.
 */
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { createApp } from '../../api/app';
import { createLogger } from '../../lib/logger';
import { applyMigrations } from '../../lib/migrate';
import { createReadinessProbe } from '../../lib/readiness';
import { testDevServerExecutable } from '../../lib/tools';
import { createEmptyDatabase } from '../helpers/database';
import { freePort, listen, waitFor } from '../helpers/http';

describe('readiness', () => {
  it('reports 503 with the parts that are not ready, then 200 when they are', async () => {
    const db = await createEmptyDatabase();
    const temporalPort = await freePort();
    const connection = await Connection.lazy({ address: `127.0.0.1:${temporalPort}` });
    const readiness = createReadinessProbe(db.url, connection);
    const api = await listen(createApp({ readiness, log: createLogger('silent', 'test') }));
    let env: TestWorkflowEnvironment | undefined;
    try {
      expect((await fetch(`${api.url}/healthz`)).status).toBe(200);

      const before = await fetch(`${api.url}/readyz`);
      expect(before.status).toBe(503);
      const body = (await before.json()) as { status: string; notReady: string[]; checks: Record<string, { ok: boolean; detail?: string }> };
      expect(body.status).toBe('not_ready');
      expect(body.notReady.sort()).toEqual(['migrations', 'temporal']);
      expect(body.checks.database.ok).toBe(true);
      expect(body.checks.migrations.detail).toMatch(/pending: \d{14}_init/);

      await applyMigrations(db.url);
      const halfway = (await (await fetch(`${api.url}/readyz`)).json()) as { notReady: string[] };
      expect(halfway.notReady).toEqual(['temporal']);

      env = await TestWorkflowEnvironment.createLocal({ server: { executable: testDevServerExecutable(), ip: '127.0.0.1', port: temporalPort } });
      await waitFor(async () => (await fetch(`${api.url}/readyz`)).status === 200, 30_000);
      const after = (await (await fetch(`${api.url}/readyz`)).json()) as { status: string; notReady: string[] };
      expect(after).toMatchObject({ status: 'ready', notReady: [] });
      expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
    } finally {
      await api.close();
      await readiness.close();
      await connection.close();
      await env?.teardown();
      await db.drop();
    }
  });

  it('answers unknown routes and malformed JSON with a machine-readable 4xx', async () => {
    const db = await createEmptyDatabase();
    const connection = await Connection.lazy({ address: `127.0.0.1:${await freePort()}` });
    const readiness = createReadinessProbe(db.url, connection);
    const api = await listen(createApp({ readiness, log: createLogger('silent', 'test') }));
    try {
      const missing = await fetch(`${api.url}/nope`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toMatchObject({ error: { code: 'not_found' } });
      const bad = await fetch(`${api.url}/healthz`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":' });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ error: { code: 'invalid_json' } });
    } finally {
      await api.close();
      await readiness.close();
      await connection.close();
      await db.drop();
    }
  });
});
