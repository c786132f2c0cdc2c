/**
 * Configuration: defaults on an empty environment, one clear line per wrong variable, and a
 * private key that never appears in an error, a log line or JSON.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { readFileSync } from 'node:fs';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from '../../lib/config';

const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('loadConfig', () => {
  it('reads exactly the variables .env.example documents', () => {
    const example = readFileSync(path.resolve(__dirname, '../../.env.example'), 'utf8');
    const documented = [...example.matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1]);
    const legacy = ['AMAZON_PAY_MWS_ACCESS_KEY', 'AMAZON_PAY_MWS_SECRET_KEY'];
    expect(documented.sort()).toEqual(CONFIG_VARIABLES.filter((v) => !legacy.includes(v)).sort());
  });

  it('takes demo authorization days with the simulator only, never with real Amazon Pay or in production', () => {
    expect(loadConfig({}).demoAuthorizationDayMs).toBeUndefined();
    expect(loadConfig({ DEMO_AUTHORIZATION_DAY_SECONDS: '60' }).demoAuthorizationDayMs).toBe(60_000);
    expect(loadConfig({ DEMO_AUTHORIZATION_DAY_SECONDS: '60', AMAZON_PAY_ENDPOINT: '127.0.0.1:9443' }).demoAuthorizationDayMs).toBe(60_000);
    expect(problemsOf({ DEMO_AUTHORIZATION_DAY_SECONDS: '60', AMAZON_PAY_ENDPOINT: 'amazon' })).toEqual([expect.stringMatching(/^DEMO_AUTHORIZATION_DAY_SECONDS: demo only: refused with real Amazon Pay/)]);
    expect(problemsOf({ DEMO_AUTHORIZATION_DAY_SECONDS: '60', NODE_ENV: 'production' })).toEqual([expect.stringMatching(/^DEMO_AUTHORIZATION_DAY_SECONDS: demo only: refused with NODE_ENV=production/)]);
    for (const bad of ['0', '3601', '1.5', 'fast']) expect(problemsOf({ DEMO_AUTHORIZATION_DAY_SECONDS: bad })).toEqual([expect.stringMatching(/^DEMO_AUTHORIZATION_DAY_SECONDS: expected how many seconds/)]);
  });

  it('caches 100 workflows per worker by default, 0 or at least the workflow task slots when set', () => {
    expect(loadConfig({}).worker).toMatchObject({ maxCachedWorkflows: 100, maxConcurrentWorkflowTasks: 40 });
    expect(loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '0' }).worker.maxCachedWorkflows).toBe(0);
    expect(loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '8', WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '8' }).worker.maxCachedWorkflows).toBe(8);
    for (const bad of ['1', '-5', 'lots', '100001']) expect(problemsOf({ WORKER_MAX_CACHED_WORKFLOWS: bad })).toEqual([expect.stringMatching(/^WORKER_MAX_CACHED_WORKFLOWS: expected 0 \(no cache/)]);
    expect(problemsOf({ WORKER_MAX_CACHED_WORKFLOWS: '20' })).toEqual([expect.stringMatching(/^WORKER_MAX_CACHED_WORKFLOWS: expected at least WORKER_MAX_CONCURRENT_WORKFLOW_TASKS \(40\)/)]);
  });

  it('starts on embedded defaults with an empty environment', () => {
    const c = loadConfig({});
    expect(c.api.port).toBe(3000);
    expect(c.dataDir).toBe(path.resolve('.data'));
    expect(c.database.url).toBeUndefined();
    expect(c.temporal).toMatchObject({ address: undefined, port: 7233, uiPort: 8233, namespace: 'default', taskQueue: 'amazon-pay-orders', tls: false });
    expect(c.amazonPay).toMatchObject({ endpoint: 'simulator', region: 'jp', sandbox: true, simulatorAddress: '127.0.0.1:8443', algorithm: 'AMZN-PAY-RSASSA-PSS-V2' });
    expect(c.logLevel).toBe('info');
  });

  it('rejects each wrong variable with one line naming it and what was expected', () => {
    const problems = problemsOf({
      PORT: 'abc',
      TEMPORAL_UI_PORT: '70000',
      AMAZON_PAY_REGION: 'mars',
      AMAZON_PAY_SANDBOX: 'maybe',
      DATABASE_URL: 'mysql://x',
      TEMPORAL_ADDRESS: 'not an address',
      LOG_LEVEL: 'loud',
    });
    expect(problems).toHaveLength(7);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PORT: expected a TCP port \(1-65535\), got "abc"$/),
        expect.stringMatching(/^TEMPORAL_UI_PORT: expected a TCP port/),
        expect.stringMatching(/^AMAZON_PAY_REGION: expected one of jp, eu, na/),
        expect.stringMatching(/^AMAZON_PAY_SANDBOX: expected true or false/),
        expect.stringMatching(/^DATABASE_URL: expected a postgresql:\/\/ URL/),
        expect.stringMatching(/^TEMPORAL_ADDRESS: expected host:port/),
        expect.stringMatching(/^LOG_LEVEL: /),
      ]),
    );
    for (const p of problems) expect(p).not.toContain('\n');
  });

  it('never echoes a database URL, which may carry a password', () => {
    const [problem] = problemsOf({ DATABASE_URL: 'mysql://admin:hunter2@db' });
    expect(problem).toMatch(/^DATABASE_URL:/);
    expect(problem).not.toContain('hunter2');
  });

  it('refuses two services on one port', () => {
    expect(problemsOf({ PORT: '7233' })).toEqual(['TEMPORAL_PORT: port 7233 is already used by PORT']);
  });

  it('accepts aliases and booleans the way people write them', () => {
    const c = loadConfig({ AMAZON_PAY_REGION: 'US', AMAZON_PAY_SANDBOX: 'FALSE', TEMPORAL_ADDRESS: 'temporal.internal:7233' });
    expect(c.amazonPay.region).toBe('na');
    expect(c.amazonPay.sandbox).toBe(false);
    expect(c.temporal.address).toBe('temporal.internal:7233');
  });

  it('takes the Amazon Pay credentials all together or not at all', () => {
    expect(loadConfig({ AMAZON_PAY_ENDPOINT: 'amazon' }).amazonPay.endpoint).toBe('amazon');
    const problems = problemsOf({ AMAZON_PAY_PUBLIC_KEY_ID: 'SANDBOX-AHEXAMPLEKEY1234567' });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['AMAZON_PAY_MERCHANT_ID', 'AMAZON_PAY_PRIVATE_KEY', 'AMAZON_PAY_STORE_ID']);
  });

  it('rejects the retired v1 (MWS) keys with a message saying what to use instead', () => {
    const [problem] = problemsOf({ AMAZON_PAY_MWS_ACCESS_KEY: 'AKIAEXAMPLE' });
    expect(problem).toMatch(/^AMAZON_PAY_MWS_ACCESS_KEY: MWS keys belong to the retired Amazon Pay v1 API/);
  });

  describe('the private key', () => {
    const full = {
      AMAZON_PAY_ENDPOINT: 'amazon',
      AMAZON_PAY_MERCHANT_ID: 'A1B2C3D4E5F6G7',
      AMAZON_PAY_STORE_ID: `amzn1.application-oa2-client.${'a'.repeat(32)}`,
      AMAZON_PAY_PUBLIC_KEY_ID: 'SANDBOX-AHEXAMPLEKEY1234567',
    };

    it('is read inline (also with escaped newlines) or from a file, and is masked everywhere', () => {
      const inline = loadConfig({ ...full, AMAZON_PAY_PRIVATE_KEY: pem });
      const escaped = loadConfig({ ...full, AMAZON_PAY_PRIVATE_KEY: pem.replace(/\n/g, '\\n') });
      const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'key-')), 'private.pem');
      writeFileSync(file, pem);
      const fromFile = loadConfig({ ...full, AMAZON_PAY_PRIVATE_KEY: file });
      for (const c of [inline, escaped, fromFile]) {
        expect(c.amazonPay.privateKey?.reveal().trim()).toBe(pem.trim());
        const body = pem.split('\n')[1];
        expect(JSON.stringify(c)).not.toContain(body);
        expect(inspect(c, { depth: 10 })).not.toContain(body);
        expect(`${c.amazonPay.privateKey}`).toBe('[redacted]');
      }
    });

    it('is rejected without echoing it when it is not a key', () => {
      const secretish = '-----BEGIN PRIVATE KEY-----\nTOPSECRETGARBAGE\n-----END PRIVATE KEY-----';
      const problems = problemsOf({ ...full, AMAZON_PAY_PRIVATE_KEY: secretish });
      expect(problems).toEqual([expect.stringMatching(/^AMAZON_PAY_PRIVATE_KEY: not a readable PEM private key/)]);
      expect(problems.join()).not.toContain('TOPSECRETGARBAGE');
      const missing = problemsOf({ ...full, AMAZON_PAY_PRIVATE_KEY: '/nonexistent/secret-path.pem' });
      expect(missing).toEqual([expect.stringMatching(/^AMAZON_PAY_PRIVATE_KEY: expected a PEM private key or the path/)]);
      expect(missing.join()).not.toContain('secret-path');
    });
  });
});
