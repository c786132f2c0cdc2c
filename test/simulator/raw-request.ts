// An independent signer (canonical request built from AWS-style rules, not the SDK) and raw HTTPS calls, for tampering tests.
import { constants, createHash, createSign } from 'node:crypto';
import https from 'node:https';
import type { RunningSimulator } from '../../simulator/index';

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

export interface RawSignOptions {
  method: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
  publicKeyId: string;
  privateKeyPem: string;
  host: string;
  algorithm?: 'AMZN-PAY-RSASSA-PSS' | 'AMZN-PAY-RSASSA-PSS-V2';
  date?: Date;
  /** The canonical query string to sign (the caller sends the query itself as part of the path). */
  query?: string;
}

export function signedHeaders(o: RawSignOptions): Record<string, string> {
  const alg = o.algorithm ?? 'AMZN-PAY-RSASSA-PSS-V2';
  const headers: Record<string, string> = {
    ...(o.headers ?? {}),
    accept: 'application/json',
    'content-type': 'application/json',
    'x-amz-pay-date': (o.date ?? new Date()).toISOString().split('.')[0] + 'Z',
    'x-amz-pay-host': o.host,
    'x-amz-pay-region': 'jp',
  };
  const names = Object.keys(headers).sort();
  let canonical = `${o.method}\n${o.path}\n${o.query ?? ''}\n`;
  for (const n of names) canonical += `${n}:${headers[n]}\n`;
  canonical += `\n${names.join(';')}\n${sha(o.body ?? '')}`;
  const sts = `${alg}\n${sha(canonical)}`;
  const signature = createSign('RSA-SHA256')
    .update(sts)
    .sign({ key: o.privateKeyPem, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: alg.endsWith('V2') ? 32 : 20 }, 'base64');
  return { ...headers, authorization: `${alg} PublicKeyId=${o.publicKeyId}, SignedHeaders=${names.join(';')}, Signature=${signature}` };
}

export function rawCall(sim: RunningSimulator, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; data: { reasonCode?: string; message?: string } & Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(path, sim.baseUrl), { method, headers, ca: sim.caCertPem, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, data: text ? JSON.parse(text) : {} });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
