/**
 * The randomized adversarial suite (issue 13): random sequences of what a hostile or careless caller
 * does to the real stack (API, worker, simulator, Temporal dev server), then the money invariants
 * checked against the simulator's ledger and the API. Shared by test/fuzz/adversarial.test.ts (short,
 * bounded, in `npm test`) and scripts/fuzz.ts (`npm run fuzz -- --seconds N --seed S`).
 *
 * A sequence is a list of actions over up to three orders, each paid for by its own fake Amazon buyer:
 * checkouts (started twice, too), reviews and completions with the order's own, another order's, a
 * stale (canceled) and a malformed checkout session id, captures, cancels and refunds with random,
 * repeated, reused and oversized amounts and requestIds (some sent at once), re-sent, reordered and
 * forged notifications, settings changes, and the simulator's clock moving on. After the sequence
 * everything accepted is driven to its outcome (bounded), and the invariants are checked:
 *
 *  1. every money movement at Amazon belongs to exactly one order, the one whose checkout made it;
 *     no two orders claim the same checkout session, charge permission or charge;
 *  2. captured ≤ authorized and refunded ≤ Amazon's cap on every charge; each requestId moved money
 *     at most once, and exactly what it asked for;
 *  3. every accepted command reached an outcome within a bound (no order wedged);
 *  4. no answer shows another order's buyer;
 *  5. the projection (order list row, from the database) equals the workflow's state (order detail);
 *  6. a shop that only listens to events knows the order's true payment status: the order's events
 *     (GET /api/events, docs/events.md) are numbered 1, 2, 3 … without a gap or a repeat, and the last
 *     one names the workflow's payment status (no event: the order is still CheckoutPending);
 *  7. no cross-shop effect (issue 18). The sequence runs on two shops of one engine (the default shop A
 *     and a shop B of its own merchant, keys and event endpoint); an order belongs to one of them, and
 *     may carry the same order id as an order of the other. Besides each shop's own actions, the other
 *     shop's keys are used on an order's ids: its detail, list, events, capture/cancel/refund/status,
 *     the checkout steps with its session ids, events after its event ids, resends of its events, the
 *     shop's event endpoint and member links, and X-Shop-Id naming the shop. Checked:
 *     (a) each such request is answered as if nothing existed (the same status and error code as the
 *         same request about ids that exist nowhere; 404 where a thing is named), its body shows none
 *         of the other shop's amounts, buyers or ids, and the other shop's order, events, endpoint
 *         and member link are unchanged after it (where the attacking shop has an order of the same
 *         id, the request is about that order of its own, and still changes nothing of the other's);
 *     (b) every ledger entry at Amazon for a shop's order is in that shop's merchant's ledger only;
 *     (c) each shop's order list, order details and events (GET /api/events, and what its event
 *         endpoint received, signed with its own secret) hold that shop's orders only;
 *     (d) every Amazon call about a shop's object (session, permission, charge, refund) was signed by
 *         that shop's merchant; the one exception is Amazon being asked about a session id a caller
 *         handed to the other shop (getCheckoutSession, which Amazon answers as not found).
 *     A settings change of one shop leaves the other's settings as they were.
 *
 * Plus what the issue names per input: oversized amounts are never accepted, a requestId reused with
 * other parameters answers 409 request_id_reused, a capture/cancel race's loser answers 409, bad
 * input (malformed ids, forged notifications, invalid settings) is a 4xx that changes nothing and
 * shows nothing internal, and nothing answers 500/502.
 *
 * The invariants are checked by what a caller and Amazon can see; none of them names how the engine
 * keeps them.
 */
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import type { WebStoreClient } from '../../lib/amazon-pay-client';
import { verifyEventSignature } from '../../lib/event-signature';
import { DEFAULT_SHOP_ID } from '../../lib/names';
import { FAKE_BUYERS, type FakeBuyer } from '../../simulator/buyers';
import type { TestStack } from '../helpers/stack';

// ------------------------------------------------------------------------------------------ Amazon's rules

/** Amazon's per-charge maximum in JPY (docs/amazon-pay.md, Amounts and currencies): anything above is never a valid amount. */
export const AMAZON_MAX_JPY = 10_000_000;

/** Amazon's refund cap on a capture: captured + min(15 %, 8,400 JPY). Written out here so the check does not lean on the engine's own rule. */
export function amazonRefundCap(captured: number): number {
  return captured + Math.min(Math.floor((captured * 15) / 100), 8400);
}

// ------------------------------------------------------------------------------------------ the actions

export type SessionRef = 'own' | 'foreign' | 'stale' | 'malformed';
export type AmountSpec = { kind: 'part'; pct: number } | { kind: 'rest' } | { kind: 'over'; by: number } | { kind: 'huge'; value: number };
export type RidSpec = { kind: 'fresh' } | { kind: 'repeat'; pick: number } | { kind: 'reuse'; pick: number } | { kind: 'otherOrder'; pick: number };
export type MoneyKind = 'capture' | 'cancel' | 'refund';
export interface MoneyCmd {
  kind: MoneyKind;
  amount: AmountSpec;
  rid: RidSpec;
  /** Wait for the result (waitMs) or take the quick 202. */
  wait: boolean;
}
export type RaceRid = 'fresh' | 'sameAsFirst';
export type IpnKind = 'resendOne' | 'resendReversed' | 'duplicateNext' | 'reorderNext';
export type ForgeKind = 'badSignature' | 'swappedObject' | 'untrustedCertUrl' | 'notJson' | 'noSignature';
export type SettingsChange =
  | { kind: 'valid'; patch: Record<string, unknown> }
  | { kind: 'invalidWithCredentials'; patch: Record<string, unknown> }
  | { kind: 'concurrent'; a: Record<string, unknown>; b: Record<string, unknown> };

/** Which shop: 0 is the default shop (A), 1 the fuzz suite's second shop (B). */
export type ShopIndex = 0 | 1;

/**
 * What the other shop's keys do with an order's ids (issue 18): reads, money commands and status, the checkout steps
 * with the order's session, events after or of it, a resend of its event, the order's shop's event endpoint and its
 * buyer's member link, and a key naming the order's shop in X-Shop-Id.
 */
export const CROSS_OPS = [
  'detail',
  'orderEvents',
  'list',
  'capture',
  'cancel',
  'refund',
  'status',
  'review',
  'confirm',
  'complete',
  'result',
  'eventsAfter',
  'eventsOfOrder',
  'resend',
  'endpointPatch',
  'endpointRotate',
  'endpointDelete',
  'memberRead',
  'memberByBuyer',
  'memberUnlink',
  'memberLink',
  'shopHeader',
] as const;
export type CrossOp = (typeof CROSS_OPS)[number];

export type Action =
  | { t: 'open'; o: number }
  | { t: 'pay'; o: number }
  | { t: 'review'; o: number; ref: SessionRef; pick: number; malformed: string }
  | { t: 'complete'; o: number; ref: SessionRef; pick: number; malformed: string }
  | ({ t: 'money'; o: number } & MoneyCmd)
  | { t: 'race'; o: number; cmds: Array<MoneyCmd & { raceRid: RaceRid }> }
  | { t: 'ipn'; kind: IpnKind; pick: number; count: number }
  | { t: 'forge'; kind: ForgeKind; pick: number }
  | { t: 'settings'; change: SettingsChange; shop?: ShopIndex }
  | { t: 'advance'; ms: number }
  /** The order's shop links the order's buyer to a member of its own (the member a cross-shop action then aims at). */
  | { t: 'link'; o: number }
  /** The other shop's keys on order o's ids. */
  | { t: 'cross'; o: number; op: CrossOp; pick: number };

export interface OrderSpec {
  amount: number;
  intent: 'Authorize' | 'AuthorizeWithCapture';
  /** Where the order stands before the actions: paid honestly, its checkout started, or nothing yet. */
  setup: 'paid' | 'open' | 'none';
  /** The shop the order is taken in (absent: the default shop). */
  shop?: ShopIndex;
  /** Takes the order id of an earlier order of the other shop (the same id in both shops), when there is one. */
  twin?: boolean;
}

export interface Scenario {
  orders: OrderSpec[];
  actions: Action[];
}

const MALFORMED_SESSION_IDS = [
  '../../merchants',
  'abc',
  ' ',
  'x'.repeat(201),
  '%2e%2e%2f%2e%2e',
  'S03-0000000-0000000',
  '"><script>alert(1)</script>',
  '00000000-0000-0000-0000-000000000000/../../v2/charges',
  'a b\tc',
  '😀',
  "'; DROP TABLE orders; --",
];

const HUGE_AMOUNTS = [AMAZON_MAX_JPY + 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32, Number.MAX_SAFE_INTEGER];

export function scenarioArb(opts: { maxActions: number; maxOrders?: number }): fc.Arbitrary<Scenario> {
  const maxOrders = Math.min(opts.maxOrders ?? 3, FAKE_BUYERS.length);
  const shop = fc.constantFrom<ShopIndex>(0, 1);
  const order: fc.Arbitrary<OrderSpec> = fc.record({
    amount: fc.oneof(fc.integer({ min: 100, max: 60_000 }), fc.integer({ min: 60_000, max: 200_000 }), fc.constantFrom(100, 5000, 56_000, 56_001)),
    intent: fc.constantFrom('Authorize' as const, 'AuthorizeWithCapture' as const),
    setup: fc.oneof({ weight: 6, arbitrary: fc.constant('paid' as const) }, { weight: 2, arbitrary: fc.constant('open' as const) }, { weight: 1, arbitrary: fc.constant('none' as const) }),
    shop,
    twin: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 2, arbitrary: fc.constant(true) }),
  });
  const slot = fc.nat({ max: maxOrders - 1 });
  const amount: fc.Arbitrary<AmountSpec> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('part' as const), pct: fc.integer({ min: 1, max: 100 }) }) },
    { weight: 3, arbitrary: fc.constant({ kind: 'rest' as const }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('over' as const), by: fc.integer({ min: 1, max: 20_000 }) }) },
    {
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant('huge' as const), value: fc.oneof(fc.constantFrom(...HUGE_AMOUNTS), fc.integer({ min: AMAZON_MAX_JPY + 1, max: Number.MAX_SAFE_INTEGER })) }),
    },
  );
  const rid: fc.Arbitrary<RidSpec> = fc.oneof(
    { weight: 5, arbitrary: fc.constant({ kind: 'fresh' as const }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('repeat' as const), pick: fc.nat({ max: 7 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('reuse' as const), pick: fc.nat({ max: 7 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('otherOrder' as const), pick: fc.nat({ max: 7 }) }) },
  );
  const moneyKind = fc.constantFrom<MoneyKind>('capture', 'cancel', 'refund');
  const sessionRef = fc.constantFrom<SessionRef>('own', 'foreign', 'stale', 'malformed');
  const malformed = fc.oneof(fc.constantFrom(...MALFORMED_SESSION_IDS), fc.string({ minLength: 1, maxLength: 40 }));
  const settingsPatch = fc
    .record(
      {
        paymentIntent: fc.constantFrom('Authorize', 'AuthorizeWithCapture'),
        canHandlePendingAuthorization: fc.boolean(),
        expiryWarningDays: fc.integer({ min: 0, max: 29 }),
        softDescriptor: fc.constantFrom('FUZZ', 'SHOP A', 'AMZ TEST'),
        merchantStoreName: fc.constantFrom('Fuzz shop', 'テストショップ'),
      },
      { requiredKeys: [] },
    )
    .filter((p) => Object.keys(p).length > 0);
  const invalidPatch = fc.constantFrom<Record<string, unknown>>({ paymentIntent: 'Bogus' }, { expiryWarningDays: 400 }, { softDescriptor: 'x'.repeat(40) }, { unknownField: true });
  const settings: fc.Arbitrary<SettingsChange> = fc.oneof(
    fc.record({ kind: fc.constant('valid' as const), patch: settingsPatch }),
    fc.record({ kind: fc.constant('invalidWithCredentials' as const), patch: invalidPatch }),
    fc.record({
      kind: fc.constant('concurrent' as const),
      a: fc.record({ softDescriptor: fc.constantFrom('FUZZ A1', 'FUZZ A2') }),
      b: fc.record({ expiryWarningDays: fc.integer({ min: 0, max: 29 }) }),
    }),
  );
  const action: fc.Arbitrary<Action> = fc.oneof(
    { weight: 1, arbitrary: fc.record({ t: fc.constant('open' as const), o: slot }) },
    { weight: 5, arbitrary: fc.record({ t: fc.constant('pay' as const), o: slot }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('review' as const), o: slot, ref: sessionRef, pick: fc.nat({ max: 3 }), malformed }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('complete' as const), o: slot, ref: sessionRef, pick: fc.nat({ max: 3 }), malformed }) },
    { weight: 6, arbitrary: fc.record({ t: fc.constant('money' as const), o: slot, kind: moneyKind, amount, rid, wait: fc.boolean() }) },
    {
      weight: 2,
      arbitrary: fc.record({
        t: fc.constant('race' as const),
        o: slot,
        cmds: fc.array(fc.record({ kind: moneyKind, amount, rid: fc.constant({ kind: 'fresh' as const }), wait: fc.constant(true), raceRid: fc.constantFrom<RaceRid>('fresh', 'sameAsFirst') }), { minLength: 2, maxLength: 3 }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('ipn' as const), kind: fc.constantFrom<IpnKind>('resendOne', 'resendReversed', 'duplicateNext', 'reorderNext'), pick: fc.nat({ max: 20 }), count: fc.integer({ min: 1, max: 4 }) }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('forge' as const), kind: fc.constantFrom<ForgeKind>('badSignature', 'swappedObject', 'untrustedCertUrl', 'notJson', 'noSignature'), pick: fc.nat({ max: 20 }) }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('settings' as const), change: settings, shop }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('advance' as const), ms: fc.constantFrom(1_000, 60_000, 5 * 60_000, 30 * 60_000) }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('link' as const), o: slot }) },
    { weight: 6, arbitrary: fc.record({ t: fc.constant('cross' as const), o: slot, op: fc.constantFrom(...CROSS_OPS), pick: fc.nat({ max: 99 }) }) },
  );
  return fc.record({
    orders: fc.array(order, { minLength: 1, maxLength: maxOrders }),
    actions: fc.array(action, { minLength: Math.min(3, opts.maxActions), maxLength: opts.maxActions, size: 'max' }),
  });
}

/**
 * The issue's own findings as sequences, run first in every check (fast-check `examples`) so each
 * named defect is tried on every run; the random sequences follow.
 */
export const KNOWN_SCENARIOS: Array<{ name: string; scenario: Scenario }> = [
  {
    name: "one Amazon payment for two orders: B reviews, completes and cancels with A's session",
    scenario: {
      orders: [
        { amount: 5000, intent: 'Authorize', setup: 'paid' },
        { amount: 5000, intent: 'Authorize', setup: 'open' },
      ],
      actions: [
        { t: 'review', o: 1, ref: 'foreign', pick: 0, malformed: '' },
        { t: 'complete', o: 1, ref: 'foreign', pick: 0, malformed: '' },
        { t: 'money', o: 1, kind: 'cancel', amount: { kind: 'rest' }, rid: { kind: 'fresh' }, wait: true },
      ],
    },
  },
  {
    name: 'an oversized capture, then a valid one',
    scenario: {
      orders: [{ amount: 5000, intent: 'Authorize', setup: 'paid' }],
      actions: [
        { t: 'money', o: 0, kind: 'capture', amount: { kind: 'huge', value: 2 ** 31 }, rid: { kind: 'fresh' }, wait: false },
        { t: 'money', o: 0, kind: 'capture', amount: { kind: 'rest' }, rid: { kind: 'fresh' }, wait: true },
      ],
    },
  },
  {
    name: 'a full capture and a cancel at once',
    scenario: {
      orders: [{ amount: 5000, intent: 'Authorize', setup: 'paid' }],
      actions: [
        {
          t: 'race',
          o: 0,
          cmds: [
            { kind: 'capture', amount: { kind: 'rest' }, rid: { kind: 'fresh' }, wait: true, raceRid: 'fresh' },
            { kind: 'cancel', amount: { kind: 'rest' }, rid: { kind: 'fresh' }, wait: true, raceRid: 'fresh' },
          ],
        },
      ],
    },
  },
  {
    name: 'a refund requestId reused with another amount; a malformed session id; forged notifications; settings',
    scenario: {
      orders: [
        { amount: 70_000, intent: 'AuthorizeWithCapture', setup: 'paid' },
        { amount: 3000, intent: 'Authorize', setup: 'open' },
      ],
      actions: [
        { t: 'money', o: 0, kind: 'refund', amount: { kind: 'part', pct: 10 }, rid: { kind: 'fresh' }, wait: true },
        { t: 'money', o: 0, kind: 'refund', amount: { kind: 'part', pct: 10 }, rid: { kind: 'reuse', pick: 0 }, wait: true },
        { t: 'review', o: 1, ref: 'malformed', pick: 0, malformed: '../../merchants' },
        { t: 'complete', o: 1, ref: 'malformed', pick: 0, malformed: 'S03-0000000-0000000' },
        { t: 'forge', kind: 'swappedObject', pick: 0 },
        { t: 'forge', kind: 'untrustedCertUrl', pick: 0 },
        { t: 'settings', change: { kind: 'invalidWithCredentials', patch: { paymentIntent: 'Bogus' } } },
        { t: 'settings', change: { kind: 'concurrent', a: { softDescriptor: 'FUZZ A1' }, b: { expiryWarningDays: 3 } } },
      ],
    },
  },
  {
    name: "issue 18: shop B's keys on every id of shop A's paid order (B has no order of that id)",
    scenario: {
      orders: [{ amount: 5000, intent: 'Authorize', setup: 'paid', shop: 0 }],
      actions: [
        { t: 'link', o: 0 },
        ...CROSS_OPS.map((op, i): Action => ({ t: 'cross', o: 0, op, pick: i })),
        { t: 'settings', shop: 1, change: { kind: 'valid', patch: { merchantStoreName: 'Fuzz shop', paymentIntent: 'Authorize' } } },
        { t: 'money', o: 0, kind: 'capture', amount: { kind: 'rest' }, rid: { kind: 'fresh' }, wait: true },
      ],
    },
  },
  {
    name: 'issue 18: the same order id in both shops, each paid, captured and refunded; each shop acts on the id',
    scenario: {
      orders: [
        { amount: 5000, intent: 'AuthorizeWithCapture', setup: 'paid', shop: 0 },
        { amount: 7000, intent: 'Authorize', setup: 'paid', shop: 1, twin: true },
      ],
      actions: [
        { t: 'link', o: 0 },
        { t: 'link', o: 1 },
        { t: 'cross', o: 0, op: 'capture', pick: 40 },
        { t: 'cross', o: 1, op: 'refund', pick: 30 },
        { t: 'cross', o: 0, op: 'detail', pick: 0 },
        { t: 'cross', o: 0, op: 'complete', pick: 0 },
        { t: 'cross', o: 1, op: 'review', pick: 0 },
        { t: 'cross', o: 0, op: 'memberByBuyer', pick: 0 },
        { t: 'cross', o: 1, op: 'memberLink', pick: 0 },
        { t: 'cross', o: 0, op: 'eventsOfOrder', pick: 0 },
        { t: 'cross', o: 1, op: 'resend', pick: 1 },
        { t: 'cross', o: 1, op: 'status', pick: 1 },
        { t: 'money', o: 1, kind: 'cancel', amount: { kind: 'rest' }, rid: { kind: 'fresh' }, wait: true },
      ],
    },
  },
];

// ------------------------------------------------------------------------------------------ talking to the stack

interface Answer {
  status: number;
  body: any;
}

/** What a long-lived request may take before it counts as "no answer" (the API's own waits are 25 s at most). */
const REQUEST_TIMEOUT_MS = 45_000;
/** How long a command accepted with 202 may take to reach its outcome (repeated with its requestId). */
const OUTCOME_BOUND_MS = 30_000;
/** How long pending states (refunds after the clock moved, notifications) may take to settle. */
const SETTLE_BOUND_MS = 30_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Role = 'storefront' | 'viewer' | 'editor';
interface CallOpts {
  role?: Role;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

/** One request to the engine, with the given key (or none). */
async function http(api: string, key: string | undefined, method: string, path: string, opts: Omit<CallOpts, 'role'> = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (key !== undefined) headers.authorization = `Bearer ${key}`;
  let body = opts.rawBody;
  if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  try {
    const res = await fetch(`${api}${path}`, { method, headers, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      // not JSON: kept as text
    }
    return { status: res.status, body: parsed };
  } catch (err) {
    return { status: 0, body: { error: { code: 'no_answer', message: err instanceof Error ? err.message : String(err) } } };
  }
}

// ------------------------------------------------------------------------------------------ the two shops

/** A shop as the fuzz suite uses it: its keys, its merchant at Amazon, and its event endpoint (the suite's sink). */
export interface FuzzShop {
  index: ShopIndex;
  label: 'A' | 'B';
  shopId: string;
  keys: Record<Role, string>;
  merchantId: string;
  /** A client signing as the shop's merchant: what Amazon tells that merchant. */
  amazonPay: WebStoreClient;
  endpoint: { id: string; url: string; secret: string };
}

/** An event the engine's relay delivered to a shop's endpoint, as the sink received it. */
interface SinkDelivery {
  shopId: string;
  body: string;
  signature: string | undefined;
}

interface FuzzShops {
  shops: [FuzzShop, FuzzShop];
  /** What each shop's endpoint received (the newest SINK_LIMIT). */
  received: SinkDelivery[];
  close(): Promise<void>;
}

export const SHOP_B_ID = 'fuzz-b';
const SINK_LIMIT = 5_000;
const fuzzShopsOf = new WeakMap<TestStack, Promise<FuzzShops>>();

/**
 * The stack's two shops for the suite, made once per stack: the default shop and shop B (stack.addShop: its own
 * simulated merchant and keys), each with an event endpoint on a sink of the suite's that records what it received.
 */
export function fuzzShops(stack: TestStack): Promise<FuzzShops> {
  let made = fuzzShopsOf.get(stack);
  if (!made) {
    made = makeFuzzShops(stack);
    fuzzShopsOf.set(stack, made);
  }
  return made;
}

/** Closes the event sink of fuzzShops (the relay's later deliveries to it fail, which is fine once the suite is done). */
export async function releaseFuzzShops(stack: TestStack): Promise<void> {
  const made = fuzzShopsOf.get(stack);
  fuzzShopsOf.delete(stack);
  if (made) await (await made).close();
}

async function makeFuzzShops(stack: TestStack): Promise<FuzzShops> {
  const received: SinkDelivery[] = [];
  const sink = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const signature = req.headers['x-engine-signature'];
      received.push({ shopId: decodeURIComponent((req.url ?? '').split('/').pop() ?? ''), body: Buffer.concat(chunks).toString('utf8'), signature: Array.isArray(signature) ? signature[0] : signature });
      if (received.length > SINK_LIMIT) received.splice(0, received.length - SINK_LIMIT);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  // Neither the sink nor the relay's connections to it keep a process alive.
  sink.on('connection', (socket) => socket.unref());
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  sink.unref();
  const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
  const b = await stack.addShop(SHOP_B_ID);
  const endpointOf = async (keys: Record<Role, string>, shopId: string) => {
    const url = `${sinkUrl}/events/${shopId}`;
    const made = await http(stack.api, keys.editor, 'POST', '/api/admin/event-endpoints', { body: { url, description: 'fuzz sink' } });
    if (made.status !== 201) throw new Error(`making ${shopId}'s event endpoint answered ${made.status} ${JSON.stringify(made.body)}`);
    return { id: made.body.endpoint.id as string, url: made.body.endpoint.url as string, secret: made.body.secret as string };
  };
  const a: FuzzShop = { index: 0, label: 'A', shopId: DEFAULT_SHOP_ID, keys: stack.keys, merchantId: stack.merchant.merchantId, amazonPay: stack.amazonPay, endpoint: await endpointOf(stack.keys, DEFAULT_SHOP_ID) };
  const shopB: FuzzShop = { index: 1, label: 'B', shopId: b.shopId, keys: b.keys, merchantId: b.merchant.merchantId, amazonPay: b.amazonPay, endpoint: await endpointOf(b.keys, b.shopId) };
  return {
    shops: [a, shopB],
    received,
    close: () => new Promise<void>((resolve) => sink.close(() => resolve())),
  };
}

// ------------------------------------------------------------------------------------------ the run's model

interface SentCommand {
  kind: MoneyKind;
  rid: string;
  /** The body sent (amount / reason and requestId). */
  body: Record<string, unknown>;
  answers: Answer[];
  /** The answer once it stopped being 202 (or the last 202 if it never did). */
  final?: Answer;
  /** Capturable / refundable / status right before it was sent. */
  before?: Detail;
  label: string;
}

interface OrderModel {
  slot: number;
  orderId: string;
  spec: OrderSpec;
  shop: FuzzShop;
  buyer: FakeBuyer;
  /** The Amazon ids its detail has shown (permission, charges, refunds): what no answer to the other shop may show. */
  known: Set<string>;
  /** The ids of its events, as its own shop lists them. */
  eventIds: Set<string>;
  started: boolean;
  button?: { payloadJSON: string; signature: string; publicKeyId: string };
  sessionId?: string;
  staleSessionId?: string;
  /** Every session this order's own checkout made at Amazon (its merchantReferenceId is this order). */
  sessions: Set<string>;
  paid: boolean;
  completeResult?: unknown;
  commands: SentCommand[];
}

type Detail = {
  status: number;
  paymentStatus?: string;
  capturable: number;
  refundable: number;
  captured: number;
  checkoutSessionId: string | null;
  body: any;
};

/** What of an order's shop a request of the other shop could change (invariant 7a). */
interface VictimView {
  d?: Detail;
  /** id#seq:type of each event of the order. */
  events: string[];
  eventIds: string[];
  /** The shop's event endpoint as it lists it. */
  endpoint: string;
  /** The order's buyer's member link in the shop, as it reads it. */
  member: string;
}

/** The ids a cross-shop request names: the victim's, or (for the comparison) ids that exist nowhere. */
interface CrossIds {
  orderId: string;
  session: string;
  eventId: string;
  endpointId: string;
  memberId: string;
  shopId: string;
}

interface CrossRequest {
  method: string;
  path: string;
  role: Role;
  body?: unknown;
  headers?: Record<string, string>;
}

/** An id in the shape of the engine's event ids (evt_ and 24 hex digits). */
function newEventLikeId(): string {
  return `evt_${randomBytes(12).toString('hex')}`;
}

export interface RunLog {
  tag: string;
  steps: string[];
  violations: string[];
  /** The cross-shop requests of the sequence, by their answer's status ("own" for one routed to the shop's own order of that id). */
  cross: Record<string, number>;
}

class Run {
  readonly orders: OrderModel[];
  readonly log: RunLog;
  private seq = 0;
  /** Every charge id this run's orders showed, for forged notifications. */
  private readonly seenCharges = new Set<string>();
  /**
   * Session ids of one shop's orders that a caller handed to the other shop's API, by `${merchantId}|${session}` of that
   * other shop, with how often that merchant had asked Amazon about the session before the first time. From then on
   * that shop may ask Amazon about it (the review route reads the session while the workflow looks for the order, and
   * that read may land after the answer), and Amazon tells it there is no such session.
   */
  private readonly handedOver = new Map<string, number>();
  readonly shops: [FuzzShop, FuzzShop];

  constructor(
    readonly stack: TestStack,
    readonly sink: FuzzShops,
    readonly scenario: Scenario,
    tag: string,
  ) {
    this.log = { tag, steps: [], violations: [], cross: {} };
    const shops = (this.shops = sink.shops);
    const used: [Set<string>, Set<string>] = [new Set(), new Set()];
    this.orders = [];
    for (const [slot, spec] of scenario.orders.entries()) {
      const shop = shops[spec.shop ?? 0];
      // The same order id as an earlier order of the other shop, when asked and that id is still free in this shop.
      const twinOf = spec.twin ? this.orders.find((x) => x.shop !== shop && !used[shop.index].has(x.orderId)) : undefined;
      const orderId = twinOf?.orderId ?? `FZ-${tag}-${slot}`;
      used[shop.index].add(orderId);
      this.orders.push({ slot, orderId, spec, shop, buyer: FAKE_BUYERS[slot], known: new Set(), eventIds: new Set(), started: false, sessions: new Set<string>(), paid: false, commands: [] });
    }
  }

  /** A request with the shop's key of the role (or none). */
  call(shop: FuzzShop, method: string, path: string, opts: CallOpts = {}): Promise<Answer> {
    const { role, ...rest } = opts;
    return http(this.stack.api, role ? shop.keys[role] : undefined, method, path, rest);
  }

  private name(o: OrderModel): string {
    return `${o.shop.label}:${o.orderId}`;
  }

  private order(o: number): OrderModel {
    return this.orders[o % this.orders.length];
  }
  private nextRid(): string {
    this.seq += 1;
    return `${this.log.tag}-r${this.seq}`;
  }
  step(text: string): void {
    this.log.steps.push(text);
  }
  violate(text: string): void {
    this.log.violations.push(text);
  }

  /** The API's answer must never be an internal failure, and never show another order's buyer. */
  private checkAnswer(what: string, a: Answer, own?: OrderModel): void {
    if (a.status === 0) this.violate(`${what}: no answer within ${REQUEST_TIMEOUT_MS} ms (${a.body?.error?.message})`);
    if (a.status >= 500 && a.status !== 503) this.violate(`${what}: answered ${a.status} ${JSON.stringify(a.body).slice(0, 300)}`);
    if (own) this.checkBuyer(what, a.body, own);
  }

  private checkBuyer(what: string, body: unknown, own: OrderModel): void {
    const text = JSON.stringify(body ?? null);
    for (const b of FAKE_BUYERS) {
      if (b.buyerId === own.buyer.buyerId) continue;
      // Only the buyers of this run's other orders can have reached this order's answers.
      if (!this.orders.some((x) => x.buyer.buyerId === b.buyerId)) continue;
      for (const needle of [b.buyerId, b.email, b.name]) {
        if (text.includes(needle)) this.violate(`${what}: the answer for ${this.name(own)} shows another order's buyer (${needle})`);
      }
    }
  }

  /** Bad input gets a clear 4xx that shows nothing internal. */
  private checkRefused(what: string, a: Answer): void {
    if (a.status < 400 || a.status >= 500) this.violate(`${what}: expected a 4xx refusal, got ${a.status} ${JSON.stringify(a.body).slice(0, 200)}`);
    const text = JSON.stringify(a.body ?? '');
    const leak = /StringToSign|signing string|AMZN-PAY-RSASSA|x-amz-pay-|node_modules|\bat [\w.<>]+ \(|prisma/i.exec(text) ?? /\bE(CONN[A-Z]+|NOTFOUND|TIMEDOUT)\b|BEGIN [A-Z ]*PRIVATE KEY|\bSELECT\b/.exec(text);
    if (leak) this.violate(`${what}: the refusal shows internals ("${leak[0]}"): ${text.slice(0, 300)}`);
  }

  async detail(o: OrderModel): Promise<Detail> {
    const a = await this.call(o.shop, 'GET', `/api/admin/orders/${o.orderId}`, { role: 'viewer' });
    this.checkAnswer(`detail ${this.name(o)}`, a, o);
    const b = a.body ?? {};
    if (a.status === 200) {
      for (const id of [b.chargePermissionId, b.checkoutSessionId, ...((b.chargeIds as unknown[] | undefined) ?? []), ...((b.history as Array<{ amazonObjectId?: unknown }> | undefined) ?? []).map((h) => h.amazonObjectId)])
        if (typeof id === 'string' && id.length >= 8) o.known.add(id);
    }
    return {
      status: a.status,
      paymentStatus: b.paymentStatus,
      capturable: b.amounts?.capturable?.amount ?? 0,
      refundable: b.amounts?.refundable?.amount ?? 0,
      captured: b.amounts?.captured?.amount ?? 0,
      checkoutSessionId: b.checkoutSessionId ?? null,
      body: b,
    };
  }

  // ---------------------------------------------------------------------------------------- checkout steps

  private async open(o: OrderModel): Promise<void> {
    const body = {
      orderId: o.orderId,
      amount: { amount: o.spec.amount, currency: 'JPY' },
      paymentIntent: o.spec.intent,
      reviewReturnUrl: 'https://shop.example/review',
      resultReturnUrl: 'https://shop.example/result',
    };
    if (o.started) {
      // The same order started again (another amount): never a second checkout for one order.
      const again = await this.call(o.shop, 'POST', '/api/checkouts', { role: 'storefront', body: { ...body, amount: { amount: o.spec.amount + 1, currency: 'JPY' } } });
      this.step(`open ${this.name(o)} again → ${again.status}`);
      this.checkAnswer(`second start of ${this.name(o)}`, again, o);
      if (again.status < 400) this.violate(`second start of ${this.name(o)}: accepted (${again.status}); one order has one checkout`);
      return;
    }
    const started = await this.call(o.shop, 'POST', '/api/checkouts', { role: 'storefront', body });
    this.checkAnswer(`start ${this.name(o)}`, started, o);
    this.step(`open ${this.name(o)} (${o.spec.amount} JPY, ${o.spec.intent}) → ${started.status}`);
    if (started.status !== 201) {
      this.violate(`start ${this.name(o)}: an honest checkout start was refused: ${started.status} ${JSON.stringify(started.body).slice(0, 200)}`);
      return;
    }
    o.started = true;
    o.button = { payloadJSON: started.body.payloadJSON, signature: started.body.signature, publicKeyId: started.body.publicKeyId };
    o.sessionId = await this.newSession(o);
  }

  /** The buyer presses the order's Amazon Pay button and signs in (as this order's own buyer). */
  private async newSession(o: OrderModel): Promise<string | undefined> {
    if (!o.button) return undefined;
    const button = await this.stack.control<{ checkoutSessionId: string }>('POST', '/__sim/buyer/checkout', o.button);
    if (button.status !== 201) {
      this.violate(`button of ${this.name(o)}: the simulator refused the engine's signed button: ${button.status} ${JSON.stringify(button.data)}`);
      return undefined;
    }
    const id = button.data.checkoutSessionId;
    o.sessions.add(id);
    await this.stack.control('POST', `/__sim/buyer/checkout-sessions/${id}/approve`, { buyerId: o.buyer.buyerId });
    return id;
  }

  private async staleSession(o: OrderModel): Promise<string | undefined> {
    if (o.staleSessionId) return o.staleSessionId;
    const id = await this.newSession(o);
    if (!id) return undefined;
    // The buyer gave up on this one at Amazon.
    await this.stack.control('POST', `/__sim/buyer/checkout-sessions/${id}/cancel`, {});
    o.staleSessionId = id;
    return id;
  }

  private async pay(o: OrderModel): Promise<void> {
    if (!o.started) await this.open(o);
    if (!o.started || !o.sessionId) return;
    const before = await this.detail(o);
    const id = o.sessionId;
    if (o.paid) {
      // The buyer reloads the result page: the first result again, nothing moves.
      const again = await this.call(o.shop, 'POST', `/api/checkouts/${o.orderId}/complete`, { role: 'storefront', body: { amazonCheckoutSessionId: id } });
      this.step(`pay ${this.name(o)} again (result page reloaded) → ${again.status}`);
      this.checkAnswer(`complete ${this.name(o)} again`, again, o);
      return;
    }
    const review = await this.call(o.shop, 'GET', `/api/checkouts/${o.orderId}?amazonCheckoutSessionId=${encodeURIComponent(id)}`, { role: 'storefront' });
    this.checkAnswer(`review ${this.name(o)} (own session)`, review, o);
    let outcome = `review ${review.status}`;
    let ok = review.status === 200;
    if (ok) {
      const confirm = await this.call(o.shop, 'POST', `/api/checkouts/${o.orderId}/confirm`, { role: 'storefront', body: {} });
      this.checkAnswer(`confirm ${this.name(o)}`, confirm, o);
      outcome += `, confirm ${confirm.status}`;
      ok = confirm.status === 200;
    }
    if (ok) {
      const approve = await this.stack.control('POST', `/__sim/buyer/checkout-sessions/${id}/approve`, { buyerId: o.buyer.buyerId });
      outcome += `, approve ${approve.status}`;
      const complete = await this.call(o.shop, 'POST', `/api/checkouts/${o.orderId}/complete`, { role: 'storefront', body: { amazonCheckoutSessionId: id } });
      this.checkAnswer(`complete ${this.name(o)} (own session)`, complete, o);
      outcome += `, complete ${complete.status}`;
      ok = complete.status === 200;
      if (ok) {
        o.paid = true;
        o.completeResult = complete.body;
        for (const c of (complete.body?.amazonObjectIds as string[] | undefined) ?? []) this.seenCharges.add(c);
      }
    }
    this.step(`pay ${this.name(o)} → ${outcome}`);
    // An honest buyer can always pay for an order still waiting for its checkout, whatever was tried on it or on other orders.
    if (!ok && before.paymentStatus === 'CheckoutPending') this.violate(`pay ${this.name(o)}: an honest checkout of an order in CheckoutPending failed (${outcome})`);
  }

  private async sessionFor(o: OrderModel, ref: SessionRef, pick: number, malformed: string): Promise<string | undefined> {
    switch (ref) {
      case 'own':
        return o.sessionId;
      case 'foreign': {
        const others = this.orders.filter((x) => x !== o && x.sessionId !== undefined);
        return others.length === 0 ? undefined : others[pick % others.length].sessionId;
      }
      case 'stale':
        return o.started ? this.staleSession(o) : undefined;
      case 'malformed':
        return malformed;
    }
  }

  private countCross(key: string): void {
    this.log.cross[key] = (this.log.cross[key] ?? 0) + 1;
  }

  /** Sends a request that hands the session id to the shop's API (noting what that shop had asked Amazon about it before). */
  private async handOver(shop: FuzzShop, session: string, send: () => Promise<Answer>): Promise<Answer> {
    const k = `${shop.merchantId}|${session}`;
    if (!this.handedOver.has(k)) {
      const calls = (await this.stack.control<{ calls: SignedCall[] }>('GET', `/__sim/calls?objectId=${encodeURIComponent(session)}&merchantId=${encodeURIComponent(shop.merchantId)}`)).data.calls ?? [];
      this.handedOver.set(k, calls.filter((c) => c.operation === 'getCheckoutSession').length);
    }
    return send();
  }

  /** Whether the session belongs to an order of another shop than o's. */
  private foreignShopSession(o: OrderModel, id: string): boolean {
    const owner = this.sessionOwner(id);
    return owner !== undefined && owner.shop !== o.shop;
  }

  /** The order of this run whose checkout made the session, if any. */
  private sessionOwner(id: string): OrderModel | undefined {
    return this.orders.find((x) => x.sessions.has(id));
  }

  private async reviewOrComplete(step: 'review' | 'complete', o: OrderModel, ref: SessionRef, pick: number, malformed: string, session?: string): Promise<void> {
    const id = session ?? (await this.sessionFor(o, ref, pick, malformed));
    if (id === undefined) {
      this.step(`${step} ${this.name(o)} with a ${ref} session → skipped (none yet)`);
      return;
    }
    const before = o.started ? await this.detail(o) : undefined;
    const send = () =>
      step === 'review'
        ? this.call(o.shop, 'GET', `/api/checkouts/${o.orderId}?amazonCheckoutSessionId=${encodeURIComponent(id)}`, { role: 'storefront' })
        : this.call(o.shop, 'POST', `/api/checkouts/${o.orderId}/complete`, { role: 'storefront', body: { amazonCheckoutSessionId: id } });
    const a = this.foreignShopSession(o, id) ? await this.handOver(o.shop, id, send) : await send();
    const owner = ref === 'foreign' ? this.sessionOwner(id) : undefined;
    const what = `${step} ${this.name(o)} with ${ref === 'foreign' ? `${owner ? this.name(owner) : 'another order'}'s` : `a ${ref}`} session ${JSON.stringify(id.slice(0, 60))}`;
    this.step(`${what} → ${a.status} ${a.body?.error?.code ?? a.body?.paymentStatus ?? ''}`);
    this.checkAnswer(what, a, o);
    if (ref === 'own' && step === 'complete' && a.status === 200) {
      o.paid = true;
      o.completeResult = a.body;
    }
    if (ref === 'foreign') {
      if (a.status >= 200 && a.status < 300) this.violate(`${what}: accepted (${a.status}); an order's checkout is its own session only`);
      else if (a.status === 409 && a.body?.error?.code !== 'checkout_session_mismatch' && before?.paymentStatus === 'CheckoutPending')
        this.violate(`${what}: refused with ${a.body?.error?.code}, expected checkout_session_mismatch`);
    }
    if (ref === 'malformed') this.checkRefused(what, a);
    if (ref === 'stale' && step === 'complete' && a.status >= 200 && a.status < 300 && !o.paid) this.violate(`${what}: a canceled session completed (${a.status})`);
    if ((ref === 'foreign' || ref === 'malformed') && before && before.status === 200 && (a.status < 200 || a.status >= 300)) {
      // A refused request changes nothing.
      // A pending refund, capture or authorization may settle at any moment once the clock has moved (Amazon's
      // delay, its notification): that change of status is not the refused request's doing.
      const after = await this.detail(o);
      const settledMeanwhile = isPending(before) && after.paymentStatus !== before.paymentStatus;
      if (after.checkoutSessionId !== before.checkoutSessionId || (after.paymentStatus !== before.paymentStatus && !settledMeanwhile))
        this.violate(`${what}: refused (${a.status}) but the order changed: session ${before.checkoutSessionId} → ${after.checkoutSessionId}, status ${before.paymentStatus} → ${after.paymentStatus}`);
    }
  }

  // ---------------------------------------------------------------------------------------- money commands

  private pickSent(o: OrderModel, kind: MoneyKind, pick: number, filter: (c: SentCommand) => boolean = () => true): SentCommand | undefined {
    const list = o.commands.filter((c) => c.kind === kind && filter(c));
    return list.length === 0 ? undefined : list[pick % list.length];
  }

  private amountOf(spec: AmountSpec, kind: MoneyKind, o: OrderModel, d: Detail): number {
    const base = kind === 'refund' ? d.refundable || d.captured || o.spec.amount : d.capturable || o.spec.amount;
    switch (spec.kind) {
      case 'part':
        return Math.max(1, Math.floor((base * spec.pct) / 100));
      case 'rest':
        return base;
      case 'over':
        return base + spec.by;
      case 'huge':
        return spec.value;
    }
  }

  /** The command to send: its body and requestId, from the spec and what was sent before. */
  private prepare(o: OrderModel, cmd: MoneyCmd, d: Detail): { rid: string; body: Record<string, unknown>; note: string; firstAccepted?: SentCommand } {
    const fresh = (rid: string, note: string) => {
      const body: Record<string, unknown> = cmd.kind === 'cancel' ? { requestId: rid, reason: 'fuzz' } : { amount: this.amountOf(cmd.amount, cmd.kind, o, d), requestId: rid };
      return { rid, body, note };
    };
    const spec = cmd.rid;
    if (spec.kind === 'repeat') {
      const prev = this.pickSent(o, cmd.kind, spec.pick);
      if (prev) return { rid: prev.rid, body: { ...prev.body }, note: 'repeated', firstAccepted: this.firstAccepted(o, cmd.kind, prev.rid) };
    }
    if (spec.kind === 'reuse') {
      const prev = this.pickSent(o, cmd.kind, spec.pick);
      if (prev) {
        const body = cmd.kind === 'cancel' ? { requestId: prev.rid, reason: `${String(prev.body.reason ?? 'fuzz')}-other` } : { requestId: prev.rid, amount: Number(prev.body.amount) + 1 };
        return { rid: prev.rid, body, note: 'reused with other parameters', firstAccepted: this.firstAccepted(o, cmd.kind, prev.rid) };
      }
    }
    if (spec.kind === 'otherOrder') {
      const other = this.orders.filter((x) => x !== o).flatMap((x) => x.commands.filter((c) => c.kind === cmd.kind));
      if (other.length > 0) return fresh(other[spec.pick % other.length].rid, "another order's requestId");
    }
    return fresh(this.nextRid(), 'fresh');
  }

  private firstAccepted(o: OrderModel, kind: MoneyKind, rid: string): SentCommand | undefined {
    return o.commands.find((c) => c.kind === kind && c.rid === rid && c.answers.some((a) => a.status === 200 || a.status === 202));
  }

  private path(o: OrderModel, kind: MoneyKind): string {
    return `/api/admin/orders/${o.orderId}/${kind === 'refund' ? 'refunds' : kind}`;
  }

  private async send(o: OrderModel, kind: MoneyKind, prepared: ReturnType<Run['prepare']>, wait: boolean, d: Detail): Promise<SentCommand> {
    const sent: SentCommand = { kind, rid: prepared.rid, body: prepared.body, answers: [], before: d, label: `${kind} ${this.name(o)} ${JSON.stringify(prepared.body)} (${prepared.note})` };
    o.commands.push(sent);
    const a = await this.call(o.shop, 'POST', `${this.path(o, kind)}${wait ? '?waitMs=8000' : ''}`, { role: 'editor', body: prepared.body });
    sent.answers.push(a);
    this.checkAnswer(sent.label, a, o);
    if (a.status !== 202) sent.final = a;
    return sent;
  }

  /** Checks on one command's answer that need nothing but the command (and the first use of its requestId). */
  private checkCommand(sent: SentCommand, prepared: { note: string; firstAccepted?: SentCommand }): void {
    const a = sent.final ?? sent.answers[sent.answers.length - 1];
    const amount = typeof sent.body.amount === 'number' ? sent.body.amount : undefined;
    const accepted = a.status === 200 || a.status === 202;
    if (amount !== undefined && amount > AMAZON_MAX_JPY && accepted) this.violate(`${sent.label}: an amount over Amazon's maximum (${AMAZON_MAX_JPY} JPY) was accepted (${a.status})`);
    const first = prepared.firstAccepted;
    if (first && first !== sent) {
      const sameParams = JSON.stringify(first.body) === JSON.stringify(sent.body);
      // Refused as reused; a finished order may say so instead (order_closed), it is refused either way.
      if (!sameParams && !(a.status === 409 && (a.body?.error?.code === 'request_id_reused' || a.body?.error?.code === 'order_closed')))
        this.violate(`${sent.label}: a requestId reused with other parameters answered ${a.status} ${JSON.stringify(a.body).slice(0, 200)}, expected 409 request_id_reused`);
      if (sameParams && first.final?.status === 200 && sent.final?.status === 200 && JSON.stringify(first.final.body.result) !== JSON.stringify(sent.final.body.result))
        this.violate(`${sent.label}: the same request again answered another result: ${JSON.stringify(sent.final.body.result)} vs ${JSON.stringify(first.final.body.result)}`);
      if (sameParams && first.final?.status === 200 && sent.final !== undefined && sent.final.status !== 200)
        this.violate(`${sent.label}: the same request again answered ${sent.final.status}, the first answered 200`);
    }
  }

  /** Repeats a 202 with its requestId until it has an outcome; bounded. */
  private async resolve(o: OrderModel, sent: SentCommand): Promise<void> {
    const deadline = Date.now() + OUTCOME_BOUND_MS;
    while (sent.final === undefined && Date.now() < deadline) {
      const a = await this.call(o.shop, 'POST', `${this.path(o, sent.kind)}?waitMs=5000`, { role: 'editor', body: sent.body });
      sent.answers.push(a);
      this.checkAnswer(`${sent.label} repeated`, a, o);
      if (a.status !== 202) sent.final = a;
    }
    if (sent.final === undefined) this.violate(`${sent.label}: accepted (202) but no outcome within ${OUTCOME_BOUND_MS} ms of repeating it with its requestId (order wedged)`);
  }

  private checkResult(o: OrderModel, sent: SentCommand): void {
    const f = sent.final;
    if (!f || f.status !== 200) return;
    const result = f.body?.result ?? {};
    if (sent.kind !== 'cancel' && typeof sent.body.amount === 'number' && result.amount !== sent.body.amount)
      this.violate(`${sent.label}: answered 200 with the result of another request (amount ${result.amount}, asked ${sent.body.amount})`);
    if (sent.kind === 'cancel' && !(typeof result.amount === 'number' && result.amount > 0))
      this.violate(`${sent.label}: answered 200 "completed" but released nothing (${JSON.stringify(result).slice(0, 200)}); a cancel with nothing to cancel is a 409`);
    void o;
  }

  private async money(o: OrderModel, cmd: MoneyCmd): Promise<void> {
    const d = o.started ? await this.detail(o) : { status: 404, capturable: 0, refundable: 0, captured: 0, checkoutSessionId: null, body: {} };
    const prepared = this.prepare(o, cmd, d);
    const sent = await this.send(o, cmd.kind, prepared, cmd.wait, d);
    await this.resolve(o, sent);
    this.step(`${sent.label} → ${sent.answers.map((a) => a.status).join('/')} ${sent.final?.body?.error?.code ?? sent.final?.body?.result?.paymentStatus ?? ''}`);
    this.checkCommand(sent, prepared);
    this.checkResult(o, sent);
  }

  private async race(o: OrderModel, cmds: Array<MoneyCmd & { raceRid: RaceRid }>): Promise<void> {
    const d = o.started ? await this.detail(o) : { status: 404, capturable: 0, refundable: 0, captured: 0, checkoutSessionId: null, body: {} };
    const prepared = cmds.map((c) => this.prepare(o, c, d));
    // Some share the first one's requestId (a double click), with their own parameters.
    cmds.forEach((c, i) => {
      if (i > 0 && c.raceRid === 'sameAsFirst' && c.kind === cmds[0].kind) {
        prepared[i] = { ...prepared[i], rid: prepared[0].rid, body: { ...prepared[i].body, requestId: prepared[0].rid }, note: 'same requestId as the first, sent at once' };
      }
    });
    const sent = await Promise.all(cmds.map((c, i) => this.send(o, c.kind, prepared[i], true, d)));
    await Promise.all(sent.map((s) => this.resolve(o, s)));
    this.step(`race on ${this.name(o)} (capturable ${d.capturable}, ${d.paymentStatus}): ${sent.map((s) => `${s.label} → ${s.answers.map((a) => a.status).join('/')} ${s.final?.body?.error?.code ?? ''}`).join(' | ')}`);
    for (const s of sent) {
      this.checkCommand(s, { note: '' });
      this.checkResult(o, s);
    }
    // The same requestId sent at once: one request, one result, whichever parameters came first.
    const byRid = new Map<string, SentCommand[]>();
    for (const s of sent) byRid.set(`${s.kind}:${s.rid}`, [...(byRid.get(`${s.kind}:${s.rid}`) ?? []), s]);
    for (const group of byRid.values()) {
      const ok = group.filter((s) => s.final?.status === 200);
      const params = new Set(ok.map((s) => JSON.stringify(s.body)));
      if (params.size > 1) this.violate(`race on ${this.name(o)}: one requestId answered 200 for two different requests: ${ok.map((s) => s.label).join(' / ')}`);
      const results = new Set(ok.filter((s) => JSON.stringify(s.body) === JSON.stringify(ok[0].body)).map((s) => JSON.stringify(s.final?.body?.result)));
      if (results.size > 1) this.violate(`race on ${this.name(o)}: the same request sent twice at once answered two results`);
    }
    // Capture against cancel: the loser answers 409 with the current state.
    if (d.paymentStatus === 'Authorized') {
      const cancelWon = sent.some((s) => s.kind === 'cancel' && s.final?.status === 200);
      const fullCaptureWon = sent.some((s) => s.kind === 'capture' && s.final?.status === 200 && s.body.amount === d.capturable);
      for (const s of sent) {
        // A capture that asked for more than another capture of the same race left is an amount refusal (422), not a lost race.
        const otherCaptureWon = sent.some((x) => x !== s && x.kind === 'capture' && x.final?.status === 200);
        const lostCapture = cancelWon && !otherCaptureWon && s.kind === 'capture' && typeof s.body.amount === 'number' && s.body.amount <= d.capturable && s.final !== undefined && s.final.status !== 200;
        const lostCancel = fullCaptureWon && s.kind === 'cancel' && s.final !== undefined;
        if ((lostCapture || lostCancel) && s.final?.status !== 409) this.violate(`race on ${this.name(o)}: ${s.label} lost the capture/cancel race and answered ${s.final?.status} ${s.final?.body?.error?.code ?? s.final?.body?.status ?? ''}, expected 409`);
      }
    }
  }

  // ---------------------------------------------------------------------------------------- notifications

  private async deliveries(): Promise<Array<{ status: string; envelope: Record<string, string>; chargePermissionId: string; objectId: string }>> {
    const r = await this.stack.control<{ deliveries: Array<{ status: string; envelope: Record<string, string>; chargePermissionId: string; objectId: string }> }>('GET', '/__sim/ipn');
    return (r.data.deliveries ?? []).filter((d) => d.status === 'delivered').slice(-40);
  }

  private async postEnvelope(raw: string): Promise<Answer> {
    return http(this.stack.api, undefined, 'POST', '/api/webhooks/amazon-pay', { rawBody: raw, headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification' } });
  }

  private async ipn(kind: IpnKind, pick: number, count: number): Promise<void> {
    if (kind === 'duplicateNext' || kind === 'reorderNext') {
      const r = await this.stack.control('POST', '/__sim/ipn/controls', { action: kind === 'duplicateNext' ? 'duplicate' : 'reorder', count: Math.max(count, kind === 'reorderNext' ? 2 : 1) });
      this.step(`notifications: ${kind} ×${count} → ${r.status}`);
      return;
    }
    const list = await this.deliveries();
    if (list.length === 0) {
      this.step(`notifications: ${kind} → skipped (none delivered yet)`);
      return;
    }
    const chosen = kind === 'resendOne' ? [list[pick % list.length]] : list.slice(-Math.max(2, count)).reverse();
    const statuses: number[] = [];
    for (const d of chosen) {
      const a = await this.postEnvelope(JSON.stringify(d.envelope));
      statuses.push(a.status);
      this.checkAnswer(`re-sent notification ${d.envelope.MessageId}`, a);
    }
    this.step(`notifications: ${kind} (${chosen.length} re-sent) → ${statuses.join('/')}`);
  }

  private async forge(kind: ForgeKind, pick: number): Promise<void> {
    const list = await this.deliveries();
    const base = list.length > 0 ? list[pick % list.length].envelope : undefined;
    const charges = [...this.seenCharges];
    const notificationId = `forged-${this.log.tag}-${this.nextRid()}`;
    const message = (objectId: string) => JSON.stringify({ ObjectType: 'CHARGE', ObjectId: objectId, NotificationId: notificationId, NotificationType: 'STATE_CHANGE', NotificationVersion: 'V2' });
    const target = charges.length > 0 ? charges[pick % charges.length] : 'S03-0000000-0000000-C000000';
    const envelope: Record<string, string> = base
      ? { ...base }
      : {
          Type: 'Notification',
          MessageId: notificationId,
          TopicArn: 'arn:aws:sns:us-east-1:000000000000:AmazonPaySimulator',
          Timestamp: new Date().toISOString(),
          SignatureVersion: '2',
          Signature: Buffer.from('x'.repeat(256)).toString('base64'),
          SigningCertURL: `${this.stack.sim.baseUrl}/__sim/sns/SimpleNotificationService-simulator.pem`,
        };
    envelope.Message = message(target);
    let raw: string;
    switch (kind) {
      case 'badSignature':
        envelope.Signature = randomBytes(256).toString('base64');
        raw = JSON.stringify(envelope);
        break;
      case 'swappedObject':
        // A real envelope whose Message now names another charge: the signature no longer matches.
        raw = JSON.stringify(envelope);
        break;
      case 'untrustedCertUrl':
        envelope.SigningCertURL = 'https://sns.attacker.example/SimpleNotificationService-x.pem';
        raw = JSON.stringify(envelope);
        break;
      case 'notJson':
        raw = `{"Type":"Notification","Message":${JSON.stringify(envelope.Message)}`;
        break;
      case 'noSignature':
        delete envelope.Signature;
        raw = JSON.stringify(envelope);
        break;
    }
    const a = await this.postEnvelope(raw);
    const what = `forged notification (${kind}) about ${target}`;
    this.step(`${what} → ${a.status} ${a.body?.error?.code ?? ''}`);
    this.checkAnswer(what, a);
    this.checkRefused(what, a);
    const row = await this.stack.db.prisma.processedNotification.findUnique({ where: { notificationId } });
    if (row) this.violate(`${what}: the engine processed it (notification ${notificationId} recorded for order ${row.orderId})`);
  }

  // ---------------------------------------------------------------------------------------- settings

  private async readSettings(shop: FuzzShop): Promise<{ settings: Record<string, unknown>; stored: unknown; merchantId: unknown }> {
    const a = await this.call(shop, 'GET', '/api/admin/settings', { role: 'viewer' });
    this.checkAnswer(`read ${shop.label}'s settings`, a);
    return { settings: a.body?.settings ?? {}, stored: a.body?.amazonPay?.stored ?? null, merchantId: a.body?.amazonPay?.merchantId ?? null };
  }

  async resetSettings(): Promise<void> {
    for (const shop of this.shops) {
      const a = await this.call(shop, 'PUT', '/api/admin/settings', {
        role: 'editor',
        body: { enabled: true, paymentIntent: 'AuthorizeWithCapture', canHandlePendingAuthorization: false, linkOrderStatus: false, expiryWarningDays: 7, softDescriptor: 'FUZZ' },
      });
      if (a.status !== 200) this.violate(`resetting ${shop.label}'s settings answered ${a.status} ${JSON.stringify(a.body).slice(0, 200)}`);
    }
  }

  /** A settings change of one shop; the other shop's settings stay as they were. */
  private async settings(change: SettingsChange, shop: FuzzShop): Promise<void> {
    const other = this.shops[1 - shop.index];
    const before = await this.readSettings(other);
    await this.settingsOf(change, shop);
    const after = await this.readSettings(other);
    if (JSON.stringify(after) !== JSON.stringify(before))
      this.violate(`a settings change of shop ${shop.label} changed shop ${other.label}'s settings: ${JSON.stringify(before).slice(0, 300)} → ${JSON.stringify(after).slice(0, 300)}`);
  }

  private async settingsOf(change: SettingsChange, shop: FuzzShop): Promise<void> {
    const put = (body: unknown) => this.call(shop, 'PUT', '/api/admin/settings', { role: 'editor', body });
    if (change.kind === 'valid') {
      const a = await put(change.patch);
      this.step(`${shop.label} settings ${JSON.stringify(change.patch)} → ${a.status}`);
      this.checkAnswer('settings change', a);
      if (a.status !== 200) this.violate(`${shop.label} settings ${JSON.stringify(change.patch)}: a valid change was refused (${a.status})`);
      const now = await this.readSettings(shop);
      for (const [k, v] of Object.entries(change.patch)) if (JSON.stringify(now.settings[k]) !== JSON.stringify(v)) this.violate(`settings ${k}: stored ${JSON.stringify(now.settings[k])}, sent ${JSON.stringify(v)}`);
      return;
    }
    if (change.kind === 'invalidWithCredentials') {
      const before = await this.readSettings(shop);
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
      const body = {
        ...change.patch,
        amazonPay: { merchantId: `FUZZ${randomBytes(4).toString('hex').toUpperCase()}`, storeId: `amzn1.application-oa2-client.${randomBytes(16).toString('hex')}`, publicKeyId: `SANDBOX-FUZZ${randomBytes(4).toString('hex').toUpperCase()}`, privateKey },
      };
      const a = await put(body);
      const what = `${shop.label} settings ${JSON.stringify(change.patch)} with credentials`;
      this.step(`${what} → ${a.status}`);
      this.checkRefused(what, a);
      if (JSON.stringify(a.body).includes('BEGIN PRIVATE KEY')) this.violate(`${what}: the answer carries the private key`);
      const after = await this.readSettings(shop);
      if (JSON.stringify(after) !== JSON.stringify(before)) this.violate(`${what}: refused (${a.status}) but something was stored: ${JSON.stringify(before).slice(0, 200)} → ${JSON.stringify(after).slice(0, 200)}`);
      return;
    }
    const [a, b] = await Promise.all([put(change.a), put(change.b)]);
    this.step(`${shop.label} settings ${JSON.stringify(change.a)} and ${JSON.stringify(change.b)} at once → ${a.status}/${b.status}`);
    this.checkAnswer('concurrent settings change', a);
    this.checkAnswer('concurrent settings change', b);
    const now = await this.readSettings(shop);
    for (const [k, v] of Object.entries({ ...change.a, ...change.b })) {
      if (JSON.stringify(now.settings[k]) !== JSON.stringify(v)) this.violate(`two partial settings changes at once: ${k} is ${JSON.stringify(now.settings[k])}, sent ${JSON.stringify(v)} (an update was lost)`);
    }
  }

  // ---------------------------------------------------------------------------------------- members and the other shop (issue 18)

  /**
   * The member the order's shop links the order's buyer to: one per shop and buyer (Amazon's buyer is linked to one
   * member of a shop), named after the shop so the other shop never makes it, and not after the buyer's id (an answer
   * that repeats the member id asked about would seem to show the buyer).
   */
  private memberOf(o: OrderModel): string {
    return `fzm-${o.shop.shopId}-buyer${FAKE_BUYERS.indexOf(o.buyer)}`;
  }

  private async link(o: OrderModel): Promise<void> {
    const a = await this.call(o.shop, 'POST', '/api/members/links', { role: 'storefront', body: { memberId: this.memberOf(o), memberEmail: o.buyer.email, orderId: o.orderId } });
    this.step(`link ${this.name(o)}'s buyer as member ${this.memberOf(o)} → ${a.status} ${a.body?.error?.code ?? (a.body?.created === false ? 'linked before' : '')}`);
    this.checkAnswer(`link the member of ${this.name(o)}`, a, o);
  }

  /** What of the order's shop a cross-shop request could change: the order, its events, the shop's endpoint, the buyer's member link. */
  private async victimView(v: OrderModel): Promise<VictimView> {
    const y = v.shop;
    const d = v.started ? await this.detail(v) : undefined;
    const ev = await this.call(y, 'GET', `/api/events?orderId=${encodeURIComponent(v.orderId)}&limit=100`, { role: 'storefront' });
    this.checkAnswer(`events of ${this.name(v)}`, ev, v);
    const list = (ev.body?.data as Array<{ id: string; seq: number; type: string }> | undefined) ?? [];
    for (const e of list) v.eventIds.add(e.id);
    const endpoints = await this.call(y, 'GET', '/api/admin/event-endpoints', { role: 'viewer' });
    const member = await this.call(y, 'GET', `/api/members/${encodeURIComponent(this.memberOf(v))}`, { role: 'viewer' });
    return {
      d,
      events: list.map((e) => `${e.id}#${e.seq}:${e.type}`),
      eventIds: list.map((e) => e.id),
      endpoint: JSON.stringify(((endpoints.body?.data as Array<{ id: string }> | undefined) ?? []).find((e) => e.id === y.endpoint.id) ?? null),
      member: `${member.status} ${JSON.stringify(member.body?.link ?? null)}`,
    };
  }

  /** Nothing of the order's shop changed across a request of the other shop (a pending state may settle meanwhile). */
  private async checkUnchanged(what: string, v: OrderModel, before: VictimView): Promise<void> {
    const after = await this.victimView(v);
    const changes: string[] = [];
    const settling = before.d !== undefined && isPending(before.d);
    if (before.d && after.d) {
      const [b, n] = [before.d, after.d];
      if (n.status !== b.status) changes.push(`detail answered ${b.status}, now ${n.status}`);
      if (n.checkoutSessionId !== b.checkoutSessionId) changes.push(`session ${b.checkoutSessionId} → ${n.checkoutSessionId}`);
      if (n.body.orderStatus !== b.body.orderStatus) changes.push(`order status ${b.body.orderStatus} → ${n.body.orderStatus}`);
      if (!settling) {
        if (n.paymentStatus !== b.paymentStatus) changes.push(`payment status ${b.paymentStatus} → ${n.paymentStatus}`);
        if (JSON.stringify(n.body.amounts) !== JSON.stringify(b.body.amounts)) changes.push(`amounts ${JSON.stringify(b.body.amounts)} → ${JSON.stringify(n.body.amounts)}`);
        if (JSON.stringify(n.body.chargeIds ?? []) !== JSON.stringify(b.body.chargeIds ?? [])) changes.push(`charges ${JSON.stringify(b.body.chargeIds)} → ${JSON.stringify(n.body.chargeIds)}`);
      }
    }
    if (before.events.some((e, i) => after.events[i] !== e)) changes.push(`events ${before.events.join(', ')} → ${after.events.join(', ')}`);
    else if (after.events.length > before.events.length && !settling) changes.push(`new events ${after.events.slice(before.events.length).join(', ')}`);
    if (after.endpoint !== before.endpoint) changes.push(`its event endpoint ${before.endpoint} → ${after.endpoint}`);
    if (after.member !== before.member) changes.push(`member ${this.memberOf(v)}: ${before.member} → ${after.member}`);
    if (changes.length > 0) this.violate(`${what}: shop ${v.shop.label} changed: ${changes.join('; ')}`);
  }

  /** What no answer to the other shop may show of an order: its buyer, its Amazon ids, its events, its shop's endpoint and member, its merchant. */
  private needlesOf(v: OrderModel): string[] {
    return [
      v.buyer.buyerId,
      v.buyer.email,
      v.buyer.name,
      ...v.sessions,
      ...v.known,
      ...v.eventIds,
      this.memberOf(v),
      v.shop.endpoint.id,
      v.shop.endpoint.url,
      v.shop.endpoint.secret,
      v.shop.merchantId,
    ];
  }

  /** The answer to the other shop shows nothing of v (what the request itself carried aside); without an order of its own, not v's amount either. */
  private checkLeak(what: string, v: OrderModel, a: Answer, requestText: string, own: OrderModel | undefined, opts: { buyerIsShared?: boolean } = {}): void {
    const text = JSON.stringify(a.body ?? null);
    const buyer = new Set([v.buyer.buyerId, v.buyer.email, v.buyer.name]);
    const shown = [...new Set(this.needlesOf(v))].filter((needle) => !(opts.buyerIsShared && buyer.has(needle))).filter((needle) => needle && !requestText.includes(needle) && text.includes(needle)).map((n) => JSON.stringify(n.slice(0, 60)));
    if (!own && new RegExp(`"amount":${v.spec.amount}(?![0-9])`).test(text) && !requestText.includes(String(v.spec.amount))) shown.push(`the amount ${v.spec.amount}`);
    if (shown.length > 0) this.violate(`${what}: the answer shows ${this.name(v)}'s ${shown.join(', ')}: ${text.slice(0, 300)}`);
  }

  /** The request op makes about the ids given (the victim's, or ids that exist nowhere), as the other shop. */
  private crossRequest(op: CrossOp, ids: CrossIds, v: OrderModel, x: FuzzShop, pick: number): CrossRequest {
    const order = `/api/admin/orders/${encodeURIComponent(ids.orderId)}`;
    const checkout = `/api/checkouts/${encodeURIComponent(ids.orderId)}`;
    const session = encodeURIComponent(ids.session);
    const part = Math.max(1, Math.floor((v.spec.amount * (1 + (pick % 100))) / 100));
    switch (op) {
      case 'detail':
        return { method: 'GET', path: order, role: 'viewer' };
      case 'orderEvents':
        return { method: 'GET', path: `${order}/events`, role: 'viewer' };
      case 'list':
        return { method: 'GET', path: `/api/admin/orders?q=${encodeURIComponent(ids.orderId)}&limit=10`, role: 'viewer' };
      case 'capture':
        return { method: 'POST', path: `${order}/capture?waitMs=2000`, role: 'editor', body: { amount: part, requestId: this.nextRid() } };
      case 'cancel':
        return { method: 'POST', path: `${order}/cancel?waitMs=2000`, role: 'editor', body: { requestId: this.nextRid(), reason: 'fuzz' } };
      case 'refund':
        return { method: 'POST', path: `${order}/refunds?waitMs=2000`, role: 'editor', body: { amount: part, requestId: this.nextRid() } };
      case 'status': {
        const bodies = [{ status: 'Backordered' }, { status: 'Shipped', carrierCode: 'YAMATO', trackingNumber: `FZ${pick}` }, { status: 'Cancelled' }];
        return { method: 'POST', path: `${order}/status?waitMs=2000`, role: 'editor', body: bodies[pick % bodies.length] };
      }
      case 'review':
        return { method: 'GET', path: `${checkout}?amazonCheckoutSessionId=${session}`, role: 'storefront' };
      case 'confirm':
        return { method: 'POST', path: `${checkout}/confirm`, role: 'storefront', body: {} };
      case 'complete':
        return { method: 'POST', path: `${checkout}/complete`, role: 'storefront', body: { amazonCheckoutSessionId: ids.session } };
      case 'result':
        return { method: 'GET', path: `${checkout}/result?amazonCheckoutSessionId=${session}`, role: 'storefront' };
      case 'eventsAfter':
        return { method: 'GET', path: `/api/events?after=${encodeURIComponent(ids.eventId)}&limit=10`, role: 'storefront' };
      case 'eventsOfOrder':
        return { method: 'GET', path: `/api/events?orderId=${encodeURIComponent(ids.orderId)}&limit=100`, role: 'storefront' };
      case 'resend':
        return { method: 'POST', path: `/api/admin/events/${encodeURIComponent(ids.eventId)}/resend`, role: 'editor', body: pick % 2 === 0 ? {} : { endpointId: x.endpoint.id } };
      case 'endpointPatch': {
        const bodies = [{ enabled: false }, { url: x.endpoint.url }, { description: 'taken over' }];
        return { method: 'PATCH', path: `/api/admin/event-endpoints/${encodeURIComponent(ids.endpointId)}`, role: 'editor', body: bodies[pick % bodies.length] };
      }
      case 'endpointRotate':
        return { method: 'POST', path: `/api/admin/event-endpoints/${encodeURIComponent(ids.endpointId)}/rotate-secret`, role: 'editor', body: { overlapSeconds: 0 } };
      case 'endpointDelete':
        return { method: 'DELETE', path: `/api/admin/event-endpoints/${encodeURIComponent(ids.endpointId)}`, role: 'editor' };
      case 'memberRead':
        return { method: 'GET', path: `/api/members/${encodeURIComponent(ids.memberId)}`, role: 'viewer' };
      case 'memberByBuyer':
        return { method: 'GET', path: `/api/members/by-buyer/${encodeURIComponent(v.buyer.buyerId)}`, role: 'storefront' };
      case 'memberUnlink':
        return { method: 'DELETE', path: `/api/members/${encodeURIComponent(ids.memberId)}/link`, role: 'editor' };
      case 'memberLink':
        return { method: 'POST', path: '/api/members/links', role: 'storefront', body: { memberId: `fzx-${this.log.tag}`, memberEmail: v.buyer.email, orderId: ids.orderId } };
      case 'shopHeader':
        return pick % 2 === 0
          ? { method: 'GET', path: order, role: 'viewer', headers: { 'x-shop-id': ids.shopId } }
          : { method: 'POST', path: `${order}/capture?waitMs=2000`, role: 'editor', body: { amount: part, requestId: this.nextRid() }, headers: { 'x-shop-id': ids.shopId } };
    }
  }

  /**
   * The other shop's keys on order v's ids (invariant 7a). Where the other shop has no order of that id, the answer must
   * be the one the same request gets about ids that exist nowhere; where it has one, the request is about that order of
   * its own (money commands and checkout steps go through the ordinary checks of its own order). Either way the answer
   * shows nothing of v and v's shop is unchanged after it.
   */
  private async cross(v: OrderModel, op: CrossOp, pick: number): Promise<void> {
    const x = this.shops[1 - v.shop.index];
    const y = v.shop;
    const twin = this.orders.find((t) => t.shop === x && t.orderId === v.orderId);
    const own = twin?.started ? twin : undefined;
    const what = `${x.label}'s keys on ${this.name(v)}: ${op}`;
    const before = await this.victimView(v);
    const sessions = [...v.sessions];
    const session = sessions.length === 0 ? undefined : sessions[pick % sessions.length];
    const eventId = before.eventIds.length === 0 ? undefined : before.eventIds[pick % before.eventIds.length];
    if ((op === 'review' || op === 'complete' || op === 'result') && session === undefined) {
      this.step(`${what} → skipped (${this.name(v)} has no session yet)`);
      return;
    }
    if ((op === 'eventsAfter' || op === 'resend') && eventId === undefined) {
      this.step(`${what} → skipped (${this.name(v)} has no event yet)`);
      return;
    }
    if (own && (op === 'capture' || op === 'cancel' || op === 'refund' || op === 'review' || op === 'complete')) this.countCross('own');
    if (own && (op === 'capture' || op === 'cancel' || op === 'refund')) {
      this.step(`${what} → ${x.label} has ${v.orderId} too: a ${op} of its own order`);
      await this.money(own, { kind: op, amount: { kind: 'part', pct: 1 + (pick % 100) }, rid: { kind: 'fresh' }, wait: true });
      await this.checkUnchanged(what, v, before);
      return;
    }
    if (own && (op === 'review' || op === 'complete')) {
      await this.reviewOrComplete(op, own, 'foreign', 0, '', session);
      await this.checkUnchanged(what, v, before);
      return;
    }
    const real: CrossIds = { orderId: v.orderId, session: session ?? randomUUID(), eventId: eventId ?? newEventLikeId(), endpointId: y.endpoint.id, memberId: this.memberOf(v), shopId: y.shopId };
    const r = this.crossRequest(op, real, v, x, pick);
    const send = () => this.call(x, r.method, r.path, { role: r.role, body: r.body, headers: r.headers });
    const a = session !== undefined && (op === 'review' || op === 'complete' || op === 'result') ? await this.handOver(x, session, send) : await send();
    this.countCross(String(a.status));
    this.checkAnswer(what, a, own);
    // By buyer, the other shop may find a member of its own: the same Amazon buyer may have shopped there too (the
    // suite's buyers are the simulator's, and links stay between sequences). Then the link is its own, never v's shop's.
    const ownLink = op === 'memberByBuyer' && a.status === 200;
    if (ownLink && a.body?.link?.memberId !== `fzm-${x.shopId}-buyer${FAKE_BUYERS.indexOf(v.buyer)}`)
      this.violate(`${what}: answered a member link that is not one of shop ${x.label}'s: ${JSON.stringify(a.body).slice(0, 300)}`);
    this.checkLeak(what, v, a, r.path + JSON.stringify(r.body ?? null) + JSON.stringify(r.headers ?? {}), own, { buyerIsShared: ownLink });
    let note = '';
    // Compared with the same request about ids that exist nowhere: unless the other shop has an order of this id (its
    // own), or the op is about a buyer (the other shop may have linked the same Amazon buyer to a member of its own).
    const aboutOwnOrder = own !== undefined && ['detail', 'orderEvents', 'list', 'status', 'confirm', 'result', 'eventsOfOrder', 'memberLink'].includes(op);
    if (op !== 'memberByBuyer' && !aboutOwnOrder) {
      const fake: CrossIds = { orderId: `FZ-${this.log.tag}-none`, session: randomUUID(), eventId: newEventLikeId(), endpointId: randomUUID(), memberId: `fzm-nobody-${this.log.tag}`, shopId: 'fuzz-nobody' };
      const c = this.crossRequest(op, fake, v, x, pick);
      const control = await this.call(x, c.method, c.path, { role: c.role, body: c.body, headers: c.headers });
      const same = a.status === control.status && a.body?.error?.code === control.body?.error?.code && (a.status >= 400 || JSON.stringify(a.body) === JSON.stringify(control.body));
      note = same ? ' (as about nothing)' : ` (about nothing: ${control.status} ${control.body?.error?.code ?? ''})`;
      if (!same)
        this.violate(
          `${what}: answered ${a.status} ${a.body?.error?.code ?? JSON.stringify(a.body).slice(0, 200)}, but the same request about ids that exist nowhere answers ${control.status} ${control.body?.error?.code ?? JSON.stringify(control.body).slice(0, 200)}: the answer tells shop ${x.label} about shop ${y.label}'s ${op}`,
        );
    }
    if (op === 'memberLink' && a.status >= 200 && a.status < 300) {
      this.violate(`${what}: linked a member of shop ${x.label} with ${this.name(v)}'s buyer (${a.status})`);
      await this.call(x, 'DELETE', `/api/members/fzx-${this.log.tag}/link`, { role: 'editor' });
    }
    this.step(`${what}${own ? ` (${x.label} has ${v.orderId} too)` : ''} → ${a.status} ${a.body?.error?.code ?? ''}${note}`);
    await this.checkUnchanged(what, v, before);
  }

  // ---------------------------------------------------------------------------------------- the sequence

  async execute(): Promise<void> {
    await this.resetSettings();
    // Member links outlive a sequence (a buyer is linked to one member per shop): each sequence starts with none, so it
    // replays alike on a fresh stack.
    for (const shop of this.shops) for (let i = 0; i < FAKE_BUYERS.length; i++) await this.call(shop, 'DELETE', `/api/members/fzm-${shop.shopId}-buyer${i}/link`, { role: 'editor' });
    for (const o of this.orders) {
      if (o.spec.setup === 'paid') await this.pay(o);
      else if (o.spec.setup === 'open') await this.open(o);
    }
    for (const action of this.scenario.actions) {
      switch (action.t) {
        case 'open':
          await this.open(this.order(action.o));
          break;
        case 'pay':
          await this.pay(this.order(action.o));
          break;
        case 'review':
        case 'complete':
          await this.reviewOrComplete(action.t, this.order(action.o), action.ref, action.pick, action.malformed);
          break;
        case 'money':
          await this.money(this.order(action.o), action);
          break;
        case 'race':
          await this.race(this.order(action.o), action.cmds);
          break;
        case 'ipn':
          await this.ipn(action.kind, action.pick, action.count);
          break;
        case 'forge':
          await this.forge(action.kind, action.pick);
          break;
        case 'settings':
          await this.settings(action.change, this.shops[action.shop ?? 0]);
          break;
        case 'link':
          await this.link(this.order(action.o));
          break;
        case 'cross':
          await this.cross(this.order(action.o), action.op, action.pick);
          break;
        case 'advance': {
          const r = await this.stack.control('POST', '/__sim/clock/advance', { ms: action.ms });
          this.step(`clock +${action.ms} ms → ${r.status}`);
          break;
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------- settling and the invariants

  /** Lets everything pending happen: held notifications out, the clock past Amazon's refund delay, pending states settled (all bounded). */
  async settle(): Promise<Map<OrderModel, Detail>> {
    await this.stack.control('DELETE', '/__sim/ipn/controls');
    await this.stack.control('POST', '/__sim/ipn/flush');
    await this.stack.control('POST', '/__sim/clock/advance', { ms: 5 * 60_000 });
    await this.stack.control('POST', '/__sim/ipn/flush');
    const details = new Map<OrderModel, Detail>();
    const deadline = Date.now() + SETTLE_BOUND_MS;
    for (const o of this.orders.filter((x) => x.started)) {
      let d = await this.detail(o);
      while (Date.now() < deadline && isPending(d)) {
        await sleep(300);
        d = await this.detail(o);
      }
      if (isPending(d)) this.violate(`${this.name(o)}: still ${d.paymentStatus} (capturePending ${d.body?.amounts?.capturePending?.amount}, refundPending ${d.body?.amounts?.refundPending?.amount}) ${SETTLE_BOUND_MS} ms after Amazon settled (order wedged)`);
      details.set(o, d);
    }
    return details;
  }

  async checkInvariants(details: Map<OrderModel, Detail>): Promise<void> {
    const started = this.orders.filter((o) => o.started);
    // 4. The order's own view shows its own buyer only.
    for (const o of started) {
      const d = details.get(o) as Detail;
      if (d.status !== 200) {
        this.violate(`${this.name(o)}: its detail answered ${d.status}`);
        continue;
      }
      if (d.body.buyer && d.body.buyer.buyerId !== o.buyer.buyerId) this.violate(`${this.name(o)}: shows buyer ${d.body.buyer.buyerId}, its buyer is ${o.buyer.buyerId}`);
      for (const c of d.body.chargeIds ?? []) this.seenCharges.add(c);
    }

    // 1. Ownership: no two orders claim one session, permission or charge; a claimed session is the order's own.
    const claims = new Map<string, string[]>();
    const claim = (id: string | null | undefined, orderId: string) => {
      if (!id) return;
      claims.set(id, [...new Set([...(claims.get(id) ?? []), orderId])]);
    };
    for (const o of started) {
      const b = (details.get(o) as Detail).body;
      claim(b.checkoutSessionId, this.name(o));
      claim(b.chargePermissionId, this.name(o));
      for (const c of b.chargeIds ?? []) claim(c, this.name(o));
      if (b.checkoutSessionId && !o.sessions.has(b.checkoutSessionId)) {
        const owner = this.orders.find((x) => x.sessions.has(b.checkoutSessionId));
        this.violate(`${this.name(o)}: holds checkout session ${String(b.checkoutSessionId).slice(0, 60)}, which is ${owner ? `${this.name(owner)}'s` : 'no session of its checkout'}`);
      }
    }
    for (const [id, orderIds] of claims) if (orderIds.length > 1) this.violate(`${id} is claimed by ${orderIds.join(' and ')}: one Amazon object, two orders`);

    // Which permissions this run's checkouts made at Amazon (read from Amazon, by the sessions).
    const permissionOwner = new Map<string, OrderModel>();
    for (const o of this.orders) {
      for (const sessionId of o.sessions) {
        try {
          const s = (await o.shop.amazonPay.getCheckoutSession(sessionId)).data as { chargePermissionId?: string | null; merchantMetadata?: { merchantReferenceId?: string } };
          if (s.chargePermissionId) permissionOwner.set(s.chargePermissionId, o);
          if (s.merchantMetadata?.merchantReferenceId !== undefined && s.merchantMetadata.merchantReferenceId !== o.orderId)
            this.violate(`session ${sessionId} of ${this.name(o)}'s button says merchantReferenceId ${s.merchantMetadata.merchantReferenceId}`);
        } catch (err) {
          this.violate(`reading session ${sessionId} from the simulator failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    }
    for (const o of started) {
      const p = (details.get(o) as Detail).body.chargePermissionId as string | null;
      if (p && permissionOwner.get(p) !== o) this.violate(`${this.name(o)}: claims charge permission ${p}, made by ${permissionOwner.get(p) ? this.name(permissionOwner.get(p) as OrderModel) : 'no checkout of this run'}`);
    }

    const ledger = ((await this.stack.control<{ entries: LedgerEntry[] }>('GET', '/__sim/ledger')).data.entries ?? []).filter((e) => permissionOwner.has(e.chargePermissionId) || claims.has(e.chargePermissionId));
    const moved = ledger.filter((e) => e.type !== 'cancel' && e.status !== 'declined');
    for (const e of moved) {
      const owner = permissionOwner.get(e.chargePermissionId);
      const claimants = [...new Set([...(claims.get(e.chargeId) ?? []), ...(claims.get(e.chargePermissionId) ?? [])])];
      if (claimants.length !== 1 || claimants[0] !== (owner && this.name(owner)))
        this.violate(`${e.type} of ${e.amount} on ${e.chargeId}: made by ${owner ? this.name(owner) : 'no checkout of this run'}'s checkout, claimed by ${claimants.join(', ') || 'no order'}`);
    }

    // 2. Amounts per charge, and each requestId moving money at most once.
    const charges = new Map<string, { authorized: number; captured: number; capturedDone: number; refunded: number; refundedDone: number }>();
    for (const e of moved) {
      const c = charges.get(e.chargeId) ?? { authorized: 0, captured: 0, capturedDone: 0, refunded: 0, refundedDone: 0 };
      if (e.type === 'authorization') c.authorized += e.amount;
      if (e.type === 'capture') {
        c.captured += e.amount;
        if (e.status === 'completed') c.capturedDone += e.amount;
      }
      if (e.type === 'refund') {
        c.refunded += e.amount;
        if (e.status === 'completed') c.refundedDone += e.amount;
      }
      charges.set(e.chargeId, c);
    }
    for (const [id, c] of charges) {
      if (c.captured > c.authorized) this.violate(`charge ${id}: captured ${c.captured} > authorized ${c.authorized}`);
      if (c.refunded > amazonRefundCap(c.captured)) this.violate(`charge ${id}: refunds ${c.refunded} > Amazon's cap ${amazonRefundCap(c.captured)} on ${c.captured} captured`);
    }
    const perKey = new Map<string, number>();
    for (const e of moved) if (e.idempotencyKey) perKey.set(`${e.type}:${e.idempotencyKey}`, (perKey.get(`${e.type}:${e.idempotencyKey}`) ?? 0) + 1);
    for (const [k, n] of perKey) if (n > 1) this.violate(`idempotency key ${k} moved money ${n} times`);

    for (const o of started) {
      const b = (details.get(o) as Detail).body;
      const own = moved.filter((e) => permissionOwner.get(e.chargePermissionId) === o);
      const ok = (kind: MoneyKind) => o.commands.filter((c) => c.kind === kind && c.final?.status === 200);
      // Each refund at Amazon was asked for by one accepted refund, which got exactly what it asked.
      const refundsByRid = new Map<string, Set<string>>();
      for (const c of ok('refund')) for (const id of (c.final?.body?.result?.amazonObjectIds as string[] | undefined) ?? []) refundsByRid.set(c.rid, new Set([...(refundsByRid.get(c.rid) ?? []), id]));
      for (const e of own.filter((x) => x.type === 'refund')) {
        const rids = [...refundsByRid].filter(([, ids]) => ids.has(e.refundId as string)).map(([rid]) => rid);
        if (rids.length !== 1) this.violate(`${this.name(o)}: refund ${e.refundId} of ${e.amount} at Amazon is accounted for by ${rids.length} accepted refund requests (${rids.join(', ')})`);
      }
      for (const [rid, ids] of refundsByRid) {
        const total = own.filter((e) => e.type === 'refund' && ids.has(e.refundId as string)).reduce((n, e) => n + e.amount, 0);
        const asked = ok('refund').find((c) => c.rid === rid)?.final?.body?.result?.amount;
        if (total !== asked) this.violate(`${this.name(o)}: refund request ${rid} moved ${total} at Amazon, answered ${asked}`);
      }
      // Captures at Amazon: no more than the accepted capture requests (and the checkout's own with AuthorizeWithCapture) account for.
      const captures = own.filter((e) => e.type === 'capture').length;
      const accountable = new Set(ok('capture').map((c) => c.rid)).size + (o.spec.intent === 'AuthorizeWithCapture' ? 1 : 0);
      if (captures > accountable) this.violate(`${this.name(o)}: ${captures} captures at Amazon, ${accountable} accepted capture requests account for them`);
      for (const c of [...ok('capture'), ...ok('refund'), ...ok('cancel')]) {
        const p = c.final?.body?.result?.chargePermissionId;
        if (p && p !== b.chargePermissionId) this.violate(`${c.label}: answered with charge permission ${p}, the order's is ${b.chargePermissionId}`);
      }
      // The order's view agrees with Amazon once settled.
      const capturedAtAmazon = own.filter((e) => e.type === 'capture' && e.status === 'completed').reduce((n, e) => n + e.amount, 0);
      const refundedAtAmazon = own.filter((e) => e.type === 'refund' && e.status === 'completed').reduce((n, e) => n + e.amount, 0);
      if (b.amounts && (b.amounts.captured.amount !== capturedAtAmazon || b.amounts.refunded.amount !== refundedAtAmazon))
        this.violate(`${this.name(o)}: shows captured ${b.amounts.captured.amount} / refunded ${b.amounts.refunded.amount}, Amazon's ledger ${capturedAtAmazon} / ${refundedAtAmazon}`);
      // What the order shows as still capturable, Amazon still allows on its charge permission (open, with that balance).
      if (b.amounts && b.amounts.capturable.amount > 0 && b.chargePermissionId) {
        try {
          const p = (await o.shop.amazonPay.getChargePermission(b.chargePermissionId)).data as { statusDetails?: { state?: string }; limits?: { amountBalance?: { amount?: string } } };
          const balance = p.statusDetails?.state === 'Closed' ? 0 : Number(p.limits?.amountBalance?.amount ?? Infinity);
          if (b.amounts.capturable.amount > balance) this.violate(`${this.name(o)}: shows ${b.amounts.capturable.amount} capturable, Amazon's permission allows ${balance} (${p.statusDetails?.state})`);
        } catch (err) {
          this.violate(`reading permission ${b.chargePermissionId} failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      if (b.amounts && b.amounts.captured.amount > b.amounts.authorized.amount && b.amounts.authorized.amount > 0) this.violate(`${this.name(o)}: captured ${b.amounts.captured.amount} > authorized ${b.amounts.authorized.amount}`);
    }

    // 5. The projection (database) equals the workflow's state.
    for (const o of started) await this.checkProjection(o);

    // 7. No cross-shop effect.
    await this.checkShops(started, details, permissionOwner);
  }

  /** 7 (b)–(d), after the sequence: ledgers, lists, details, events, what each endpoint received, who signed each Amazon call. */
  private async checkShops(started: OrderModel[], details: Map<OrderModel, Detail>, permissionOwner: Map<string, OrderModel>): Promise<void> {
    const other = (s: FuzzShop) => this.shops[1 - s.index];
    const shopOfMerchant = new Map(this.shops.map((s) => [s.merchantId, s]));

    // (b) Each order's money at Amazon is in its own shop's merchant's ledger only.
    const all = (await this.stack.control<{ entries: LedgerEntry[] }>('GET', '/__sim/ledger')).data.entries ?? [];
    const byMerchant = new Map<string, Set<string>>();
    for (const s of this.shops) {
      const entries = (await this.stack.control<{ entries: LedgerEntry[] }>('GET', `/__sim/ledger?merchantId=${encodeURIComponent(s.merchantId)}`)).data.entries ?? [];
      byMerchant.set(s.merchantId, new Set(entries.map((e) => e.id)));
    }
    const claimedBy = new Map<string, OrderModel>();
    for (const o of started) {
      const b = (details.get(o) as Detail).body;
      for (const id of [b.chargePermissionId, ...((b.chargeIds as string[] | undefined) ?? [])]) if (typeof id === 'string') claimedBy.set(id, o);
    }
    for (const e of all) {
      const o = permissionOwner.get(e.chargePermissionId) ?? claimedBy.get(e.chargePermissionId) ?? claimedBy.get(e.chargeId);
      if (!o) continue;
      const inOwn = byMerchant.get(o.shop.merchantId)?.has(e.id) ?? false;
      const inOther = byMerchant.get(other(o.shop).merchantId)?.has(e.id) ?? false;
      if (!inOwn || inOther)
        this.violate(
          `${e.type} of ${e.amount} on ${e.chargeId} (${this.name(o)}'s): in the ledger of ${[inOwn ? o.shop.label : '', inOther ? other(o.shop).label : ''].filter(Boolean).map((l) => `shop ${l}'s merchant`).join(' and ') || 'no shop merchant'} (merchant ${e.merchantId}); an order's money is in its own shop's merchant's ledger only`,
        );
    }

    // (c) Each shop's list, details and events hold its own orders only.
    for (const s of this.shops) {
      const mine = started.filter((o) => o.shop === s);
      const theirs = this.orders.filter((o) => o.shop !== s);
      const list = await this.call(s, 'GET', `/api/admin/orders?q=${encodeURIComponent(`FZ-${this.log.tag}-`)}&limit=100`, { role: 'viewer' });
      this.checkAnswer(`${s.label}'s order list`, list);
      const rows = (list.body?.orders as Array<Record<string, any>> | undefined) ?? [];
      const listed = rows.map((r) => String(r.orderId)).sort();
      const expected = mine.map((o) => o.orderId).sort();
      if (JSON.stringify(listed) !== JSON.stringify(expected)) this.violate(`shop ${s.label}'s order list holds ${listed.join(', ') || 'nothing'}; its orders are ${expected.join(', ') || 'none'}`);
      for (const row of rows) {
        const o = mine.find((m) => m.orderId === row.orderId);
        if (o && row.buyerEmail && row.buyerEmail !== o.buyer.email) this.violate(`shop ${s.label}'s list row of ${row.orderId} shows buyer ${row.buyerEmail}, its buyer is ${o.buyer.email}`);
        for (const t of theirs) this.checkLeak(`shop ${s.label}'s list row of ${row.orderId}`, t, { status: 200, body: row }, '', o);
      }
      for (const o of mine) {
        const d = details.get(o) as Detail;
        if (d.status === 200 && d.body.amount?.amount !== undefined && d.body.amount.amount !== o.spec.amount)
          this.violate(`${this.name(o)}: its detail shows the amount ${d.body.amount.amount}, the order's is ${o.spec.amount}`);
        for (const t of theirs) this.checkLeak(`${this.name(o)}'s detail`, t, { status: d.status, body: d.body }, '', o);
      }
      // The events of every order id of the run, as this shop lists them: its own orders' only, none for an id it has not.
      for (const orderId of [...new Set(this.orders.map((o) => o.orderId))]) {
        const ev = await this.call(s, 'GET', `/api/events?orderId=${encodeURIComponent(orderId)}&limit=100`, { role: 'storefront' });
        this.checkAnswer(`${s.label}'s events of ${orderId}`, ev);
        const data = (ev.body?.data as Array<{ id: string; orderId: string }> | undefined) ?? [];
        const o = mine.find((m) => m.orderId === orderId);
        if (!o && data.length > 0) this.violate(`shop ${s.label} lists ${data.length} event(s) of ${orderId}, an order it does not have: ${JSON.stringify(data).slice(0, 300)}`);
        if (o) for (const e of data) o.eventIds.add(e.id);
        for (const t of theirs) this.checkLeak(`shop ${s.label}'s events of ${orderId}`, t, ev, '', o);
      }
    }
    const eventShop = new Map<string, FuzzShop>();
    for (const o of this.orders) {
      for (const id of o.eventIds) {
        const seen = eventShop.get(id);
        if (seen && seen !== o.shop) this.violate(`event ${id} is listed by both shops`);
        eventShop.set(id, o.shop);
      }
    }
    // What each shop's event endpoint received of this run: that shop's events, signed with that endpoint's secret.
    for (const r of this.sink.received) {
      let event: { id?: string; orderId?: string };
      try {
        event = JSON.parse(r.body) as { id?: string; orderId?: string };
      } catch {
        continue;
      }
      if (!event.orderId?.startsWith(`FZ-${this.log.tag}-`) || !event.id) continue;
      const s = this.shops.find((x) => x.shopId === r.shopId);
      if (!s) continue;
      const owner = eventShop.get(event.id);
      if (owner !== s) this.violate(`shop ${s.label}'s event endpoint received event ${event.id} of ${event.orderId}, ${owner ? `an event of shop ${owner.label}` : 'an event shop ' + s.label + ' does not list'}`);
      if (!verifyEventSignature(r.body, r.signature, s.endpoint.secret, { toleranceSeconds: 3600 })) this.violate(`shop ${s.label}'s event endpoint received event ${event.id} not signed with its secret`);
    }

    // (d) Every Amazon call about a shop's object was signed by that shop's merchant.
    const calls = (await this.stack.control<{ calls: SignedCall[] }>('GET', '/__sim/calls')).data.calls ?? [];
    const objectShop = new Map<string, OrderModel>();
    for (const o of this.orders) {
      for (const id of [...o.sessions, ...o.known]) objectShop.set(id, o);
    }
    for (const e of all) {
      const o = permissionOwner.get(e.chargePermissionId);
      if (!o) continue;
      for (const id of [e.chargePermissionId, e.chargeId, e.refundId]) if (id) objectShop.set(id, o);
    }
    const wrong = new Map<string, { n: number; allowed: number }>();
    for (const c of calls) {
      const o = c.objectId === null ? undefined : objectShop.get(c.objectId);
      if (!o || c.merchantId === o.shop.merchantId) continue;
      const signer = shopOfMerchant.get(c.merchantId);
      const k = `${c.operation} of ${this.name(o)}'s ${c.objectId} signed by ${signer ? `shop ${signer.label}'s merchant` : `merchant ${c.merchantId}`}`;
      // The signer's shop was handed the session id by a caller: its reads of it from then on are explained.
      const before = c.operation === 'getCheckoutSession' ? this.handedOver.get(`${c.merchantId}|${c.objectId}`) : undefined;
      const w = wrong.get(k) ?? { n: 0, allowed: 0 };
      w.n += 1;
      if (before !== undefined && w.n > before) w.allowed += 1;
      wrong.set(k, w);
    }
    for (const [k, { n, allowed }] of wrong) {
      if (n > allowed) this.violate(`an Amazon call about another shop's object: ${k}, ${n} time(s)${allowed > 0 ? ` (${allowed} of them after a caller handed that shop the session id)` : ''}`);
    }
  }

  private async checkProjection(o: OrderModel): Promise<void> {
    const deadline = Date.now() + 15_000;
    let diff: string[];
    for (;;) {
      const d = await this.detail(o);
      const list = await this.call(o.shop, 'GET', `/api/admin/orders?q=${encodeURIComponent(o.orderId)}&limit=10`, { role: 'viewer' });
      this.checkAnswer(`order list for ${this.name(o)}`, list, o);
      const row = ((list.body?.orders as any[] | undefined) ?? []).find((r) => r.orderId === o.orderId);
      const b = d.body;
      diff = [];
      if (!row) diff.push('no list row');
      else if (d.status === 200) {
        const pairs: Array<[string, unknown, unknown]> = [
          ['paymentStatus', row.paymentStatus, b.paymentStatus],
          ['orderStatus', row.orderStatus, b.orderStatus],
          ['authorized', row.authorized?.amount, b.amounts?.authorized?.amount],
          ['captured', row.captured?.amount, b.amounts?.captured?.amount],
          ['refunded', row.refunded?.amount, b.amounts?.refunded?.amount],
          ['chargePermissionId', row.chargePermissionId ?? null, b.chargePermissionId ?? null],
          ['chargeId', row.chargeId ?? null, (b.chargeIds as string[] | undefined)?.at(-1) ?? null],
          ['buyerEmail', row.buyerEmail ?? null, b.buyer?.email ?? null],
        ];
        for (const [k, dbValue, wfValue] of pairs) if (JSON.stringify(dbValue) !== JSON.stringify(wfValue)) diff.push(`${k}: list ${JSON.stringify(dbValue)} vs detail ${JSON.stringify(wfValue)}`);
        this.checkBuyer(`order list row of ${this.name(o)}`, row, o);
        diff.push(...(await this.eventsDiffer(o, b.paymentStatus)));
      }
      if (diff.length === 0 || Date.now() >= deadline) break;
      await sleep(300);
    }
    if (diff.length > 0) this.violate(`${this.name(o)}: the projection differs from the workflow's state after settling: ${diff.join('; ')}`);
  }

  /** 6. What the order's events tell a shop that listens only to them, against the workflow's payment status. */
  private async eventsDiffer(o: OrderModel, paymentStatus: string): Promise<string[]> {
    const r = await this.call(o.shop, 'GET', `/api/events?orderId=${encodeURIComponent(o.orderId)}&limit=100`, { role: 'storefront' });
    if (r.status !== 200) return [`GET /api/events answered ${r.status}`];
    const events = r.body.data as Array<{ seq: number; type: string; paymentStatus: string | null }>;
    const problems: string[] = [];
    if (events.some((e, i) => e.seq !== i + 1)) problems.push(`events numbered ${events.map((e) => e.seq).join(',')}`);
    const told = events.at(-1)?.paymentStatus ?? 'CheckoutPending';
    if (told !== paymentStatus) problems.push(`events say ${told} (${events.map((e) => e.type).join(', ') || 'none'}), the workflow ${paymentStatus}`);
    return problems;
  }
}

/** The simulator's record of one signed Amazon call (GET /__sim/calls). */
interface SignedCall {
  merchantId: string;
  operation: string;
  objectId: string | null;
}

interface LedgerEntry {
  id: string;
  merchantId: string;
  type: 'authorization' | 'capture' | 'refund' | 'cancel';
  status: 'pending' | 'completed' | 'declined';
  amount: number;
  chargePermissionId: string;
  chargeId: string;
  refundId: string | null;
  idempotencyKey: string | null;
}

function isPending(d: Detail): boolean {
  if (d.status !== 200) return false;
  const a = d.body.amounts ?? {};
  return ['AuthorizationPending', 'CapturePending', 'RefundPending'].includes(d.paymentStatus ?? '') || (a.capturePending?.amount ?? 0) > 0 || (a.refundPending?.amount ?? 0) > 0;
}

// ------------------------------------------------------------------------------------------ the property

let runCounter = 0;

/** Runs one sequence on the stack and throws with every broken invariant (and the steps that led there). */
export async function runScenario(stack: TestStack, scenario: Scenario, onRun?: (log: RunLog) => void): Promise<RunLog> {
  runCounter += 1;
  const tag = `${process.pid.toString(36)}${runCounter.toString(36)}${randomBytes(2).toString('hex')}`;
  const run = new Run(stack, await fuzzShops(stack), scenario, tag);
  try {
    await run.execute();
    const details = await run.settle();
    await run.checkInvariants(details);
  } finally {
    onRun?.(run.log);
  }
  if (run.log.violations.length > 0) {
    throw new Error(`${run.log.violations.length} invariant(s) broken:\n  - ${[...new Set(run.log.violations)].join('\n  - ')}\nsteps:\n  ${run.log.steps.join('\n  ')}`);
  }
  return run.log;
}

export function adversarialProperty(stack: TestStack, opts: { maxActions: number; onRun?: (log: RunLog) => void }) {
  return fc.asyncProperty(scenarioArb({ maxActions: opts.maxActions }), (scenario) => runScenario(stack, scenario, opts.onRun).then(() => undefined));
}

export interface FuzzOutcome {
  details: fc.RunDetails<[Scenario]>;
  /** A report to print: seed, path, the shrunk sequence and the broken invariants (empty when it passed). */
  report: string;
}

/** Runs the property with fast-check: numRuns sequences (or until the time limit), shrinking a failure. */
export async function checkAdversarial(
  stack: TestStack,
  opts: { numRuns: number; maxActions: number; seed?: number; path?: string; timeLimitMs: number; knownScenarios?: boolean; onRun?: (log: RunLog) => void },
): Promise<FuzzOutcome> {
  const details = (await fc.check(adversarialProperty(stack, opts), {
    numRuns: opts.numRuns,
    // A path counts the known sequences first when they ran: a replay runs them too (or none, with --no-known), so the
    // path names the same sequence.
    ...(opts.knownScenarios === false ? {} : { examples: KNOWN_SCENARIOS.map((k) => [k.scenario] as [Scenario]) }),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(opts.path !== undefined ? { path: opts.path } : {}),
    endOnFailure: false,
    plugins: [fc.interruptAfterTimeLimit(opts.timeLimitMs)],
  })) as fc.RunDetails<[Scenario]>;
  let report = '';
  if (details.failed) {
    const err = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    report = [
      `adversarial fuzz failed after ${details.numRuns} run(s), ${details.numShrinks} shrink(s)${details.interrupted ? ' (shrinking cut short by the time limit)' : ''}`,
      opts.knownScenarios === false
        ? `replay: npm run fuzz -- --seed ${details.seed} --path ${details.counterexamplePath} --no-known`
        : `replay: npm run fuzz -- --seed ${details.seed} --path ${details.counterexamplePath} (or FUZZ_SEED=${details.seed} FUZZ_PATH=${details.counterexamplePath} for the Jest test)`,
      `minimal sequence: ${JSON.stringify(details.counterexample?.[0] ?? null)}`,
      err,
    ].join('\n');
  }
  return { details, report };
}
