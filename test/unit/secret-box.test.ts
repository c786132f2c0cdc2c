/**
 * lib/secret-box.ts: endpoint secrets sealed with AES-256-GCM under the master key (docs/events.md, Endpoints). A sealed
 * text never contains the secret, opens only under the same key, and a wrong key is named clearly.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Secret, loadConfig, ConfigError } from '../../lib/config';
import { createSecretBox, loadOrCreateMasterKey, masterKeyId, parseMasterKey, SecretBoxError } from '../../lib/secret-box';

describe('secret box', () => {
  const key = randomBytes(32);
  const box = createSecretBox(key);
  const plain = 'whsec_0123456789abcdef0123456789abcdef';

  it('seals into sb1.<key id>.<iv>.<tag>.<ciphertext>, never containing the secret, and opens it again', () => {
    const sealed = box.seal(plain);
    expect(sealed).toMatch(/^sb1\.[0-9a-f]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    expect(sealed.split('.')[1]).toBe(box.keyId);
    expect(box.keyId).toBe(masterKeyId(key));
    expect(sealed).not.toContain(plain);
    expect(sealed).not.toContain(Buffer.from(plain).toString('base64url'));
    expect(box.open(sealed)).toBe(plain);
    // A fresh IV each time: the same secret never seals to the same text.
    expect(box.seal(plain)).not.toBe(sealed);
    expect(box.open(box.seal(''))).toBe('');
    expect(box.open(box.seal('日本語の秘密'))).toBe('日本語の秘密');
  });

  it('says which keys differ when the process has another master key', () => {
    const other = createSecretBox(randomBytes(32));
    const sealed = box.seal(plain);
    expect(() => other.open(sealed)).toThrow(SecretBoxError);
    expect(() => other.open(sealed)).toThrow(`sealed under master key ${box.keyId}, this process has ${other.keyId}: ENGINE_MASTER_KEY must be the same on every API and worker process`);
  });

  it('refuses a changed or damaged sealed text, and one relabelled with another key id, without opening it', () => {
    const sealed = box.seal(plain);
    const parts = sealed.split('.');
    const flip = (s: string) => {
      const b = Buffer.from(s, 'base64url');
      b[0] ^= 1;
      return b.toString('base64url');
    };
    expect(() => box.open([...parts.slice(0, 4), flip(parts[4])].join('.'))).toThrow(/was changed or damaged/);
    expect(() => box.open([...parts.slice(0, 3), flip(parts[3]), parts[4]].join('.'))).toThrow(/was changed or damaged/);
    expect(() => box.open(['sb1', parts[1], 'short', parts[3], parts[4]].join('.'))).toThrow(/damaged IV or tag/);
    expect(() => box.open(plain)).toThrow(/not a sealed secret/);
    expect(() => box.open(`sb2.${parts.slice(1).join('.')}`)).toThrow(/not a sealed secret/);
    // Relabelled with another key's id, it still does not open under that key (the label is authenticated data).
    const other = createSecretBox(randomBytes(32));
    expect(() => other.open(['sb1', other.keyId, ...parts.slice(2)].join('.'))).toThrow(/was changed or damaged/);
    expect(() => createSecretBox(Buffer.alloc(31))).toThrow(/32 bytes/);
    for (const bad of [sealed.slice(0, -2), `${sealed}.x`]) expect(() => box.open(bad)).toThrow(SecretBoxError);
  });

  it('reads ENGINE_MASTER_KEY as 64 hex digits or base64 of 32 bytes, and nothing else', () => {
    expect(parseMasterKey(key.toString('hex'))?.equals(key)).toBe(true);
    expect(parseMasterKey(key.toString('base64'))?.equals(key)).toBe(true);
    expect(parseMasterKey(key.toString('base64url'))?.equals(key)).toBe(true);
    for (const bad of ['', 'short', randomBytes(31).toString('hex'), randomBytes(16).toString('base64'), randomBytes(33).toString('base64'), 'z'.repeat(64)]) expect(parseMasterKey(bad)).toBeUndefined();
    expect(loadConfig({ ENGINE_MASTER_KEY: key.toString('base64') }).events.masterKey?.reveal()).toBe(key.toString('base64'));
    expect(loadConfig({}).events).toEqual({ relay: true });
    expect(loadConfig({ EVENT_RELAY: 'false' }).events.relay).toBe(false);
    const bad = 'not-a-key-but-a-secret-value-anyway';
    try {
      loadConfig({ ENGINE_MASTER_KEY: bad });
      throw new Error('expected a refusal');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toEqual([expect.stringMatching(/^ENGINE_MASTER_KEY: expected 32 bytes as 64 hex digits or base64 \(value not shown\)/)]);
      expect((err as Error).message).not.toContain(bad);
    }
  });

  describe('loadOrCreateMasterKey', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'secret-box-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('takes ENGINE_MASTER_KEY when set and writes no file', () => {
      expect(loadOrCreateMasterKey({ masterKey: new Secret(key.toString('hex')), dataDir: dir }).equals(key)).toBe(true);
      expect(() => statSync(path.join(dir, 'master.key'))).toThrow();
      expect(() => loadOrCreateMasterKey({ masterKey: new Secret('nope'), dataDir: dir })).toThrow(/ENGINE_MASTER_KEY: expected 32 bytes .*\(value not shown\)/);
    });

    it('else generates one once into DATA_DIR/master.key (mode 0600) and reads the same one after', () => {
      const sub = path.join(dir, 'data');
      const first = loadOrCreateMasterKey({ dataDir: sub });
      expect(first).toHaveLength(32);
      const file = path.join(sub, 'master.key');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(loadOrCreateMasterKey({ dataDir: sub }).equals(first)).toBe(true);
      expect(parseMasterKey(readFileSync(file, 'utf8'))?.equals(first)).toBe(true);
      // A sealed secret opens in a "later process" with the same DATA_DIR.
      const sealed = createSecretBox(first).seal('s');
      expect(createSecretBox(loadOrCreateMasterKey({ dataDir: sub })).open(sealed)).toBe('s');
    });

    it('refuses a master.key it did not write rather than replacing it (the sealed secrets would be lost)', () => {
      writeFileSync(path.join(dir, 'master.key'), 'garbage\n', { mode: 0o600 });
      expect(() => loadOrCreateMasterKey({ dataDir: dir })).toThrow(/not a master key this engine wrote/);
      expect(readFileSync(path.join(dir, 'master.key'), 'utf8')).toBe('garbage\n');
    });
  });
});
