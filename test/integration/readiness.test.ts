/**
 * `/readyz` goes from 503 (naming what is missing) to 200 once the database is migrated, Temporal
 * answers and the namespace has the workflows' search attributes; a TLS failure is reported as
 * one; `/healthz` is 200 throughout.
 */
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { Connection } from '@temporalio/client';
import { google } from '@temporalio/proto';
import { generate } from 'selfsigned';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { createApp } from '../../api/app';
import { createLogger } from '../../lib/logger';
import { applyMigrations } from '../../lib/migrate';
import { createReadinessProbe } from '../../lib/readiness';
import { loadConfig } from '../../lib/config';
import { ensureNamespaceReady, probeTemporalEndpoint, waitForNamespace } from '../../lib/temporal';
import { testDevServerExecutable } from '../../lib/tools';
import { SEARCH_ATTRIBUTE_KEYS } from '../../lib/names';
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

  it('stays unready while the namespace or a search attribute is missing, naming it and the command that creates it', async () => {
    const db = await createEmptyDatabase();
    await applyMigrations(db.url);
    const env = await TestWorkflowEnvironment.createLocal({ server: { executable: testDevServerExecutable(), ip: '127.0.0.1', port: await freePort() } });
    const namespace = `ready-${Date.now()}`;
    const readiness = createReadinessProbe(db.url, env.connection, { namespace: () => ensureNamespaceReady(env.connection, namespace, SEARCH_ATTRIBUTE_KEYS, () => undefined) });
    const api = await listen(createApp({ readiness, log: createLogger('silent', 'test') }));
    try {
      const before = await fetch(`${api.url}/readyz`);
      expect(before.status).toBe(503);
      const body = (await before.json()) as { notReady: string[]; checks: Record<string, { ok: boolean; detail?: string }> };
      expect(body.notReady).toEqual(['namespace']);
      expect(body.checks.namespace.detail).toContain(`namespace ${namespace} does not exist; create it: temporal operator namespace create --namespace ${namespace}`);

      // A worker waits meanwhile (it polls no task), saying once what is missing.
      const warned: string[] = [];
      const worker = waitForNamespace(env.connection, namespace, SEARCH_ATTRIBUTE_KEYS, { info: () => undefined, warn: (m) => warned.push(m) }, { everyMs: 200 });
      await waitFor(async () => warned.length > 0, 10_000);
      // The namespace appears (its attributes not yet): the probe adds them, as the cluster permits it here.
      await env.connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: google.protobuf.Duration.fromObject({ seconds: 86_400 }) });
      await waitFor(async () => (await fetch(`${api.url}/readyz`)).status === 200, 30_000);
      await worker;
      expect(warned[0]).toContain(`not ready: namespace ${namespace} does not exist; create it: temporal operator namespace create`);
      const have = (await env.connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
      expect(Object.keys(have)).toEqual(expect.arrayContaining(SEARCH_ATTRIBUTE_KEYS.map((k) => k.name)));
    } finally {
      await api.close();
      await readiness.close();
      await env.teardown();
      await db.drop();
    }
  }, 120_000);

  it('reports a TLS failure as TLS, not as a timeout', async () => {
    // A TLS endpoint whose certificate no CA we trust signed: what a cluster with a private CA looks like without TEMPORAL_TLS_CA.
    const pems = await generate([{ name: 'commonName', value: 'temporal.internal' }], { keySize: 2048, algorithm: 'sha256', extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'temporal.internal' }] }] });
    const server = tls.createServer({ key: pems.private, cert: pems.cert, ALPNProtocols: ['h2'] }, (socket) => socket.destroy());
    server.on('tlsClientError', () => undefined);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = `127.0.0.1:${(server.address() as { port: number }).port}`;
    const db = await createEmptyDatabase();
    await applyMigrations(db.url);
    const connection = await Connection.lazy({ address, tls: true });
    const config = loadConfig({ TEMPORAL_ADDRESS: address, TEMPORAL_TLS: 'true' });
    const readiness = createReadinessProbe(db.url, connection, { diagnose: () => probeTemporalEndpoint(config, address) });
    try {
      const result = await readiness.check();
      expect(result.ready).toBe(false);
      expect(result.checks.temporal.detail).toMatch(/^TLS to 127\.0\.0\.1:\d+: SELF_SIGNED_CERT_IN_CHAIN|^TLS to 127\.0\.0\.1:\d+: DEPTH_ZERO_SELF_SIGNED_CERT/);
      // With the CA but the wrong name, the name is what fails; with both, the endpoint is accepted.
      const dir = mkdtempSync(path.join(os.tmpdir(), 'ready-ca-'));
      writeFileSync(path.join(dir, 'ca.pem'), pems.cert);
      const withCa = loadConfig({ TEMPORAL_ADDRESS: address, TEMPORAL_TLS_CA: path.join(dir, 'ca.pem') });
      expect(await probeTemporalEndpoint(withCa, address)).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID/);
      const named = loadConfig({ TEMPORAL_ADDRESS: address, TEMPORAL_TLS_CA: path.join(dir, 'ca.pem'), TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' });
      expect(named.temporal.tls).toBe(true);
      expect(await probeTemporalEndpoint(named, address)).toBeUndefined();
    } finally {
      await readiness.close();
      await connection.close();
      server.close();
      await db.drop();
    }
  }, 60_000);

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
