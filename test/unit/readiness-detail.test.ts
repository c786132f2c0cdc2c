/**
 * `/readyz` tells a remote caller which part is not ready but never the error text behind it (hosts, ports,
 * namespaces): that is for a caller on the machine itself.
 */
import express from 'express';
import type { AddressInfo } from 'node:net';
import { healthRoutes, isLoopbackPeer } from '../../api/health';
import type { ReadinessProbe } from '../../lib/readiness';

test('only a loopback TCP peer counts as this machine', () => {
  for (const a of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) expect(isLoopbackPeer(a)).toBe(true);
  for (const a of ['10.0.0.5', '192.168.1.2', '::ffff:10.0.0.5', 'fe80::1', '2001:db8::1', '', undefined]) expect(isLoopbackPeer(a)).toBe(false);
});

test('a remote caller sees which part is not ready, not why', async () => {
  const probe: ReadinessProbe = {
    check: async () => ({ ready: false, checks: { database: { ok: true }, temporal: { ok: false, detail: 'TLS to 10.1.2.3:7233: SELF_SIGNED_CERT_IN_CHAIN' } } }),
  } as unknown as ReadinessProbe;
  const app = express();
  // What a remote peer would look like: the handler reads the socket's address, so give it another one.
  app.use((req, _res, next) => {
    if (req.headers['x-test-remote']) Object.defineProperty(req.socket, 'remoteAddress', { value: req.headers['x-test-remote'], configurable: true });
    next();
  });
  app.use(healthRoutes(probe));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/readyz`;
  try {
    const local = await fetch(url);
    expect(local.status).toBe(503);
    expect(((await local.json()) as { checks: { temporal: { detail?: string } } }).checks.temporal.detail).toContain('SELF_SIGNED_CERT_IN_CHAIN');
    const remote = await fetch(url, { headers: { 'x-test-remote': '203.0.113.9', connection: 'close' } });
    expect(remote.status).toBe(503);
    const body = await remote.text();
    expect(JSON.parse(body)).toEqual({ status: 'not_ready', notReady: ['temporal'], checks: { database: { ok: true }, temporal: { ok: false } } });
    expect(body).not.toContain('10.1.2.3');
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
