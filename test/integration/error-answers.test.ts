/**
 * Issue 13 item 10: an unknown failure is answered with a fixed message and the request id, never
 * the error's text; the details go to the log under the same request id. Here the API's database is
 * unreachable (a port nothing listens on), so every admin request fails inside the key lookup.
 */
import { createEngineApp } from '../../api/engine-app';
import { createPrismaClient } from '../../lib/database';
import { createLogger } from '../../lib/logger';
import { createReadinessProbe } from '../../lib/readiness';
import { createSnsVerifier } from '../../lib/sns-verify';
import { freePort, listen } from '../helpers/http';
import { useTestStack } from '../helpers/stack';

describe('answers to unknown failures', () => {
  const s = useTestStack();

  it('a 500 carries a generic message and the request id; the error text is only in the log', async () => {
    const deadPort = await freePort();
    const prisma = createPrismaClient(`postgresql://postgres:hunter2-secret@127.0.0.1:${deadPort}/postgres?sslmode=disable`, { max: 1 });
    const lines: string[] = [];
    const readiness = createReadinessProbe(s.db.url, s.env.connection);
    const app = createEngineApp({
      ...s.engineParts,
      secretBox: s.secretBox,
      prisma,
      verifier: createSnsVerifier({ topicArns: [] }),
      readiness,
      log: createLogger('debug', 'error-answers', { write: (line: string) => void lines.push(line) }),
      console: { sessionSecret: 'e'.repeat(40) },
    });
    const server = await listen(app);
    try {
      const r = await fetch(`${server.url}/api/admin/settings`, { headers: { authorization: `Bearer ${s.keys.viewer}`, 'x-request-id': 'probe-500-1' } });
      expect(r.status).toBe(500);
      expect(r.headers.get('x-request-id')).toBe('probe-500-1');
      const body = (await r.json()) as { error: Record<string, unknown> };
      expect(body).toEqual({ error: { code: 'internal_error', message: 'Something went wrong on our side; the request may be retried', requestId: 'probe-500-1' } });
      const text = JSON.stringify(body);
      expect(text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|hunter2|prisma|database|stack/i);
      // The log has what happened, under the same request id.
      const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'unhandled API error');
      expect(logged).toMatchObject({ requestId: 'probe-500-1', path: '/api/admin/settings' });
      expect(JSON.stringify(logged)).toMatch(/reach database server|ECONNREFUSED/i);
    } finally {
      await server.close();
      await readiness.close();
      await prisma.$disconnect().catch(() => undefined);
    }
  }, 60_000);
});
