/**
 * Verification of Amazon SNS messages (Amazon Pay's instant notifications) as AWS documents it:
 * the signing certificate must come over HTTPS from a trusted origin (Amazon's `sns.<region>.
 * amazonaws.com` hosts, plus the bundled simulator when it is the endpoint), the certificate must
 * be valid now, and the signature (SignatureVersion 1: SHA1withRSA, 2: SHA256withRSA) must match
 * the canonical string built from the message's fields. Before any of that, the message must come
 * from an accepted topic (AMAZON_PAY_SNS_TOPIC_ARNS, plus the simulator's topic with the simulator;
 * none accepted: every message is refused) and be dated within the last hour (SNS keeps the
 * publication time across redeliveries), a little skew into the future allowed. The one check
 * covers notifications and subscription confirmations alike.
 */
import { verify as cryptoVerify, X509Certificate } from 'node:crypto';
import https from 'node:https';
import { z } from 'zod';

export const snsEnvelopeSchema = z.object({
  Type: z.enum(['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation']),
  MessageId: z.string().min(1).max(200),
  TopicArn: z.string().min(1).max(500),
  Subject: z.string().max(500).optional(),
  Message: z.string().max(64 * 1024),
  Timestamp: z.string().min(1).max(64),
  SignatureVersion: z.enum(['1', '2']),
  Signature: z.string().min(1).max(4096),
  SigningCertURL: z.string().url().max(2048),
  SubscribeURL: z.string().url().max(2048).optional(),
  UnsubscribeURL: z.string().url().max(2048).optional(),
  Token: z.string().max(2048).optional(),
});
export type SnsEnvelope = z.infer<typeof snsEnvelopeSchema>;

export type SnsRefusal = 'malformed' | 'topic_not_allowed' | 'stale_message' | 'untrusted_certificate' | 'invalid_signature' | 'certificate_unavailable';

/** Messages older than this are refused (a replay of a captured message, or one SNS kept retrying for too long). */
export const SNS_MAX_AGE_MS = 60 * 60_000;
/** How far into the future a Timestamp may be (clock skew between SNS and this host). */
export const SNS_MAX_SKEW_MS = 5 * 60_000;

/** The topic the bundled simulator publishes a merchant's notifications on (simulator/ipn.ts). */
export function simulatorTopicArn(merchantId: string): string {
  return `arn:aws:sns:us-east-1:000000000000:AmazonPaySimulator-${merchantId}`;
}

/**
 * The topics whose messages the webhook accepts: the configured ones, plus, when Amazon Pay is the simulator, its
 * topic of every merchant (each shop's simulated merchant publishes on its own; `…-*` matches them all, and only the
 * simulator's certificate signs them). Real Amazon with none configured: empty, and every notification is refused.
 */
export function acceptedTopicArns(configured: readonly string[], merchant: { endpoint: 'simulator' | 'amazon'; merchantId?: string }): string[] {
  const out = new Set(configured);
  if (merchant.endpoint === 'simulator') out.add(simulatorTopicArn('*'));
  return [...out];
}

/** Whether a topic is accepted: named exactly, or matched by the simulator's `…-*` entry (acceptedTopicArns). */
function topicAccepted(accepted: readonly string[], topicArn: string): boolean {
  return accepted.some((t) => (t === simulatorTopicArn('*') ? topicArn.startsWith(t.slice(0, -1)) : t === topicArn));
}

export class SnsVerificationError extends Error {
  constructor(readonly code: SnsRefusal, message: string) {
    super(message);
    this.name = 'SnsVerificationError';
  }
}

/** The string SNS signs: `Key\nValue\n` pairs in AWS's fixed order per message type. */
export function snsStringToSign(m: SnsEnvelope): string {
  const keys =
    m.Type === 'Notification'
      ? (['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'] as const)
      : (['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'] as const);
  let out = '';
  for (const k of keys) {
    const v = m[k];
    if (v !== undefined) out += `${k}\n${v}\n`;
  }
  return out;
}

const AMAZON_SNS_HOST = /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;

export interface SnsVerifierOptions {
  /** Extra trusted certificate origins, e.g. `https://127.0.0.1:8443` for the simulator. */
  extraTrustedOrigins?: string[];
  /** CA to trust when fetching from the extra origins (the simulator's self-signed certificate). */
  extraOriginCa?: string;
  /** Accepted topic ARNs (see {@link acceptedTopicArns}); empty: every message is refused. */
  topicArns: readonly string[];
  now?: () => Date;
}

export interface SnsVerifier {
  /** Validates and verifies `body` (parsed JSON); throws {@link SnsVerificationError}. */
  verify(body: unknown): Promise<SnsEnvelope>;
  /** Whether a SubscribeURL may be visited (same trust rule as the certificate). */
  isTrustedUrl(url: string): boolean;
  /** GETs a trusted URL (a SubscribeURL) and resolves with the HTTP status; rejects on a network or TLS failure. */
  visit(url: string): Promise<number>;
}

export function createSnsVerifier(opts: SnsVerifierOptions): SnsVerifier {
  const extra = new Set((opts.extraTrustedOrigins ?? []).map((o) => new URL(o).origin));
  const cache = new Map<string, X509Certificate>();
  const now = opts.now ?? (() => new Date());

  function isTrustedUrl(raw: string): boolean {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return false;
    }
    if (url.protocol !== 'https:' || url.username || url.password) return false;
    return (AMAZON_SNS_HOST.test(url.hostname) && (url.port === '' || url.port === '443')) || extra.has(url.origin);
  }

  function fetchPem(url: URL): Promise<string> {
    const ca = extra.has(url.origin) ? opts.extraOriginCa : undefined;
    return new Promise((resolve, reject) => {
      const req = https.get(url, { timeout: 5_000, ...(ca ? { ca } : {}) }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`HTTP ${res.statusCode}`));
          return;
        }
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
          if (body.length > 64 * 1024) req.destroy(new Error('certificate too large'));
        });
        res.on('end', () => resolve(body));
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', reject);
    });
  }

  function visit(raw: string): Promise<number> {
    if (!isTrustedUrl(raw)) return Promise.reject(new Error('not a trusted SNS URL'));
    const url = new URL(raw);
    const ca = extra.has(url.origin) ? opts.extraOriginCa : undefined;
    return new Promise((resolve, reject) => {
      const req = https.get(url, { timeout: 5_000, ...(ca ? { ca } : {}) }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', reject);
    });
  }

  async function certificate(rawUrl: string): Promise<X509Certificate> {
    if (!isTrustedUrl(rawUrl) || !new URL(rawUrl).pathname.endsWith('.pem')) {
      throw new SnsVerificationError('untrusted_certificate', 'SigningCertURL is not an https .pem on a trusted SNS host');
    }
    const cached = cache.get(rawUrl);
    if (cached) return cached;
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(await fetchPem(new URL(rawUrl)));
    } catch (err) {
      throw new SnsVerificationError('certificate_unavailable', `the signing certificate could not be read (${err instanceof Error ? err.message : String(err)})`);
    }
    if (cache.size > 50) cache.clear();
    cache.set(rawUrl, cert);
    return cert;
  }

  return {
    isTrustedUrl,
    visit,
    async verify(body) {
      const parsed = snsEnvelopeSchema.safeParse(body);
      if (!parsed.success) throw new SnsVerificationError('malformed', `not an SNS message: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      const m = parsed.data;
      // Topic and age first: cheap, and a junk message never makes this host fetch a certificate.
      if (opts.topicArns.length === 0) throw new SnsVerificationError('topic_not_allowed', 'no SNS topic is accepted: set AMAZON_PAY_SNS_TOPIC_ARNS to the topic(s) Amazon Pay publishes to');
      if (!topicAccepted(opts.topicArns, m.TopicArn)) throw new SnsVerificationError('topic_not_allowed', `TopicArn ${m.TopicArn.slice(0, 200)} is not in AMAZON_PAY_SNS_TOPIC_ARNS`);
      const t = now().getTime();
      const sent = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/.test(m.Timestamp) ? Date.parse(m.Timestamp) : Number.NaN;
      if (Number.isNaN(sent)) throw new SnsVerificationError('malformed', 'Timestamp is not an ISO 8601 time');
      if (t - sent > SNS_MAX_AGE_MS) throw new SnsVerificationError('stale_message', `the message is dated ${m.Timestamp}, more than ${SNS_MAX_AGE_MS / 60_000} minutes ago`);
      if (sent - t > SNS_MAX_SKEW_MS) throw new SnsVerificationError('stale_message', `the message is dated ${m.Timestamp}, in the future`);
      const cert = await certificate(m.SigningCertURL);
      if (t < Date.parse(cert.validFrom) || t > Date.parse(cert.validTo)) throw new SnsVerificationError('untrusted_certificate', 'the signing certificate is not valid now');
      const ok = cryptoVerify(m.SignatureVersion === '1' ? 'sha1' : 'sha256', Buffer.from(snsStringToSign(m), 'utf8'), cert.publicKey, Buffer.from(m.Signature, 'base64'));
      if (!ok) throw new SnsVerificationError('invalid_signature', 'the SNS signature does not match the message');
      return m;
    },
  };
}
