// Verifies Amazon Pay request signatures (AMZN-PAY-RSASSA-PSS[-V2]) and button payload signatures exactly as the SDK builds them.
import { constants, createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { AmazonError } from './errors';

export const ALGORITHMS: Record<string, number> = {
  'AMZN-PAY-RSASSA-PSS': 20,
  'AMZN-PAY-RSASSA-PSS-V2': 32,
};

/** Largest accepted difference between `x-amz-pay-date` and the wall clock. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

export interface AuthorizationHeader {
  algorithm: string;
  publicKeyId: string;
  signedHeaders: string[];
  signature: string;
}

const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

export function parseAuthorization(value: string | undefined): AuthorizationHeader {
  if (value === undefined || value.trim() === '') {
    throw new AmazonError('MissingHeaderValue', 'The authorization header is missing or empty.');
  }
  const match = /^(\S+) PublicKeyId=([^,\s]+), ?SignedHeaders=([^,\s]+), ?Signature=([A-Za-z0-9+/=]+)$/.exec(value.trim());
  if (!match) throw new AmazonError('InvalidHeaderValue', 'The authorization header is malformed.');
  const [, algorithm, publicKeyId, signedHeaders, signature] = match;
  if (ALGORITHMS[algorithm] === undefined) {
    throw new AmazonError('InvalidHeaderValue', `The signing algorithm '${algorithm}' in the authorization header is not supported.`);
  }
  return { algorithm, publicKeyId, signedHeaders: signedHeaders.split(';'), signature };
}

/** `x-amz-pay-date` as the SDK sends it (2025-05-01T12:34:56Z) or compact (20250501T123456Z). */
export function parseAmzDate(value: string): number | undefined {
  const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(value) ? value : undefined;
  const compact = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  const text = iso ?? (compact ? `${compact[1]}-${compact[2]}-${compact[3]}T${compact[4]}:${compact[5]}:${compact[6]}Z` : undefined);
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** RFC 3986 percent-encoding (unreserved characters kept): what the Java, .NET and PHP SDKs apply. */
const rfc3986 = (v: string): string => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * The canonical query strings the official SDKs sign for one request: keys sorted, every value of a
 * key included (sorted), percent-encoded either by RFC 3986 (Java, .NET, PHP) or by
 * `encodeURIComponent` (Node). The forms differ only for values holding `!'()*`.
 */
export function canonicalQueries(rawQuery: string): string[] {
  if (rawQuery === '') return [''];
  const params = [...new URLSearchParams(rawQuery)];
  const form = (encode: (v: string) => string): string => {
    const byKey = new Map<string, string[]>();
    for (const [k, v] of params) byKey.set(encode(k), [...(byKey.get(encode(k)) ?? []), encode(v)]);
    return [...byKey.keys()]
      .sort()
      .flatMap((k) => (byKey.get(k) ?? []).sort().map((v) => `${k}=${v}`))
      .join('&');
  };
  return [...new Set([form(rfc3986), form(encodeURIComponent)])];
}

/**
 * The `x-amz-pay-host` values a server answering as `names` on `port` accepts: each name bare (the
 * Java, .NET and PHP SDKs sign the URL's host without its port, as Amazon, on the default port,
 * receives it) or with the port (the Node SDK signs its `overrideServiceUrl` verbatim).
 */
export function acceptedHosts(names: string[], port: number): string[] {
  const out = new Set<string>();
  for (const name of names) {
    const n = name.toLowerCase();
    out.add(n);
    out.add(`${n}:${port}`);
  }
  return [...out];
}

export interface SignedRequest {
  method: string;
  /** The raw path, e.g. `/sandbox/v2/charges/S03-…` (no query). */
  path: string;
  rawQuery: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

export function stringToSign(algorithm: string, req: SignedRequest, signedHeaders: string[], query = canonicalQueries(req.rawQuery)[0]): string {
  let canonical = `${req.method}\n${req.path}\n${query}\n`;
  for (const name of signedHeaders) canonical += `${name}:${headerValue(req.headers, name) ?? ''}\n`;
  canonical += `\n${signedHeaders.join(';')}\n${sha256Hex(req.body)}`;
  return `${algorithm}\n${sha256Hex(canonical)}`;
}

export function verifyPss(publicKey: KeyObject | string, algorithm: string, sts: string, signatureB64: string): boolean {
  const saltLength = ALGORITHMS[algorithm];
  if (saltLength === undefined) return false;
  try {
    const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
    return verify('sha256', Buffer.from(sts), { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }, Buffer.from(signatureB64, 'base64'));
  } catch {
    return false;
  }
}

export interface VerifyOptions {
  /** Accepted `x-amz-pay-host` values, lower case (see acceptedHosts). */
  hosts: string[];
  /** Wall-clock now for the skew check (real time, not simulated time). */
  nowMs: number;
  publicKeyPem: (publicKeyId: string) => string | undefined;
}

const REQUIRED_SIGNED = ['x-amz-pay-date', 'x-amz-pay-host', 'x-amz-pay-region'];

/** Public keys parsed once per PEM (merchants re-register rarely; a changed key is a new PEM, so a new entry). */
const publicKeys = new Map<string, KeyObject>();
function publicKeyOf(pem: string): KeyObject {
  let key = publicKeys.get(pem);
  if (!key) {
    key = createPublicKey(pem);
    if (publicKeys.size >= 100) publicKeys.clear();
    publicKeys.set(pem, key);
  }
  return key;
}

/** Verifies a signed API request; returns the public key id, throws Amazon's error otherwise. */
export function verifyRequest(req: SignedRequest, opts: VerifyOptions): AuthorizationHeader {
  const auth = parseAuthorization(headerValue(req.headers, 'authorization'));
  for (const name of REQUIRED_SIGNED) {
    const v = headerValue(req.headers, name);
    if (v === undefined || v === '') throw new AmazonError('MissingHeaderValue', `The ${name} header is missing or empty.`);
  }
  const date = parseAmzDate(headerValue(req.headers, 'x-amz-pay-date') ?? '');
  if (date === undefined) throw new AmazonError('InvalidHeaderValue', 'The value provided for x-amz-pay-date is invalid.');
  if (Math.abs(opts.nowMs - date) > MAX_CLOCK_SKEW_MS) {
    throw new AmazonError('InvalidHeaderValue', 'The value provided for x-amz-pay-date is outside the allowed clock skew of 15 minutes; the request is stale.');
  }
  const region = headerValue(req.headers, 'x-amz-pay-region') ?? '';
  if (!['na', 'eu', 'jp', 'us', 'de', 'uk'].includes(region.toLowerCase())) {
    throw new AmazonError('InvalidHeaderValue', `The value '${region}' provided for x-amz-pay-region is invalid.`);
  }
  const pem = opts.publicKeyPem(auth.publicKeyId);
  if (pem === undefined) {
    throw new AmazonError('UnauthorizedAccess', `The public key id '${auth.publicKeyId}' is not registered; the merchant is not authorized to call this API.`);
  }
  const candidates = canonicalQueries(req.rawQuery).map((q) => stringToSign(auth.algorithm, req, auth.signedHeaders, q));
  const mismatch = (): AmazonError =>
    new AmazonError('InvalidRequestSignature', `Unable to verify signature, signing String [${candidates[0]}] , signature [${auth.signature}]`);
  for (const name of REQUIRED_SIGNED) if (!auth.signedHeaders.includes(name)) throw mismatch();
  for (const name of auth.signedHeaders) if (headerValue(req.headers, name) === undefined) throw mismatch();
  if (!opts.hosts.includes((headerValue(req.headers, 'x-amz-pay-host') ?? '').toLowerCase())) throw mismatch();
  const key = publicKeyOf(pem);
  if (!candidates.some((sts) => verifyPss(key, auth.algorithm, sts, auth.signature))) throw mismatch();
  return auth;
}

/** Verifies `generateButtonSignature(payload)`: the payload string must be byte-identical to what was signed. */
export function verifyButtonSignature(publicKeyPem: string, payloadJSON: string, signature: string, algorithm?: string): boolean {
  const algs = algorithm === undefined ? Object.keys(ALGORITHMS) : [algorithm];
  const key = createPublicKey(publicKeyPem);
  return algs.some((alg) => verifyPss(key, alg, `${alg}\n${sha256Hex(payloadJSON)}`, signature));
}
