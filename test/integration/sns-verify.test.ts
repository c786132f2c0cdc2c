/**
 * The webhook's SNS verification against real notifications from the simulator: a genuine one
 * verifies; a changed message, a certificate from an untrusted origin or plain garbage does not.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSnsVerifier, simulatorTopicArn, SnsVerificationError } from '../../lib/sns-verify';
import { completedCheckout, startTestSim, type TestSim } from '../simulator/helpers';
import { waitFor } from '../helpers/http';

describe('SNS verification of Amazon Pay notifications', () => {
  let t: TestSim;
  let receiver: http.Server;
  const received: Record<string, unknown>[] = [];
  let topicArns: string[] = [];

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push(JSON.parse(body) as Record<string, unknown>);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    const { port } = receiver.address() as AddressInfo;
    t = await startTestSim({ clock: 'real' }, `http://127.0.0.1:${port}/api/webhooks/amazon-pay`);
    topicArns = [simulatorTopicArn(t.merchant.merchantId)];
    await completedCheckout(t, { intent: 'Authorize' });
    await waitFor(async () => received.length > 0, 10_000, 50);
  });

  afterAll(async () => {
    await t.stop();
    await new Promise((r) => receiver.close(r));
  });

  it('accepts a genuine notification signed by the simulator', async () => {
    const verifier = createSnsVerifier({ extraTrustedOrigins: [t.sim.baseUrl], extraOriginCa: t.sim.caCertPem, topicArns });
    const m = await verifier.verify(received[0]);
    expect(m.Type).toBe('Notification');
    const message = JSON.parse(m.Message) as Record<string, string>;
    expect(message).toMatchObject({ ObjectType: expect.stringMatching(/CHARGE/), NotificationVersion: 'V2' });
  });

  it('rejects a message whose content was changed after signing', async () => {
    const verifier = createSnsVerifier({ extraTrustedOrigins: [t.sim.baseUrl], extraOriginCa: t.sim.caCertPem, topicArns });
    const forged = { ...received[0], Message: String(received[0].Message).replace(/"ObjectId":"[^"]+"/, '"ObjectId":"S03-0000000-0000000-C000000"') };
    expect(forged.Message).not.toBe(received[0].Message);
    await expect(verifier.verify(forged)).rejects.toMatchObject({ code: 'invalid_signature' });
  });

  it('does not trust the simulator unless told to, nor any non-SNS host', async () => {
    await expect(createSnsVerifier({ topicArns }).verify(received[0])).rejects.toMatchObject({ code: 'untrusted_certificate' });
    const verifier = createSnsVerifier({ extraTrustedOrigins: [t.sim.baseUrl], extraOriginCa: t.sim.caCertPem, topicArns });
    for (const url of ['https://evil.example.com/cert.pem', 'http://sns.us-east-1.amazonaws.com/cert.pem', 'https://sns.us-east-1.amazonaws.com.evil.com/cert.pem', 'https://user@sns.us-east-1.amazonaws.com/cert.pem']) {
      await expect(verifier.verify({ ...received[0], SigningCertURL: url })).rejects.toBeInstanceOf(SnsVerificationError);
    }
    expect(verifier.isTrustedUrl('https://sns.ap-northeast-1.amazonaws.com/SimpleNotificationService-abc.pem')).toBe(true);
  });

  it('rejects malformed bodies as malformed', async () => {
    const verifier = createSnsVerifier({ topicArns });
    for (const bad of [null, 'text', {}, { ...received[0], SignatureVersion: '3' }]) {
      await expect(verifier.verify(bad)).rejects.toMatchObject({ code: 'malformed' });
    }
  });
});
