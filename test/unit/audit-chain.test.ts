/**
 * The audit log's hash chain (lib/audit.ts, docs/audit.md): the canonical form the hash covers, and the verifier
 * finding an edited field, a deleted row (also the first), a reordered pair and a row edited with its hash
 * recomputed; what an entry keeps of a request (never a secret); the settings change's field names.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { auditRecord, auditText, bodySource, canonicalJson, entryHash, keepParams, linkRecords, requestedSettingFields, settingsChanges, verifyEntries, type AuditRecord, type StoredAuditEntry } from '../../lib/audit';
import { DEFAULT_SETTINGS } from '../../lib/settings';

const KEY_ID = '0b6f3c2e-8d1a-4f5b-9c7e-2a1d3e4f5a6b';

function record(n: number, over: Partial<Parameters<typeof auditRecord>[0]> = {}): AuditRecord {
  return auditRecord({
    at: new Date(Date.UTC(2026, 11, 3, 10, 0, n)),
    actor: { keyId: KEY_ID, name: 'back office', role: 'editor' },
    sourceIp: '127.0.0.1',
    userAgent: 'curl/8',
    requestId: `req-${n}`,
    method: 'POST',
    route: '/api/admin/orders/:orderId/refunds',
    path: `/api/admin/orders/A-${n}/refunds`,
    action: 'order.refund',
    objectId: `A-${n}`,
    orderId: `A-${n}`,
    source: { amount: { amount: 1000 * n, currency: 'JPY' }, requestId: `r-${n}` },
    outcomeStatus: 200,
    ...over,
  });
}

const chain = (n: number): StoredAuditEntry[] =>
  linkRecords(
    null,
    Array.from({ length: n }, (_, i) => BigInt(i + 1)),
    Array.from({ length: n }, (_, i) => record(i + 1)),
  );

describe('the canonical form', () => {
  it('sorts keys at every depth, keeps array order, writes no whitespace and leaves out absent members', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { y: 'é', x: null }], c: true }, z: undefined })).toBe('{"a":{"c":true,"d":[2,{"x":null,"y":"é"}]},"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/finite/);
    expect(() => canonicalJson({ a: () => 1 })).toThrow(/cannot encode/);
  });

  it('hashes prev_hash followed by the canonical JSON of every column but the hashes, by column name', () => {
    const [first, second] = chain(2);
    const fields =
      '{"action":"order.refund","actor_key_id":"0b6f3c2e-8d1a-4f5b-9c7e-2a1d3e4f5a6b","actor_name":"back office","actor_role":"editor","at":"2026-12-03T10:00:01.000Z",' +
      '"id":"1","method":"POST","object_id":"A-1","object_type":"order","order_id":"A-1","outcome_code":null,"outcome_status":200,' +
      '"params":{"amount":{"amount":1000,"currency":"JPY"},"requestId":"r-1"},"path":"/api/admin/orders/A-1/refunds","request_id":"req-1",' +
      '"route":"/api/admin/orders/:orderId/refunds","shop_id":"*","source_ip":"127.0.0.1","user_agent":"curl/8"}';
    expect(first.prevHash).toBeNull();
    expect(first.hash).toBe(createHash('sha256').update(fields).digest('hex'));
    // An entry from before shops has no shop_id: its hash is over the fields it had then.
    const before = { ...first, shopId: null };
    expect(entryHash(null, before)).toBe(createHash('sha256').update(fields.replace('"shop_id":"*",', '')).digest('hex'));
    expect(second.prevHash).toBe(first.hash);
    expect(second.hash).toBe(entryHash(first.hash, second));
    expect(second.hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('the verifier', () => {
  it('accepts an intact chain, gaps in the ids included (a rolled-back append uses up its id)', () => {
    expect(verifyEntries(chain(5))).toEqual({ ok: true, count: 5, lastId: '5', lastHash: chain(5)[4].hash });
    const gaps = linkRecords(null, [1n, 2n, 7n, 9n], [record(1), record(2), record(3), record(4)]);
    expect(verifyEntries(gaps)).toMatchObject({ ok: true, count: 4, lastId: '9' });
    expect(verifyEntries([])).toEqual({ ok: true, count: 0, lastId: null, lastHash: null });
  });

  it('reports an edited field at the entry edited', () => {
    for (const edit of [
      (e: StoredAuditEntry) => (e.params = { amount: { amount: 1, currency: 'JPY' }, requestId: 'r-3' }),
      (e: StoredAuditEntry) => (e.outcomeStatus = 403),
      (e: StoredAuditEntry) => (e.actorName = 'someone else'),
      (e: StoredAuditEntry) => (e.at = new Date(e.at.getTime() + 1)),
    ]) {
      const rows = chain(5);
      edit(rows[2]);
      expect(verifyEntries(rows)).toMatchObject({ ok: false, count: 2, break: { id: '3', kind: 'edited' } });
    }
  });

  it('reports a deleted row at the entry after it, and a deleted first row at the new first', () => {
    const rows = chain(5);
    const report = verifyEntries([...rows.slice(0, 2), ...rows.slice(3)]);
    expect(report).toMatchObject({ ok: false, count: 2, break: { id: '4', kind: 'missing' } });
    expect(!report.ok && report.break.message).toMatch(/does not match the hash of entry 2/);
    expect(verifyEntries(rows.slice(1))).toMatchObject({ ok: false, count: 0, break: { id: '2', kind: 'missing' } });
  });

  it('reports a reordered pair: rows read out of chain order, or their ids swapped', () => {
    const rows = chain(5);
    expect(verifyEntries([rows[0], rows[2], rows[1], rows[3], rows[4]])).toMatchObject({ ok: false, break: { id: '3', kind: 'missing' } });
    const swapped = chain(5);
    [swapped[1].id, swapped[2].id] = [swapped[2].id, swapped[1].id];
    expect(verifyEntries([swapped[0], swapped[2], swapped[1], swapped[3], swapped[4]])).toMatchObject({ ok: false, break: { id: '2', kind: 'edited' } });
  });

  it('reports a row edited with its hash recomputed at the next entry', () => {
    const rows = chain(4);
    rows[1].outcomeStatus = 500;
    rows[1].hash = entryHash(rows[1].prevHash, rows[1]);
    const report = verifyEntries(rows);
    expect(report).toMatchObject({ ok: false, count: 2, break: { id: '3', kind: 'missing' } });
    expect(!report.ok && report.break.message).toMatch(/changed and its hash recomputed/);
  });
});

describe('what an entry keeps', () => {
  it('only the parameters its action keeps, each by its rule', () => {
    expect(keepParams('order.capture', { amount: { amount: 1500, currency: 'JPY' }, requestId: 'ship-1', apiKey: 'x', extra: 1 })).toEqual({ amount: { amount: 1500, currency: 'JPY' }, requestId: 'ship-1' });
    // A console form sends amount and currency as fields; a bare integer is kept as given.
    expect(keepParams('order.refund', { amount: '700', currency: 'JPY', requestId: 'r' })).toEqual({ amount: { amount: 700, currency: 'JPY' }, requestId: 'r' });
    expect(keepParams('order.refund', { amount: 700 })).toEqual({ amount: { amount: 700, currency: null } });
    expect(keepParams('event_endpoint.create', { url: 'https://user:pw@shop.example:8443/hook?token=s3cret#x', eventTypes: 'payment.captured', enabled: 'true', secret: 'whsec_x' })).toEqual({
      url: 'https://shop.example:8443/hook',
      eventTypes: ['payment.captured'],
      enabled: true,
    });
    expect(keepParams('member.link', { memberId: 'm-1', buyerToken: 'tok-secret', memberEmail: 'a@b.example' })).toEqual({ via: 'buyerToken' });
    expect(keepParams('console.sign_in', { apiKey: 'apk_ed_whatever', _csrf: 'c' })).toEqual({});
  });

  it('never a parameter only the engine works out, when a body sends it', () => {
    expect(bodySource({ values: { privateKey: 'x' }, fields: ['x'], confirmed: true, approvalId: 'apr_1', requestId: 'r' })).toEqual({ requestId: 'r' });
  });

  it('blanks what looks like a key, and keeps text PostgreSQL gives back unchanged', () => {
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const r = auditRecord({ actor: null, action: 'order.cancel', objectId: 'A-1', userAgent: `agent apk_ed_${'A'.repeat(43)}`, source: { reason: `oops ${pem} whsec_${'b'.repeat(43)}`, requestId: 'r' }, outcomeStatus: 200 });
    expect(JSON.stringify(r)).not.toMatch(/PRIVATE KEY|apk_ed_A|whsec_b/);
    expect(r.userAgent).toBe('agent [redacted]');
    expect(auditText('a\u0000b\uD800c', 10)).toBe('ab\uFFFDc');
    expect(auditText('x'.repeat(400), 300)).toHaveLength(300);
    expect(r.objectType).toBe('order');
    expect(r.actorKeyId).toBeNull();
  });
});

describe('a settings change', () => {
  it('names the fields changed, with the new shop values, and of the credentials only the names', () => {
    const pem = (n: number) => `-----BEGIN PRIVATE KEY-----\n${String(n).repeat(40)}\n-----END PRIVATE KEY-----`;
    const creds = (pk: string, publicKeyId = 'SANDBOX-A1') => ({ merchantId: 'A1B2C3D4E5', storeId: 'amzn1.application-oa2-client.0123', publicKeyId, privateKey: `sb1.sealed-${pk.length}-${pk.charCodeAt(30)}` });
    const before = { settings: DEFAULT_SETTINGS, credentials: creds(pem(1)) };
    const after = {
      settings: { ...DEFAULT_SETTINGS, paymentIntent: 'Authorize' as const, refundApprovalAbove: { JPY: 100_000 }, quickCheckout: { ...DEFAULT_SETTINGS.quickCheckout, enabled: true } },
      credentials: creds(pem(2), 'SANDBOX-B2'),
    };
    const changes = settingsChanges(before, after);
    expect(changes).toEqual({
      fields: ['paymentIntent', 'quickCheckout.enabled', 'refundApprovalAbove.JPY', 'amazonPay.publicKeyId', 'amazonPay.privateKey'],
      values: { paymentIntent: 'Authorize', 'quickCheckout.enabled': true, 'refundApprovalAbove.JPY': 100_000 },
    });
    expect(JSON.stringify(changes)).not.toMatch(/PRIVATE|2222|SANDBOX/);
    expect(settingsChanges(before, before)).toEqual({ fields: [], values: {} });
  });

  it('a refused one: the known fields it asked to change, the others only counted', () => {
    const body = { paymentIntent: 'x', privateKey: 'p', amazonPay: { privateKey: 'pem', mwsAuthToken: 't' }, quickCheckout: { enabled: true, nope: 1 }, refundApprovalAbove: { JPY: 1, 'not-a-currency': 2 }, 'sk_live_looks_secret': 1 };
    expect(requestedSettingFields(body)).toEqual({ requested: ['amazonPay.privateKey', 'paymentIntent', 'quickCheckout.enabled', 'refundApprovalAbove.JPY'], unknownFields: 4 });
    expect(requestedSettingFields('nonsense')).toEqual({ requested: [], unknownFields: 0 });
  });
});
