/**
 * Issue 13 item 4: the webhook trusts only messages from accepted SNS topics, dated within the last
 * hour, and tells an unauthenticated sender nothing internal. Messages here are signed with the
 * simulator's own SNS signing key and certificate, so each would verify; what is refused is refused
 * for its topic, its age or its SubscribeURL — and a genuine simulator notification still arrives.
 */
import { createSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../lib/config';
import { acceptedTopicArns, createSnsVerifier, simulatorTopicArn, snsStringToSign, type SnsEnvelope } from '../../lib/sns-verify';
import { checkoutOrder, useTestStack } from '../helpers/stack';

describe('SNS webhook: topics, age and answers', () => {
  let signingKey: string;
  const lines: string[] = [];
  const s = useTestStack({ stack: { logLines: lines } });
  beforeAll(() => {
    signingKey = readFileSync(path.join(s.dataDir, 'simulator', 'sns-signing-key.pem'), 'utf8');
  });

  let n = 0;
  const notification = JSON.stringify({ MerchantID: 'X', ObjectType: 'CHARGE', ObjectId: 'S03-0000000-0000000-C000001', NotificationType: 'STATE_CHANGE', NotificationId: 'n-1', NotificationVersion: 'V2' });
  function signed(fields: Partial<SnsEnvelope> & { Type: SnsEnvelope['Type'] }): SnsEnvelope {
    const base = {
      MessageId: `m-${++n}`,
      TopicArn: simulatorTopicArn(s.merchant.merchantId),
      Message: notification,
      Timestamp: new Date().toISOString(),
      ...(fields.Type === 'SubscriptionConfirmation' ? { Token: 'token-1', SubscribeURL: `${s.sim.baseUrl}/__sim/sns/confirm-${n}` } : {}),
      ...fields,
    } as SnsEnvelope;
    const Signature = createSign('RSA-SHA256').update(snsStringToSign(base)).sign(signingKey, 'base64');
    return { ...base, SignatureVersion: '2', Signature, SigningCertURL: s.sim.snsCertUrl };
  }
  const post = (body: unknown) => s.call('POST', '/api/webhooks/amazon-pay', { rawBody: JSON.stringify(body), headers: { 'content-type': 'text/plain' } });
  const expectGeneric = (r: { status: number; body: any }, code: string) => {
    expect(r.body.error.code).toBe(code);
    expect(typeof r.body.error.message).toBe('string');
    expect(r.body.error.requestId).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
    expect(r.body.error.details).toBeUndefined();
  };

  it('refuses a signed message from a topic that is not accepted, before anything else', async () => {
    const foreign = await post(signed({ Type: 'Notification', TopicArn: 'arn:aws:sns:us-east-1:123456789012:SomeoneElse' }));
    expect(foreign.status).toBe(403);
    expectGeneric(foreign, 'sns_topic_not_allowed');
    expect(JSON.stringify(foreign.body)).not.toContain('SomeoneElse');
  });

  it('refuses a message older than an hour, or dated in the future', async () => {
    const old = await post(signed({ Type: 'Notification', Timestamp: new Date(Date.now() - 61 * 60_000).toISOString() }));
    expect(old.status).toBe(403);
    expectGeneric(old, 'sns_stale_message');
    const future = await post(signed({ Type: 'Notification', Timestamp: new Date(Date.now() + 30 * 60_000).toISOString() }));
    expect(future.status).toBe(403);
    expectGeneric(future, 'sns_stale_message');
    const garbled = await post(signed({ Type: 'Notification', Timestamp: 'yesterday' }));
    expect(garbled.status).toBe(400);
  });

  it('confirms a subscription only for an accepted topic, and a failing SubscribeURL is a generic 502', async () => {
    const foreign = await post(signed({ Type: 'SubscriptionConfirmation', TopicArn: 'arn:aws:sns:us-east-1:123456789012:SomeoneElse' }));
    expect(foreign.status).toBe(403);
    expectGeneric(foreign, 'sns_topic_not_allowed');

    const ok = await post(signed({ Type: 'SubscriptionConfirmation' }));
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ status: 'subscribed' });

    // A SubscribeURL on the trusted origin that answers 404: not confirmed, and nothing about why in the answer.
    const failing = await post(signed({ Type: 'SubscriptionConfirmation', SubscribeURL: `${s.sim.baseUrl}/__sim/no-such-subscription` }));
    expect(failing.status).toBe(502);
    expectGeneric(failing, 'sns_subscription_failed');
  });

  it('a certificate that cannot be fetched is a generic 503, the fetch error only in the log', async () => {
    const r = await post({ ...signed({ Type: 'Notification' }), SigningCertURL: `${s.sim.baseUrl}/__sim/missing/cert.pem` });
    expect(r.status).toBe(503);
    expectGeneric(r, 'sns_certificate_unavailable');
    expect(JSON.stringify(r.body)).not.toMatch(/HTTP \d|ECONN|404|127\.0\.0\.1/);
    // The reason is in the log, under the request id the sender was given.
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'notification rejected' && l.requestId === r.body.error.requestId);
    expect(logged).toMatchObject({ code: 'certificate_unavailable', reason: expect.stringContaining('HTTP 404') });
  });

  it('a genuine simulator notification still reaches its order', async () => {
    const done = await checkoutOrder(s, 'SNS-HARD-1', { paymentIntent: 'Authorize' });
    expect(done.status).toBe(200);
    const deadline = Date.now() + 20_000;
    let delivered = false;
    while (!delivered && Date.now() < deadline) {
      const ds = await s.control<{ deliveries: { status: string; lastStatusCode: number | null }[] }>('GET', '/__sim/ipn');
      delivered = ds.data.deliveries.some((d) => d.status === 'delivered' && d.lastStatusCode === 200);
      if (!delivered) await new Promise((r) => setTimeout(r, 200));
    }
    expect(delivered).toBe(true);
  }, 60_000);

  it('real Amazon with no topic configured accepts none; configured topics are validated', async () => {
    expect(acceptedTopicArns([], { endpoint: 'amazon', merchantId: 'A1B2C3D4E5F6G7' })).toEqual([]);
    const verifier = createSnsVerifier({ topicArns: [] });
    await expect(verifier.verify(signed({ Type: 'Notification' }))).rejects.toMatchObject({ code: 'topic_not_allowed' });
    const arn = 'arn:aws:sns:us-west-2:123456789012:AmazonPay-IPN';
    expect(loadConfig({ AMAZON_PAY_ENDPOINT: 'amazon', AMAZON_PAY_SNS_TOPIC_ARNS: ` ${arn} ,arn:aws:sns:eu-west-1:123456789012:Other` }).notifications.snsTopicArns).toEqual([arn, 'arn:aws:sns:eu-west-1:123456789012:Other']);
    expect(() => loadConfig({ AMAZON_PAY_SNS_TOPIC_ARNS: 'AmazonPay-IPN' })).toThrow(/AMAZON_PAY_SNS_TOPIC_ARNS: expected a comma-separated list of SNS topic ARNs/);
    // With the simulator, every simulated merchant's topic (one per shop), and nothing else of its account.
    expect(acceptedTopicArns([arn], { endpoint: 'simulator', merchantId: 'A1B2C3D4E5F6G7' })).toEqual([arn, simulatorTopicArn('*')]);
    const simVerifier = createSnsVerifier({ topicArns: acceptedTopicArns([], { endpoint: 'simulator' }) });
    await expect(simVerifier.verify(signed({ Type: 'Notification', TopicArn: 'arn:aws:sns:us-east-1:000000000000:Other' }))).rejects.toMatchObject({ code: 'topic_not_allowed' });
  });
});
