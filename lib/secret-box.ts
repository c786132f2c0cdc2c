/**
 * Secrets kept in the database, sealed with AES-256-GCM under the engine's master key (docs/events.md, Endpoints: "A
 * secret is stored sealed … a database dump alone does not reveal it"). An endpoint's signing secret is the first.
 *
 * Sealed form: `sb1.<key id>.<iv>.<tag>.<ciphertext>` (base64url parts; the database checks the `sb1.` prefix). The key
 * id is the first 8 hex digits of SHA-256 of the key: it names the key without revealing it, so a process with another
 * key says so instead of failing with a bare "unsupported state".
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const VERSION = 'sb1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** The file a generated master key is kept in, inside DATA_DIR. */
export const MASTER_KEY_FILE = 'master.key';

export interface SecretBox {
  /** Seals a secret: a different text each time (random IV), never containing the secret. */
  seal(plain: string): string;
  /** Opens what seal made under the same key; throws a SecretBoxError saying why otherwise. */
  open(sealed: string): string;
  /** The first 8 hex digits of SHA-256 of the key. */
  keyId: string;
  /** Whether a sealed text is under another key than this box seals with (`npm run reencrypt` seals it again). */
  sealedUnderOtherKey(sealed: string): boolean;
}

export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

export function masterKeyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/**
 * A box that seals with `masterKey` and opens what it or any of `previousKeys` sealed: while a new master key is rolled
 * out (ENGINE_MASTER_KEY the new one, ENGINE_MASTER_KEY_PREVIOUS the old), every secret stays readable until
 * `npm run reencrypt` has sealed them all again under the new one (docs/shops.md, Secrets).
 */
export function createSecretBox(masterKey: Buffer, previousKeys: readonly Buffer[] = []): SecretBox {
  if (masterKey.length !== KEY_BYTES) throw new SecretBoxError(`the master key must be ${KEY_BYTES} bytes, got ${masterKey.length}`);
  const key = Buffer.from(masterKey);
  const keyId = masterKeyId(key);
  const opening = new Map<string, Buffer>(previousKeys.map((k) => [masterKeyId(k), Buffer.from(k)]));
  opening.set(keyId, key);
  return {
    keyId,
    sealedUnderOtherKey(sealed) {
      return sealed.split('.')[1] !== keyId;
    },
    seal(plain) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      // The version and key id are authenticated too: a sealed text cannot be relabelled.
      cipher.setAAD(Buffer.from(`${VERSION}.${keyId}`));
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [VERSION, keyId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
    },
    open(sealed) {
      const parts = sealed.split('.');
      if (parts.length !== 5 || parts[0] !== VERSION) throw new SecretBoxError(`not a sealed secret (expected ${VERSION}.<key id>.<iv>.<tag>.<ciphertext>)`);
      const [, sealedKeyId, ivText, tagText, bodyText] = parts;
      const openKey = opening.get(sealedKeyId);
      if (!openKey) {
        throw new SecretBoxError(`sealed under master key ${sealedKeyId}, this process has ${[...opening.keys()].join(', ')}: ENGINE_MASTER_KEY must be the same on every API and worker process (during a change of key, the old one in ENGINE_MASTER_KEY_PREVIOUS)`);
      }
      const iv = Buffer.from(ivText, 'base64url');
      const tag = Buffer.from(tagText, 'base64url');
      if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SecretBoxError('a sealed secret with a damaged IV or tag');
      try {
        const decipher = createDecipheriv('aes-256-gcm', openKey, iv);
        decipher.setAAD(Buffer.from(`${VERSION}.${sealedKeyId}`));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(Buffer.from(bodyText, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretBoxError(`a sealed secret under master key ${sealedKeyId} does not open: it was changed or damaged`);
      }
    },
  };
}

/**
 * ENGINE_MASTER_KEY as 32 bytes: 64 hex digits, or base64 / base64url of 32 bytes. Undefined when it is neither (the
 * configuration says so without echoing the value).
 */
export function parseMasterKey(text: string): Buffer | undefined {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(t)) {
    const b = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (b.length === KEY_BYTES) return b;
  }
  return undefined;
}

/**
 * The master key: ENGINE_MASTER_KEY when set; else one generated once into `<dataDir>/master.key` (mode 0600, base64),
 * as the console's session secret is. Every API and worker process must have the same key: a generated one is only
 * right for processes sharing one DATA_DIR (`npm start`, a local `npm run worker`).
 */
export function loadOrCreateMasterKey(config: { masterKey?: { reveal(): string }; dataDir: string }): Buffer {
  if (config.masterKey) {
    const key = parseMasterKey(config.masterKey.reveal());
    if (!key) throw new SecretBoxError('ENGINE_MASTER_KEY: expected 32 bytes as 64 hex digits or base64 (value not shown)');
    return key;
  }
  const file = path.join(config.dataDir, MASTER_KEY_FILE);
  mkdirSync(config.dataDir, { recursive: true });
  try {
    writeFileSync(file, `${randomBytes(KEY_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  const key = parseMasterKey(readFileSync(file, 'utf8'));
  if (!key) throw new SecretBoxError(`${file}: not a master key this engine wrote (32 bytes, base64); restore it from a backup, or set ENGINE_MASTER_KEY`);
  return key;
}

/** The engine's box: its master key (loadOrCreateMasterKey) sealing, and ENGINE_MASTER_KEY_PREVIOUS's keys opening too. */
export function secretBoxFor(config: { masterKey?: { reveal(): string }; previousMasterKeys?: { reveal(): string }; dataDir: string }): SecretBox {
  const previous = (config.previousMasterKeys?.reveal() ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '')
    .map((t) => {
      const k = parseMasterKey(t);
      if (!k) throw new SecretBoxError('ENGINE_MASTER_KEY_PREVIOUS: expected keys of 32 bytes as 64 hex digits or base64, separated by commas (value not shown)');
      return k;
    });
  return createSecretBox(loadOrCreateMasterKey(config), previous);
}
