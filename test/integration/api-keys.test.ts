/**
 * API keys as an operator uses them: `npm run keys` creates a key and prints it once as the last
 * token, lists keys without their secret, revokes them; the API answers 401 without a valid key
 * and 403 for a key of the wrong role.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Router } from 'express';
import { Connection } from '@temporalio/client';
import { createApp } from '../../api/app';
import { requireRole } from '../../api/auth';
import { API_KEY_CACHE_MS, createApiKey, findApiKeyCached, hashKey, revokeApiKey } from '../../lib/api-keys';
import { createLogger } from '../../lib/logger';
import { createReadinessProbe } from '../../lib/readiness';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { freePort, listen } from '../helpers/http';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');

describe('API keys', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.close();
  });

  const keys = (...args: string[]) =>
    run(path.join(ROOT, 'node_modules/.bin/tsx'), ['scripts/keys.ts', ...args], { cwd: ROOT, env: { ...process.env, DATABASE_URL: db.url, NODE_OPTIONS: '' } });

  it('are created by the CLI, printed once as the last token, stored only hashed, listed and revoked', async () => {
    const created = await keys('create', 'editor', '--name', 'back office');
    const key = created.stdout.trim().split(/\s+/).pop()!;
    expect(key).toMatch(/^apk_ed_[A-Za-z0-9_-]{43}$/);
    const row = await db.prisma.apiKey.findUniqueOrThrow({ where: { keyHash: hashKey(key) } });
    expect(row).toMatchObject({ name: 'back office', role: 'editor', revokedAt: null });
    const everything = JSON.stringify(await db.prisma.apiKey.findMany());
    expect(everything).not.toContain(key);

    const listed = await keys('list');
    expect(listed.stdout).toContain('back office');
    expect(listed.stdout).toContain(row.keyPrefix);
    expect(listed.stdout).not.toContain(key);

    await keys('revoke', row.keyPrefix);
    expect((await db.prisma.apiKey.findUniqueOrThrow({ where: { id: row.id } })).revokedAt).toBeInstanceOf(Date);
  });

  it('are remembered after verification for at most API_KEY_CACHE_MS: a revoked key stops working within that bound', async () => {
    const created = await createApiKey(db.prisma, 'viewer', 'cached');
    const t = Date.now();
    expect(await findApiKeyCached(db.prisma, created.key, t)).toMatchObject({ id: created.id, role: 'viewer' });
    expect(await revokeApiKey(db.prisma, created.id)).toBe(1);
    expect(await findApiKeyCached(db.prisma, created.key, t + 1)).toMatchObject({ id: created.id });
    expect(await findApiKeyCached(db.prisma, created.key, t + API_KEY_CACHE_MS)).toBeUndefined();
    // Unknown and revoked keys are never remembered.
    expect(await findApiKeyCached(db.prisma, created.key, t + API_KEY_CACHE_MS + 1)).toBeUndefined();
  });

  it('refuse a wrong role or missing name with usage and exit code 2', async () => {
    await expect(keys('create', 'admin', '--name', 'x')).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/role must be one of storefront, viewer, editor/) });
    await expect(keys('create', 'viewer')).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/--name is required/) });
  });

  it('guard routes: 401 without or with an unknown/revoked key, 403 for the wrong role, editors may read', async () => {
    const router = Router();
    router.get('/api/admin/ping', requireRole(db.prisma, 'viewer'), (_req, res) => void res.json({ ok: true }));
    router.post('/api/admin/act', requireRole(db.prisma, 'editor'), (_req, res) => void res.json({ ok: true }));
    router.post('/api/checkouts', requireRole(db.prisma, 'storefront'), (_req, res) => void res.json({ ok: true }));
    const connection = await Connection.lazy({ address: `127.0.0.1:${await freePort()}` });
    const readiness = createReadinessProbe(db.url, connection);
    const api = await listen(createApp({ readiness, log: createLogger('silent', 'test'), routes: [router] }));
    try {
      const viewer = (await createApiKey(db.prisma, 'viewer', 'v')).key;
      const editor = (await createApiKey(db.prisma, 'editor', 'e')).key;
      const shop = (await createApiKey(db.prisma, 'storefront', 's')).key;
      const revoked = await createApiKey(db.prisma, 'editor', 'gone');
      await db.prisma.apiKey.update({ where: { id: revoked.id }, data: { revokedAt: new Date() } });
      const call = (method: string, p: string, key?: string) =>
        fetch(`${api.url}${p}`, { method, headers: key ? { authorization: `Bearer ${key}` } : {} });

      const none = await call('GET', '/api/admin/ping');
      expect(none.status).toBe(401);
      expect(await none.json()).toMatchObject({ error: { code: 'unauthorized' } });
      expect((await call('GET', '/api/admin/ping', 'apk_ed_notarealkeyatall0000000000000000000000')).status).toBe(401);
      expect((await call('GET', '/api/admin/ping', revoked.key)).status).toBe(401);

      expect((await call('GET', '/api/admin/ping', viewer)).status).toBe(200);
      expect((await call('GET', '/api/admin/ping', editor)).status).toBe(200);
      const forbidden = await call('POST', '/api/admin/act', viewer);
      expect(forbidden.status).toBe(403);
      expect(await forbidden.json()).toMatchObject({ error: { code: 'forbidden' } });
      expect((await call('POST', '/api/admin/act', editor)).status).toBe(200);
      expect((await call('GET', '/api/admin/ping', shop)).status).toBe(403);
      expect((await call('POST', '/api/checkouts', editor)).status).toBe(403);
      expect((await call('POST', '/api/checkouts', shop)).status).toBe(200);
    } finally {
      await api.close();
      await readiness.close();
      await connection.close();
    }
  });
});
