// Activities over injected fakes: every catalog code (docs/product-rules.md, Error messages) maps to its ApplicationFailure (type, retryability, buyer/admin messages); keys and the pre-payment log.
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../activities';
import { ERROR_CATALOG, isCatalogCode, messagesFor, reasonCodesText, UNKNOWN_ERROR } from '../../lib/amazon-errors';
import { idempotencyKey } from '../../activities/idempotency';
import type { AmazonFailureDetails } from '../../lib/amazon-errors';
import { createLogger } from '../../lib/logger';
import { FakeAmazon } from '../workflows/support/fake-amazon';
import { FakePrisma } from '../workflows/support/fake-prisma';

const TECHNICAL = '技術的なエラーが発生しました。';
const DECLINED = 'お支払い方法は拒否されました。別の支払い方法を選択してもう一度お試しください。';
const INTERNAL = '内部処理エラー。取引を処理できませんでした。もう一度お試しください。';

/** The manual's rows (docs/product-rules.md, Error messages): code → [retry class, buyer message (ja) when completing a checkout session]. */
const GENERAL: Array<[string, 'transient' | 'never']> = [
  ['InvalidParameterValue', 'never'],
  ['InvalidHeaderValue', 'never'],
  ['InvalidRequestFormat', 'never'],
  ['InvalidRequest', 'never'],
  ['MissingHeaderValue', 'never'],
  ['MissingParameterValue', 'never'],
  ['UnrecognizedField', 'never'],
  ['DuplicateIdempotencyKey', 'never'],
  ['UnauthorizedAccess', 'never'],
  ['InvalidAccountStatus', 'never'],
  ['InvalidRequestSignature', 'never'],
  ['RequestNotSupported', 'never'],
  ['UnsupportedOperation', 'never'],
  ['InternalServerError', 'transient'],
  ['TooManyRequests', 'transient'],
];

const COMPLETE: Array<[string, 'transient' | 'decline' | 'never', string, string]> = [
  ['CheckoutSessionCanceled', 'never', '選択された支払い方法に問題がありました。もう一度お試しください。', 'お支払い方法は拒否されたか、それとも処理中に取引はキャンセルされました。'],
  ['CurrencyMismatch', 'never', INTERNAL, '購入手続きを始めた時の通貨は取引完了する動作に使った通貨と異なります。'],
  ['TransactionAmountExceeded', 'never', '最高取引金額を超えています。別ウィンドウ・タブで商品追加や数量変更を行っていただければ、それらのウィンドウ・タブを閉じてからもう一度お試しください。', '最高取引金額を超えています。'],
  ['ResourceNotFound', 'never', 'セッションは期限切れです。注文処理を最初からやり直してください。', '「Checkout Session」を使った時から30日間が立っている。どの動作を行っていてもこのエラーが返却されます。'],
  ['AmountMismatch', 'never', '取引金額が変更されました。別ウィンドウ・タブで商品追加や数量変更を行っていただければ、それらのウィンドウ・タブを閉じてからもう一度お試しください。', '購入確定した時の金額は取引完了する動作に指定した金額と異なります。'],
  ['InvalidCheckoutSessionStatus', 'never', INTERNAL, '取引のステータスにより、実行しようとした処理が無効です。'],
  ['InvalidChargeStatus', 'never', INTERNAL, '取引のステータスにより、実行しようとした処理が無効です。'],
  ['SoftDeclined', 'decline', DECLINED, '支払いはソフトに却下されました。繰り返し再試行しても失敗する場合は、購入者に連絡して、別の支払い方法を選択してもらいます。'],
  ['HardDeclined', 'never', DECLINED, '支払いは却下されました。再試行はできないため、購入者に連絡し別の支払い方法を選択してもらいます。'],
  ['PaymentMethodNotAllowed', 'never', DECLINED, '購入者が選択した支払い方法は、この請求では許可されていません。'],
  ['AmazonRejected', 'never', DECLINED, 'アマゾンが請求を拒否しました。関連する課金許可もキャンセルされません。'],
  ['MFANotCompleted', 'never', INTERNAL, 'このトランザクションを処理するには、購入者が多要素認証（MFA）を完了する必要があります。'],
  ['TransactionTimedOut', 'decline', '取引はタイムアウトエラー、Amazonが注文を処理できませんでした。もう一度お試しください。ご不便をおかけしてしまい申し訳ございません。', 'Amazonが承認を処理するのに十分な時間がなかったため、請求は拒否されました。'],
  ['ProcessingFailure', 'decline', 'Amazonが注文を処理できませんでした。もう一度お試しください。ご不便をおかけしてしまい申し訳ございません。', '内部処理エラーのため、Amazonは請求を処理できませんでした。充電許可が充電可能状態にある場合にのみ、充電を再試行する必要があります。'],
];

const UPDATE_SESSION: Array<[string, string]> = [
  ['ResourceNotFound', 'セッション期限切れです。注文処理を最初からやり直してください。ご不便をおかけしてしまい申し訳ございません。'],
  ['InvalidCheckoutSessionStatus', '注文処理をできない状態になっています。注文手続きを最初からやり直してください。ご不便をおかけしてしまい申し訳ございません。'],
  ['CheckoutResultReturnUrlNotSet', TECHNICAL],
  ['ChargeAmountNotSet', TECHNICAL],
  ['PaymentIntentNotSet', TECHNICAL],
  ['BuyerNotAssociated', 'Amazonアカウントからお支払い方法を選択してからもう一度お試しください。'],
];

function setup() {
  const amazon = new FakeAmazon();
  const prisma = new FakePrisma();
  const acts = createActivities({ shopId: 'default', amazonPay: amazon, prisma: prisma.asPrisma(), clock: () => new Date('2026-01-01T00:00:00Z'), log: createLogger('silent', 'test') });
  // The session order o1's buyer made (its merchantReferenceId is o1): the checkout calls below are o1's.
  amazon.addSession('s1', { orderId: 'o1' });
  prisma.orders.set('o1', { orderId: 'o1' });
  return { amazon, prisma, acts, env: new MockActivityEnvironment() };
}

async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ApplicationFailure);
    return err as ApplicationFailure;
  }
  throw new Error('expected a failure');
}

const details = (f: ApplicationFailure) => f.details?.[0] as AmazonFailureDetails;
const completeInput = { orderId: 'o1', checkoutSessionId: 's1', amount: 1500, currency: 'JPY', key: { workflowId: 'order-o1', action: 'complete', requestId: 's1/0' } };

test.each(GENERAL)('general error %s → technical buyer message, retry class %s', async (code, retry) => {
  const { amazon, acts, env } = setup();
  amazon.inject('getCharge', { kind: 'error', status: retry === 'transient' ? 500 : 400, reasonCode: code });
  const f = await failureOf(env.run(acts.getCharge, { chargeId: 'c' }));
  expect(f.type).toBe(code);
  expect(f.nonRetryable).toBe(retry !== 'transient');
  expect(details(f)).toMatchObject({ code, retry, log: 'api', buyerMessage: { ja: TECHNICAL } });
  expect(details(f).adminMessage.en.length).toBeGreaterThan(0);
});

test('ServiceUnavailable → its own buyer message, retried', async () => {
  const { amazon, acts, env } = setup();
  amazon.inject('getCharge', { kind: 'error', status: 503, reasonCode: 'ServiceUnavailable' });
  const f = await failureOf(env.run(acts.getCharge, { chargeId: 'c' }));
  expect(f.nonRetryable).toBe(false);
  expect(details(f).buyerMessage.ja).toBe('Amazonのサーバーに技術的な問題が発生しています。もう一度お試しください。');
});

test('an SDK client error (nothing sent) → the settings message, not retried', async () => {
  const { amazon, acts, env } = setup();
  amazon.getCharge = () => Promise.reject('Not a valid algorithm');
  const f = await failureOf(env.run(acts.getCharge, { chargeId: 'c' }));
  expect(f.type).toBe('AmazonPaySDKClientException');
  expect(f.nonRetryable).toBe(true);
  expect(details(f).buyerMessage.ja).toBe('Amazon Payの設定に問題があります。管理画面から再確認した上でもう一度お試しください。');
});

test('a network error (no response) is retried with the same key', async () => {
  const { amazon, acts, env } = setup();
  amazon.inject('completeCheckoutSession', { kind: 'network' });
  const f = await failureOf(env.run(acts.completeCheckoutSession, completeInput));
  expect(f.type).toBe('NetworkError');
  expect(f.nonRetryable).toBe(false);
});

test('a 5xx with no reason code is classified by status', async () => {
  const { amazon, acts, env } = setup();
  amazon.getCharge = () => Promise.reject(Object.assign(new Error('bad gateway'), { response: { status: 502, data: '<html>' } }));
  const f = await failureOf(env.run(acts.getCharge, { chargeId: 'c' }));
  expect(f.type).toBe('InternalServerError');
  expect(f.nonRetryable).toBe(false);
});

test.each(COMPLETE)('completing a checkout: %s → retry %s, buyer and admin messages from the manual', async (code, retry, buyer, admin) => {
  const { amazon, acts, env, prisma } = setup();
  amazon.inject('completeCheckoutSession', { kind: 'error', status: 422, reasonCode: code });
  const f = await failureOf(env.run(acts.completeCheckoutSession, completeInput));
  expect(f.type).toBe(code);
  expect(f.nonRetryable).toBe(true); // declines are retried by the workflow with a fresh key, never by the activity
  expect(details(f)).toMatchObject({ code, retry, operation: 'completeCheckoutSession', buyerMessage: { ja: buyer }, adminMessage: { ja: admin } });
  expect([...prisma.prePayment.values()][0]).toMatchObject({ status: 'failed', resultCode: code });
});

test.each(UPDATE_SESSION)('updating a checkout session: %s → buyer message', async (code, buyer) => {
  const { amazon, acts, env } = setup();
  amazon.inject('updateCheckoutSession', { kind: 'error', status: code === 'ResourceNotFound' ? 404 : 422, reasonCode: code });
  const f = await failureOf(
    env.run(acts.updateCheckoutSession, { orderId: 'o1', checkoutSessionId: 's1', checkoutResultReturnUrl: 'https://x/r', amount: 1, currency: 'JPY', paymentIntent: 'Authorize' as const, canHandlePendingAuthorization: false }),
  );
  expect(f.type).toBe(code);
  expect(f.nonRetryable).toBe(true);
  expect(details(f).buyerMessage.ja).toBe(buyer);
});

test('every code in the catalog has buyer and admin messages in ja and en', () => {
  for (const [code, e] of Object.entries(ERROR_CATALOG)) {
    for (const t of [e.buyer, e.admin]) {
      expect(`${code}:${t.ja.length > 0 && t.en.length > 0}`).toBe(`${code}:true`);
    }
  }
});

/**
 * Every reason code Amazon Pay API v2 documents on an object's statusDetails (charge, refund, checkout session) or a
 * charge permission's reasons, by object and state; sources: Amazon's Charge, Refund, Checkout Session and Charge
 * Permission pages, and the reason codes the .NET SDK lists (Types/ReasonCodes.cs).
 */
const DOCUMENTED_STATUS_REASONS: Record<string, string[]> = {
  'Charge Canceled': ['MerchantCanceled', 'ExpiredUnused', 'AmazonCanceled', 'ChargePermissionCanceled', 'BuyerCanceled'],
  'Charge Declined': ['SoftDeclined', 'HardDeclined', 'AmazonRejected', 'ProcessingFailure', 'TransactionTimedOut', 'MFAFailed', 'PaymentMethodNotAllowed'],
  'Refund Declined': ['AmazonRejected', 'ProcessingFailure'],
  'CheckoutSession Canceled': ['BuyerCanceled', 'Declined', 'AmazonCanceled', 'Expired'],
  'CheckoutSession Open constraints': ['BuyerNotAssociated', 'ChargeAmountNotSet', 'CheckoutResultReturnUrlNotSet', 'PaymentIntentNotSet', 'RecurringFrequencyNotSet', 'AmountNotSet'],
  'ChargePermission NonChargeable': ['PaymentMethodInvalid', 'PaymentMethodDeleted', 'PaymentMethodExpired', 'PaymentMethodNotAllowed', 'PaymentMethodNotSet', 'BillingAddressDeleted', 'ChargeInProgress', 'MFAFailed', 'TransactionAmountExceeded'],
  'ChargePermission Closed': ['MerchantClosed', 'BuyerCanceled', 'AmazonCanceled', 'AmazonClosed', 'Expired'],
};

test.each(Object.entries(DOCUMENTED_STATUS_REASONS))('every documented reason code of a %s has its own buyer and admin texts in ja and en', (_where, codes) => {
  for (const code of codes) {
    const m = messagesFor(code);
    expect(`${code}:${isCatalogCode(code)}`).toBe(`${code}:true`);
    expect(m.admin).not.toEqual(UNKNOWN_ERROR.admin);
    for (const t of [m.buyer, m.admin]) expect(`${code}:${t.ja.length > 0 && t.en.length > 0 && t.ja !== t.en}`).toBe(`${code}:true`);
  }
});

test('a message made of reason codes reads as their admin texts; any other message is left alone', () => {
  expect(reasonCodesText('ExpiredUnused')).toBe(ERROR_CATALOG.ExpiredUnused.admin.ja);
  expect(reasonCodesText('MerchantClosed, AmazonClosed', 'en')).toBe(`${ERROR_CATALOG.MerchantClosed.admin.en} ${ERROR_CATALOG.AmazonClosed.admin.en}`);
  expect(reasonCodesText('customer asked to cancel')).toBeUndefined();
  expect(reasonCodesText('MerchantClosed,not a code')).toBeUndefined();
  expect(reasonCodesText('')).toBeUndefined();
});

test('idempotency keys: ≤ 32 chars of [A-Za-z0-9_-], stable for the same parts, different per action, request and decline retry', () => {
  const base = { workflowId: 'order-123', action: 'capture', requestId: 'r1' };
  const k = idempotencyKey(base);
  expect(k).toMatch(/^[A-Za-z0-9_-]{32}$/);
  expect(idempotencyKey({ ...base })).toBe(k);
  expect(idempotencyKey({ ...base, action: 'refund' })).not.toBe(k);
  expect(idempotencyKey({ ...base, requestId: 'r2' })).not.toBe(k);
  expect(idempotencyKey({ ...base, declineRetry: 1 })).not.toBe(k);
});

test('the pre-payment log row is written before the money-moving call and resolved after it', async () => {
  const { amazon, acts, env, prisma } = setup();
  const sid = amazon.addSession('s1', { orderId: 'o1' });
  await amazon.updateCheckoutSession(sid, { paymentDetails: { paymentIntent: 'Authorize', chargeAmount: { amount: '1500', currencyCode: 'JPY' } } });
  const seen: string[] = [];
  const real = amazon.completeCheckoutSession.bind(amazon);
  amazon.completeCheckoutSession = (id, payload, headers) => {
    seen.push(...[...prisma.prePayment.values()].map((r) => String(r.status)));
    return real(id, payload, headers);
  };
  const session = (await env.run(acts.completeCheckoutSession, completeInput)) as Awaited<ReturnType<typeof acts.completeCheckoutSession>>;
  expect(seen).toEqual(['pending']);
  const row = [...prisma.prePayment.values()][0];
  expect(row).toMatchObject({ action: 'complete', status: 'succeeded', resultCode: 'OK', chargeId: session.chargeId, chargePermissionId: session.chargePermissionId, idempotencyKey: idempotencyKey(completeInput.key) });
  expect(amazon.calls.find((c) => c.op === 'completeCheckoutSession')?.key).toBe(idempotencyKey(completeInput.key));
});

test('amounts go to Amazon as strings in major units and come back as integers (USD cents)', async () => {
  const { amazon, acts, env } = setup();
  const sid = amazon.addSession('s2', { orderId: 'o1' });
  await amazon.updateCheckoutSession(sid, { paymentDetails: { paymentIntent: 'Authorize', chargeAmount: { amount: '12.34', currencyCode: 'USD' } } });
  await env.run(acts.completeCheckoutSession, { ...completeInput, checkoutSessionId: sid, amount: 1234, currency: 'USD' });
  const charge = [...amazon.charges.values()][0];
  expect(charge.chargeAmount).toEqual({ amount: '12.34', currencyCode: 'USD' });
  const summary = await env.run(acts.getCharge, { chargeId: charge.chargeId });
  expect(summary).toMatchObject({ amount: 1234, currency: 'USD', state: 'Authorized' });
});
