/**
 * Issue 13 item 3: a settings update is all or nothing, and concurrent partial updates merge.
 * A refused body (an invalid setting next to valid credentials, or the reverse) changes neither the
 * settings nor the stored credentials; partial updates of different fields sent at the same time all
 * survive. Runs on PGlite by default and on a real PostgreSQL when DATABASE_URL is set.
 */
import { generateKeyPairSync } from 'node:crypto';
import { DEFAULT_SETTINGS } from '../../lib/settings';
import { useTestStack } from '../helpers/stack';

describe('settings updates', () => {
  const s = useTestStack();

  const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const credentials = { merchantId: 'A2EXAMPLE00JP9', storeId: `amzn1.application-oa2-client.${'c'.repeat(32)}`, publicKeyId: 'SANDBOX-AEXAMPLEPUBLICKEY02', privateKey: pem };
  const read = async () => {
    const r = await s.call('GET', '/api/admin/settings', { role: 'viewer' });
    expect(r.status).toBe(200);
    return r.body as { settings: Record<string, unknown>; amazonPay: { stored: unknown } };
  };
  const put = (body: unknown) => s.call('PUT', '/api/admin/settings', { role: 'editor', body });

  it('a refused body stores nothing: neither its credentials nor its valid settings', async () => {
    const before = await read();
    expect(before.amazonPay.stored).toBeNull();

    const badSetting = await put({ amazonPay: credentials, linkOrderStatus: true, expiryWarningDays: 90 });
    expect(badSetting.status).toBe(400);
    expect(badSetting.body.error.code).toBe('invalid_request');

    const badCredentials = await put({ amazonPay: { ...credentials, publicKeyId: 'no' }, linkOrderStatus: true });
    expect(badCredentials.status).toBe(400);

    const badTopLevel = await put({ ...credentials, softDescriptor: 'x'.repeat(40) });
    expect(badTopLevel.status).toBe(400);

    const after = await read();
    expect(after.amazonPay.stored).toBeNull();
    expect(after.settings).toEqual(before.settings);
    expect(after.settings.linkOrderStatus).toBe(false);
    // Each refusal names what is wrong, in the settings and in the credentials alike.
    expect(badSetting.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'expiryWarningDays' })]));
    expect(badCredentials.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'amazonPay.publicKeyId' })]));

    // The same credentials with valid settings are stored, with the settings, in one update.
    const ok = await put({ amazonPay: credentials, linkOrderStatus: true });
    expect(ok.status).toBe(200);
    expect(ok.body.settings.linkOrderStatus).toBe(true);
    expect(ok.body.amazonPay.stored).toMatchObject({ merchantId: credentials.merchantId, privateKey: 'configured' });
    expect((await put({ linkOrderStatus: false })).status).toBe(200);
  });

  it('concurrent partial updates of different fields all survive', async () => {
    // Each update changes one field away from its default; all are sent at once.
    const patches: Record<string, unknown>[] = [
      { enabled: false },
      { linkOrderStatus: true },
      { signInWithAmazon: true },
      { recurringCompletionMail: false },
      { reauthorizeOnExpiry: true },
      { canHandlePendingAuthorization: true },
      { expiryWarningDays: 3 },
      { merchantStoreName: 'Concurrent Shop' },
    ];
    const expected = Object.assign({}, ...patches) as Record<string, unknown>;
    const reset = Object.fromEntries(Object.keys(expected).map((k) => [k, (DEFAULT_SETTINGS as Record<string, unknown>)[k] ?? undefined]));
    const lost: string[] = [];
    for (let round = 0; round < 8; round += 1) {
      expect((await put({ ...reset, merchantStoreName: 'Before' })).status).toBe(200);
      const answers = await Promise.all(patches.map((p) => put(p)));
      expect(answers.filter((a) => a.status !== 200)).toEqual([]);
      const { settings } = await read();
      for (const [k, v] of Object.entries(expected)) if (settings[k] !== v) lost.push(`round ${round}: ${k}`);
    }
    expect(lost).toEqual([]);
  }, 120_000);
});
