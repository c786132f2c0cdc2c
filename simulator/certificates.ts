// The simulator's self-signed TLS certificate and its SNS signing certificate: made once, kept in <dataDir>/simulator/.
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generate } from 'selfsigned';

export interface CertificatePair {
  keyPem: string;
  certPem: string;
}

function stillValid(certPem: string): boolean {
  try {
    const cert = new X509Certificate(certPem);
    return Date.parse(cert.validTo) - Date.now() > 24 * 3600 * 1000;
  } catch {
    return false;
  }
}

async function makeTls(): Promise<CertificatePair> {
  const notAfter = new Date(Date.now() + 825 * 24 * 3600 * 1000);
  const result = await generate([{ name: 'commonName', value: 'Amazon Pay simulator (local)' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return { keyPem: result.private, certPem: result.cert };
}

async function makeSnsSigning(): Promise<CertificatePair> {
  const result = await generate([{ name: 'commonName', value: 'sns.amazonaws.com (simulator)' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 825 * 24 * 3600 * 1000),
    extensions: [{ name: 'keyUsage', digitalSignature: true, critical: true }],
  });
  return { keyPem: result.private, certPem: result.cert };
}

async function loadOrMake(dir: string | undefined, name: string, make: () => Promise<CertificatePair>): Promise<CertificatePair> {
  if (dir === undefined) return make();
  const keyFile = path.join(dir, `${name}-key.pem`);
  const certFile = path.join(dir, `${name}-cert.pem`);
  if (existsSync(keyFile) && existsSync(certFile)) {
    const pair = { keyPem: readFileSync(keyFile, 'utf8'), certPem: readFileSync(certFile, 'utf8') };
    if (stillValid(pair.certPem)) return pair;
  }
  const pair = await make();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(keyFile, pair.keyPem, { mode: 0o600 });
  writeFileSync(certFile, pair.certPem, { mode: 0o644 });
  return pair;
}

/** TLS server certificate (also the CA the engine's SDK client trusts) and the SNS signing certificate. */
export async function loadCertificates(dir: string | undefined): Promise<{ tls: CertificatePair; sns: CertificatePair }> {
  const [tls, sns] = await Promise.all([loadOrMake(dir, 'tls', makeTls), loadOrMake(dir, 'sns-signing', makeSnsSigning)]);
  return { tls, sns };
}
