// Instant Payment Notifications: SNS-format messages signed with SignatureVersion 1/2, delivered with retries and test controls.
import { createPrivateKey, createSign, randomUUID, type KeyObject } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { SimCore, StateChange } from './core';

export const ipnControlSchema = z.strictObject({
  action: z.enum(['drop', 'duplicate', 'delay', 'reorder']),
  /** How many upcoming notifications the control applies to (for reorder: how many are held, then sent newest first). */
  count: z.number().int().min(1).max(10_000).optional(),
  /** For delay: real milliseconds before the first attempt. */
  delayMs: z.number().int().min(0).max(600_000).optional(),
});
export type IpnControl = z.infer<typeof ipnControlSchema>;

export interface SnsEnvelope {
  Type: 'Notification';
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  SignatureVersion: '1' | '2';
  Signature: string;
  SigningCertURL: string;
  UnsubscribeURL: string;
}

export interface Delivery {
  messageId: string;
  notificationId: string;
  merchantId: string;
  objectType: string;
  objectId: string;
  chargePermissionId: string;
  url: string | null;
  status: 'pending' | 'held' | 'delivered' | 'failed' | 'dropped' | 'no-endpoint';
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  envelope: SnsEnvelope;
}

/** The SNS string to sign for a Notification, as AWS documents it (Subject omitted when absent). */
export function snsStringToSign(e: Pick<SnsEnvelope, 'Message' | 'MessageId' | 'Timestamp' | 'TopicArn' | 'Type'> & { Subject?: string }): string {
  let s = `Message\n${e.Message}\nMessageId\n${e.MessageId}\n`;
  if (e.Subject !== undefined) s += `Subject\n${e.Subject}\n`;
  s += `Timestamp\n${e.Timestamp}\nTopicArn\n${e.TopicArn}\nType\n${e.Type}\n`;
  return s;
}

export interface IpnOptions {
  signingKeyPem: string;
  certUrl: () => string;
  baseUrl: () => string;
  /** Real-time waits between attempts; attempts = length + 1. */
  retryDelaysMs: number[];
  requestTimeoutMs: number;
}

const MAX_KEPT = 2_000;

export class IpnDispatcher {
  readonly deliveries: Delivery[] = [];
  private controls: (IpnControl & { remaining: number })[] = [];
  private held: Delivery[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly sim: SimCore,
    private readonly log: Logger,
    private readonly opts: IpnOptions,
  ) {
    sim.onStateChange((c) => this.enqueue(c));
  }

  addControl(control: IpnControl): void {
    this.controls.push({ ...control, remaining: control.count ?? 1 });
  }

  clearControls(): void {
    this.controls = [];
  }

  /** For /__sim/reset: forgets controls, held (reorder) notifications, pending retries and the deliveries log. */
  reset(): void {
    this.controls = [];
    this.held = [];
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.deliveries.length = 0;
  }

  /** Sends held (reorder) notifications now, newest first. */
  flush(): number {
    const batch = this.held.reverse();
    this.held = [];
    for (const d of batch) {
      d.status = 'pending';
      this.attempt(d, 0);
    }
    return batch.length;
  }

  private takeControl(): (IpnControl & { remaining: number }) | undefined {
    const c = this.controls.find((x) => x.remaining > 0);
    if (!c) return undefined;
    c.remaining -= 1;
    this.controls = this.controls.filter((x) => x.remaining > 0);
    return c;
  }

  /** Parsed once: signing from PEM parses the key again on every notification. */
  private signingKeyObject: KeyObject | undefined;
  private get signingKey(): KeyObject {
    this.signingKeyObject ??= createPrivateKey(this.opts.signingKeyPem);
    return this.signingKeyObject;
  }

  private build(change: StateChange, merchantUrl: string | null, version: '1' | '2'): Delivery {
    const notificationId = randomUUID();
    const messageId = randomUUID();
    const message = JSON.stringify({
      MerchantID: change.merchantId,
      ObjectType: change.objectType,
      ObjectId: change.objectId,
      ChargePermissionId: change.chargePermissionId,
      NotificationType: 'STATE_CHANGE',
      NotificationId: notificationId,
      NotificationVersion: 'V2',
    });
    const topicArn = `arn:aws:sns:us-east-1:000000000000:AmazonPaySimulator-${change.merchantId}`;
    const base = { Type: 'Notification' as const, MessageId: messageId, TopicArn: topicArn, Message: message, Timestamp: new Date().toISOString() };
    const signature = createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256')
      .update(snsStringToSign(base))
      .sign(this.signingKey, 'base64');
    const envelope: SnsEnvelope = {
      ...base,
      SignatureVersion: version,
      Signature: signature,
      SigningCertURL: this.opts.certUrl(),
      UnsubscribeURL: `${this.opts.baseUrl()}/__sim/sns/unsubscribe?SubscriptionArn=${encodeURIComponent(topicArn)}`,
    };
    return {
      messageId,
      notificationId,
      merchantId: change.merchantId,
      objectType: change.objectType,
      objectId: change.objectId,
      chargePermissionId: change.chargePermissionId,
      url: merchantUrl,
      status: merchantUrl === null ? 'no-endpoint' : 'pending',
      attempts: 0,
      lastStatusCode: null,
      lastError: null,
      envelope,
    };
  }

  private remember(d: Delivery): void {
    this.deliveries.push(d);
    if (this.deliveries.length > MAX_KEPT) this.deliveries.splice(0, this.deliveries.length - MAX_KEPT);
  }

  enqueue(change: StateChange): void {
    if (this.closed) return;
    const merchant = this.sim.merchantById(change.merchantId);
    const d = this.build(change, merchant?.notificationUrl ?? null, merchant?.ipnSignatureVersion ?? '2');
    this.remember(d);
    if (d.url === null) return;
    const control = this.takeControl();
    switch (control?.action) {
      case 'drop':
        d.status = 'dropped';
        return;
      case 'duplicate': {
        const copy: Delivery = { ...d, attempts: 0 };
        this.remember(copy);
        this.attempt(d, 0);
        this.attempt(copy, 0);
        return;
      }
      case 'delay':
        this.attempt(d, control.delayMs ?? 5_000);
        return;
      case 'reorder':
        // Held notifications go out newest first: at once when a batch of count >= 2 is complete,
        // else when the next notification overtakes them (or on POST /__sim/ipn/flush).
        d.status = 'held';
        this.held.push(d);
        if (control.remaining === 0 && (control.count ?? 1) >= 2) this.flush();
        return;
      default:
        this.attempt(d, 0);
        if (this.held.length > 0) this.flush();
    }
  }

  private attempt(d: Delivery, delayMs: number): void {
    if (this.closed || d.url === null) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      void this.post(d);
    }, delayMs);
    t.unref();
    this.timers.add(t);
  }

  private async post(d: Delivery): Promise<void> {
    if (this.closed || d.url === null) return;
    d.attempts += 1;
    const body = JSON.stringify(d.envelope);
    let ok = false;
    try {
      const status = await this.send(d.url, body, d.envelope);
      d.lastStatusCode = status;
      ok = status >= 200 && status < 300;
      if (!ok) d.lastError = `HTTP ${status}`;
    } catch (err) {
      d.lastError = err instanceof Error ? err.message : String(err);
    }
    if (ok) {
      d.status = 'delivered';
      return;
    }
    const wait = this.opts.retryDelaysMs[d.attempts - 1];
    if (wait === undefined) {
      d.status = 'failed';
      this.log.warn({ notificationId: d.notificationId, url: d.url, attempts: d.attempts, error: d.lastError }, 'IPN delivery gave up');
      return;
    }
    this.attempt(d, wait);
  }

  private send(url: string, body: string, e: SnsEnvelope): Promise<number> {
    return new Promise((resolve, reject) => {
      const target = new URL(url);
      const lib = target.protocol === 'https:' ? https : http;
      const req = lib.request(
        target,
        {
          method: 'POST',
          timeout: this.opts.requestTimeoutMs,
          headers: {
            'content-type': 'text/plain; charset=UTF-8',
            'content-length': Buffer.byteLength(body),
            'x-amz-sns-message-type': e.Type,
            'x-amz-sns-message-id': e.MessageId,
            'x-amz-sns-topic-arn': e.TopicArn,
            'user-agent': 'Amazon Simple Notification Service Agent',
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
