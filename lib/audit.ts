/**
 * The audit log (docs/audit.md): the one table of actions and the parameters each keeps, what an entry holds, the
 * hash chain (canonical JSON, appends serialized under an advisory lock), the verifier, the reader behind
 * GET /api/admin/audit, and the writer that appends the API's entries after their answers. Entries never hold a
 * secret: only the parameters an action keeps are recorded, each through its rule here, and text that looks like a
 * key is blanked on the way in.
 */
import { createHash } from 'node:crypto';
import type { AuditEntry, Prisma, PrismaClient } from '../prisma/generated/client';
import type { Logger } from './logger';
import { DEFAULT_SHOP_ID } from './names';
import { auditWrites } from './metrics';
import { readSettings, shopSettingsSchema, type ShopSettings } from './settings';
import { storableText } from './storable-text';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** What an entry can name as its object. */
export type AuditObjectType = 'order' | 'subscription' | 'refund_approval' | 'recovery_entry' | 'settings' | 'event_endpoint' | 'event' | 'member' | 'api_key' | 'shop';

/** The request's parts an action's parameters are read from (body fields, path parameters, parts of the answer). */
export type AuditSource = Record<string, unknown>;

/** Blanks what looks like a secret the engine hands out: API keys, endpoint secrets, PEM private keys. */
const SECRET_PATTERNS = [/apk_[a-z]{2}_[A-Za-z0-9_-]{16,}/g, /whsec_[A-Za-z0-9_-]{16,}/g, /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g];
/**
 * Text as PostgreSQL stores it and gives it back unchanged (no NUL, no lone surrogate), cut to `max` characters, with
 * anything that looks like a secret blanked. Every string of an entry goes through here before it is hashed.
 */
export function auditText(v: string, max: number): string {
  let s = storableText(v);
  for (const p of SECRET_PATTERNS) s = s.replace(p, '[redacted]');
  // Cutting must not split a surrogate pair.
  return Array.from(s).slice(0, max).join('');
}

const textOrNull = (v: unknown, max: number): string | null => (typeof v === 'string' && v !== '' ? auditText(v, max) : null);
const text = (max: number) => (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? auditText(v.trim(), max) : undefined);
const ID = /^[A-Za-z0-9][A-Za-z0-9_.:#@-]{0,199}$/;
const anId = (v: unknown) => (typeof v === 'string' && ID.test(v) ? auditText(v, 200) : undefined);
const integer = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) ? v : typeof v === 'string' && /^-?\d{1,15}$/.test(v.trim()) ? Number(v.trim()) : undefined);
const bool = (v: unknown) => (typeof v === 'boolean' ? v : v === 'true' ? true : v === 'false' ? false : undefined);
const names = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').map((x) => auditText(x, 100)) : undefined);

/** A money parameter as the request gave it: {amount, currency} (the API), amount and currency fields (a console form) or a bare integer. */
function money(c: AuditSource): Json | undefined {
  const currency = (v: unknown) => (typeof v === 'string' && /^[A-Za-z]{3}$/.test(v) ? v : null);
  const a = c.amount;
  if (typeof a === 'object' && a !== null && !Array.isArray(a)) {
    const o = a as Record<string, unknown>;
    return { amount: integer(o.amount) ?? null, currency: currency(o.currency) };
  }
  const amount = integer(a);
  return amount === undefined ? undefined : { amount, currency: currency(c.currency) };
}

/** A URL without user, password, query or fragment. */
function url(v: unknown): Json | undefined {
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  try {
    const u = new URL(v.trim());
    return auditText(`${u.protocol}//${u.host}${u.pathname}`, 500);
  } catch {
    return '(not a URL)';
  }
}

/**
 * Every parameter an entry may keep, and how it is read from the request (AuditSource). Nothing else of a request is
 * ever recorded. Settings keep the names of the fields changed and the new values of the shop settings, never a
 * value of the Amazon Pay credentials (settingsChanges).
 */
const PARAMS = {
  amount: money,
  requestId: (c: AuditSource) => text(100)(c.requestId),
  approvalId: (c: AuditSource) => anId(c.approvalId),
  reason: (c: AuditSource) => text(255)(c.reason),
  status: (c: AuditSource) => text(40)(c.status),
  carrierCode: (c: AuditSource) => text(40)(c.carrierCode),
  url: (c: AuditSource) => url(c.url),
  eventTypes: (c: AuditSource) => {
    const list = typeof c.eventTypes === 'string' ? [c.eventTypes] : c.eventTypes;
    return Array.isArray(list) ? list.slice(0, 50).map((t) => (typeof t === 'string' && /^[a-z_.]{1,60}$/.test(t) ? t : '(invalid)')) : undefined;
  },
  enabled: (c: AuditSource) => bool(c.enabled),
  overlapSeconds: (c: AuditSource) => integer(c.overlapSeconds),
  endpointId: (c: AuditSource) => anId(c.endpointId),
  orderId: (c: AuditSource) => anId(c.orderId),
  buyerId: (c: AuditSource) => anId(c.buyerId),
  /** Which of a member link's sources the shop gave (a buyerToken's value is a credential: never kept). */
  via: (c: AuditSource) => ['buyerToken', 'orderId', 'buyerId'].find((k) => c[k] !== undefined),
  /** The console's delete: the confirmation page (false) or the delete itself (true). */
  confirmed: (c: AuditSource) => bool(c.confirmed),
  /** settings.update: the fields the request changed, with the new values of the shop settings among them. */
  fields: (c: AuditSource) => names(c.fields),
  values: (c: AuditSource) => (typeof c.values === 'object' && c.values !== null && !Array.isArray(c.values) ? (c.values as { [k: string]: Json }) : undefined),
  /** settings.update refused: the fields it asked to change (known names only; the others are counted). */
  requested: (c: AuditSource) => names(c.requested),
  unknownFields: (c: AuditSource) => integer(c.unknownFields),
  name: (c: AuditSource) => text(200)(c.name),
  role: (c: AuditSource) => text(20)(c.role),
  shopId: (c: AuditSource) => text(40)(c.shopId),
} satisfies Record<string, (c: AuditSource) => Json | undefined>;

type ParamName = keyof typeof PARAMS;

/** Parameters the engine works out itself (from the settings, the answer, a form's own fields): never taken from a request body. */
const DERIVED_PARAMS: readonly ParamName[] = ['approvalId', 'confirmed', 'fields', 'values', 'requested', 'unknownFields'];

/** A request body as a source of parameters: its fields, less those only the engine may set (DERIVED_PARAMS). */
export function bodySource(body: unknown): AuditSource {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return {};
  const out: AuditSource = { ...(body as AuditSource) };
  for (const name of DERIVED_PARAMS) delete out[name];
  // A new object's id comes from the engine's answer (api/audit.ts `answer`), never from what the caller sent.
  delete out.createdId;
  return out;
}

interface ActionSpec {
  object: AuditObjectType | null;
  keep: readonly ParamName[];
}

/**
 * The one table of audited actions: the stable name, what the entry's object is, and the parameters kept. The API's
 * routes (api/audit.ts) and `npm run keys` (scripts/keys.ts) name their actions from here.
 */
export const AUDIT_ACTIONS = {
  'order.capture': { object: 'order', keep: ['amount', 'requestId'] },
  'order.cancel': { object: 'order', keep: ['requestId', 'reason'] },
  'order.refund': { object: 'order', keep: ['amount', 'requestId', 'approvalId'] },
  'order.status': { object: 'order', keep: ['status', 'carrierCode'] },
  'refund_approval.approve': { object: 'refund_approval', keep: [] },
  'refund_approval.reject': { object: 'refund_approval', keep: ['reason'] },
  'subscription.pause': { object: 'subscription', keep: ['requestId'] },
  'subscription.resume': { object: 'subscription', keep: ['requestId'] },
  'subscription.cancel': { object: 'subscription', keep: ['requestId', 'reason'] },
  'subscription.charge': { object: 'subscription', keep: ['requestId', 'amount'] },
  'recovery.redrive': { object: 'recovery_entry', keep: [] },
  'settings.update': { object: 'settings', keep: ['fields', 'values', 'requested', 'unknownFields'] },
  'event_endpoint.create': { object: 'event_endpoint', keep: ['url', 'eventTypes', 'enabled'] },
  'event_endpoint.update': { object: 'event_endpoint', keep: ['url', 'eventTypes', 'enabled'] },
  'event_endpoint.rotate_secret': { object: 'event_endpoint', keep: ['overlapSeconds'] },
  'event_endpoint.delete': { object: 'event_endpoint', keep: ['confirmed'] },
  'event.resend': { object: 'event', keep: ['endpointId'] },
  'member.link': { object: 'member', keep: ['via', 'orderId', 'buyerId'] },
  'member.unlink': { object: 'member', keep: [] },
  'api_key.create': { object: 'api_key', keep: ['name', 'role', 'shopId'] },
  'api_key.revoke': { object: 'api_key', keep: ['name', 'role'] },
  // The platform (docs/shops.md).
  'shop.create': { object: 'shop', keep: ['name'] },
  'shop.suspend': { object: 'shop', keep: [] },
  'shop.reactivate': { object: 'shop', keep: [] },
  'console.switch_shop': { object: 'shop', keep: [] },
  'console.sign_in': { object: null, keep: [] },
  'console.sign_out': { object: null, keep: [] },
  /** A state-changing request under /api/admin or /admin that no route answers. */
  'route.unknown': { object: null, keep: [] },
} as const satisfies Record<string, ActionSpec>;

export type AuditAction = keyof typeof AUDIT_ACTIONS;
export const AUDIT_ACTION_NAMES = Object.keys(AUDIT_ACTIONS) as [AuditAction, ...AuditAction[]];

/** The parameters `action` keeps from `source`, each read by its rule. */
export function keepParams(action: AuditAction, source: AuditSource): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  for (const name of AUDIT_ACTIONS[action].keep as readonly ParamName[]) {
    const v = PARAMS[name](source);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/**
 * The shop of an entry that concerns no shop (docs/shops.md): the platform's own routes, and a request whose caller
 * names no shop (no valid key). Never a shop id (those start with a letter or digit), so no shop's log lists it.
 */
export const NO_SHOP = '*';

/** Who asked: an API key (the console's signed-in key), or `cli` for `npm run keys` (the OS user); null when unauthenticated. */
export interface AuditActor {
  keyId: string | null;
  name: string | null;
  role: 'storefront' | 'viewer' | 'editor' | 'platform' | 'cli';
}

/** One entry before it is chained: what auditRecord made of a request. */
export interface AuditRecord {
  at: Date;
  actorKeyId: string | null;
  actorName: string | null;
  actorRole: string | null;
  sourceIp: string | null;
  userAgent: string | null;
  requestId: string | null;
  method: string | null;
  route: string | null;
  path: string | null;
  action: AuditAction;
  objectType: AuditObjectType | null;
  objectId: string | null;
  orderId: string | null;
  params: { [key: string]: Json };
  outcomeStatus: number;
  outcomeCode: string | null;
  /** The shop the entry concerns (docs/shops.md), or NO_SHOP. */
  shopId: string;
}

export interface AuditInput {
  at?: Date;
  actor: AuditActor | null;
  sourceIp?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
  method?: string | null;
  route?: string | null;
  path?: string | null;
  action: AuditAction;
  objectId?: string | null;
  orderId?: string | null;
  shopId?: string | null;
  /** Where the action's parameters are read from (keepParams). */
  source?: AuditSource;
  outcomeStatus: number;
  outcomeCode?: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An entry from a request's parts: the object type and the kept parameters from the table, every text cleaned and bounded. */
export function auditRecord(i: AuditInput): AuditRecord {
  return {
    at: new Date((i.at ?? new Date()).getTime()),
    actorKeyId: i.actor?.keyId && UUID.test(i.actor.keyId) ? i.actor.keyId.toLowerCase() : null,
    actorName: textOrNull(i.actor?.name, 200),
    actorRole: i.actor?.role ?? null,
    sourceIp: textOrNull(i.sourceIp, 100),
    userAgent: textOrNull(i.userAgent, 300),
    requestId: textOrNull(i.requestId, 100),
    method: textOrNull(i.method, 10),
    route: textOrNull(i.route, 300),
    path: textOrNull(i.path, 500),
    action: i.action,
    objectType: AUDIT_ACTIONS[i.action].object,
    objectId: textOrNull(i.objectId, 200),
    orderId: textOrNull(i.orderId, 200),
    params: keepParams(i.action, i.source ?? {}),
    outcomeStatus: i.outcomeStatus,
    outcomeCode: textOrNull(i.outcomeCode, 100),
    shopId: textOrNull(i.shopId, 40) ?? NO_SHOP,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The chain

/** What a stored entry is: the audit_log row. */
export type StoredAuditEntry = AuditEntry;

/**
 * Canonical JSON: object keys sorted (by UTF-16 code units), no whitespace, absent (undefined) members left out,
 * numbers as JSON.stringify writes them. The one form the hash is computed over.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('canonicalJson: a number must be finite');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  throw new Error(`canonicalJson: cannot encode a ${typeof value}`);
}

/** An entry's fields as the hash covers them: a record about to be inserted, or a stored row. */
type Hashed = Omit<AuditRecord, 'action' | 'objectType' | 'params' | 'shopId'> & { id: bigint; action: string; objectType: string | null; params: unknown; shopId: string | null };

/** The fields an entry's hash covers: every column but prev_hash (chained in front) and hash itself, by column name. */
function hashedFields(r: Hashed): Record<string, unknown> {
  return {
    id: r.id.toString(),
    at: r.at.toISOString(),
    actor_key_id: r.actorKeyId,
    actor_name: r.actorName,
    actor_role: r.actorRole,
    source_ip: r.sourceIp,
    user_agent: r.userAgent,
    request_id: r.requestId,
    method: r.method,
    route: r.route,
    path: r.path,
    action: r.action,
    object_type: r.objectType,
    object_id: r.objectId,
    order_id: r.orderId,
    params: r.params,
    outcome_status: r.outcomeStatus,
    outcome_code: r.outcomeCode,
    // Left out when null: entries written before shops (no such column then) keep the hash they were written with;
    // every later entry has one (a database check).
    shop_id: r.shopId ?? undefined,
  };
}

/** hash = hex SHA-256 of prev_hash (empty for the first entry) followed by the canonical JSON of the entry's fields. */
export function entryHash(prevHash: string | null, entry: Hashed): string {
  return createHash('sha256')
    .update(prevHash ?? '', 'utf8')
    .update(canonicalJson(hashedFields(entry)), 'utf8')
    .digest('hex');
}

/** Chains records after the entry whose hash is `prevHash`, with the ids given (ascending): the rows to insert. */
export function linkRecords(prevHash: string | null, ids: bigint[], records: AuditRecord[]): StoredAuditEntry[] {
  if (ids.length !== records.length) throw new Error('linkRecords: one id per record');
  let prev = prevHash;
  return records.map((r, i) => {
    const withId = { ...r, id: ids[i] };
    const hash = entryHash(prev, withId);
    const row: StoredAuditEntry = { ...withId, params: r.params, prevHash: prev, hash };
    prev = hash;
    return row;
  });
}

/** The advisory lock every append takes inside its transaction: the chain stays linear across API processes. */
export const AUDIT_LOG_LOCK = 7_261_219;

/** Appends records inside the caller's transaction (the lock is held until it commits). */
export async function appendInTransaction(tx: Prisma.TransactionClient, records: AuditRecord[]): Promise<StoredAuditEntry[]> {
  if (records.length === 0) return [];
  await tx.$queryRaw`SELECT 1 AS locked FROM pg_advisory_xact_lock(${AUDIT_LOG_LOCK}::bigint)`;
  // After the lock, in one statement: the chain's last hash (read in this statement's snapshot, taken once the lock is
  // held, so no append is missed) and the ids the records get.
  const ids = await tx.$queryRaw<{ id: bigint; last: string | null }[]>`
    SELECT nextval(pg_get_serial_sequence('audit_log', 'id')) AS id, (SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1) AS last
    FROM generate_series(1, ${records.length}::int)`;
  const rows = linkRecords(
    ids[0]?.last ?? null,
    ids.map((r) => BigInt(r.id)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    records,
  );
  await tx.auditEntry.createMany({ data: rows.map((r) => ({ ...r, params: r.params as Prisma.InputJsonValue })) });
  return rows;
}

/** Appends records in a transaction of their own. */
export function appendAuditEntries(prisma: PrismaClient, records: AuditRecord[]): Promise<StoredAuditEntry[]> {
  return prisma.$transaction((tx) => appendInTransaction(tx, records), { maxWait: 10_000, timeout: 15_000 });
}

// ---------------------------------------------------------------------------------------------------------------
// Verifying

export interface ChainBreak {
  /** The first entry whose link does not hold. */
  id: string;
  /** edited: the entry's fields do not match its hash; missing: its prev_hash is not the hash of the entry before it. */
  kind: 'edited' | 'missing';
  message: string;
}

export type ChainReport = { ok: true; count: number; lastId: string | null; lastHash: string | null } | { ok: false; count: number; break: ChainBreak };

/** Walks entries in id order, one at a time: `check` answers the first broken link. */
export class ChainVerifier {
  count = 0;
  lastId: string | null = null;
  lastHash: string | null = null;

  check(e: StoredAuditEntry): ChainBreak | undefined {
    const id = e.id.toString();
    if (entryHash(e.prevHash, e) !== e.hash) {
      return { id, kind: 'edited', message: `entry ${id}: its fields do not match its hash (the row was changed after it was written)` };
    }
    if (e.prevHash !== this.lastHash) {
      const message =
        this.lastId === null
          ? `entry ${id}: the first entry found names a previous hash (the entries before it were deleted)`
          : `entry ${id}: prev_hash does not match the hash of entry ${this.lastId} (an entry between them was deleted, or entry ${this.lastId} was changed and its hash recomputed)`;
      return { id, kind: 'missing', message };
    }
    this.count += 1;
    this.lastId = id;
    this.lastHash = e.hash;
    return undefined;
  }

  report(broken?: ChainBreak): ChainReport {
    return broken ? { ok: false, count: this.count, break: broken } : { ok: true, count: this.count, lastId: this.lastId, lastHash: this.lastHash };
  }
}

/** Verifies entries given in id order. */
export function verifyEntries(entries: Iterable<StoredAuditEntry>): ChainReport {
  const v = new ChainVerifier();
  for (const e of entries) {
    const broken = v.check(e);
    if (broken) return v.report(broken);
  }
  return v.report();
}

/** Verifies the whole audit log from its first entry, a page at a time. */
export async function verifyAuditLog(prisma: PrismaClient, pageSize = 1_000): Promise<ChainReport> {
  const v = new ChainVerifier();
  let after: bigint | undefined;
  for (;;) {
    const page = await prisma.auditEntry.findMany({ where: after === undefined ? {} : { id: { gt: after } }, orderBy: { id: 'asc' }, take: pageSize });
    for (const e of page) {
      const broken = v.check(e);
      if (broken) return v.report(broken);
    }
    if (page.length < pageSize) return v.report();
    after = page[page.length - 1].id;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Reading

export interface AuditFilter {
  /** The shop's entries (or NO_SHOP's); the default shop's include those from before shops (no shop recorded). */
  shopId?: string;
  actorKeyId?: string;
  orderId?: string;
  objectId?: string;
  action?: AuditAction;
  from?: Date;
  to?: Date;
  /** Entries with a smaller id (the cursor: newest first). */
  beforeId?: bigint;
  limit: number;
}

/** A page of entries, newest first, and the cursor of the next one. */
export async function listAuditEntries(prisma: PrismaClient, f: AuditFilter): Promise<{ entries: StoredAuditEntry[]; nextCursor: string | null }> {
  const where: Prisma.AuditEntryWhereInput = {
    ...(f.shopId !== undefined ? (f.shopId === DEFAULT_SHOP_ID ? { OR: [{ shopId: f.shopId }, { shopId: null }] } : { shopId: f.shopId }) : {}),
    ...(f.actorKeyId ? { actorKeyId: f.actorKeyId.toLowerCase() } : {}),
    ...(f.orderId ? { orderId: f.orderId } : {}),
    ...(f.objectId ? { objectId: f.objectId } : {}),
    ...(f.action ? { action: f.action } : {}),
    ...(f.from || f.to ? { at: { ...(f.from ? { gte: f.from } : {}), ...(f.to ? { lt: f.to } : {}) } } : {}),
    ...(f.beforeId !== undefined ? { id: { lt: f.beforeId } } : {}),
  };
  const rows = await prisma.auditEntry.findMany({ where, orderBy: { id: 'desc' }, take: f.limit + 1 });
  const page = rows.slice(0, f.limit);
  return { entries: page, nextCursor: rows.length > f.limit ? page[page.length - 1].id.toString() : null };
}

// ---------------------------------------------------------------------------------------------------------------
// Settings: which fields a change touched

const CREDENTIAL_FIELDS = ['merchantId', 'storeId', 'publicKeyId', 'privateKey'] as const;
const ENVIRONMENT_FIELDS = ['region', 'sandbox', 'endpoint'];
const SHOP_FIELDS = new Set(Object.keys(shopSettingsSchema.shape));
const QUICK_FIELDS = new Set(Object.keys(shopSettingsSchema.shape.quickCheckout.unwrap().shape));

export interface SettingsSnapshot {
  settings: ShopSettings;
  /** The shop's credentials as stored: the private key sealed (a new seal each time it is entered), never opened here. */
  credentials?: { merchantId: string; storeId: string; publicKeyId: string; privateKey: string };
}

export async function settingsSnapshot(prisma: PrismaClient, shopId: string): Promise<SettingsSnapshot> {
  const [settings, shop] = await Promise.all([readSettings(prisma, shopId), prisma.shop.findUnique({ where: { shopId } })]);
  const credentials =
    shop?.merchantId && shop.storeId && shop.publicKeyId && shop.privateKeySealed
      ? { merchantId: shop.merchantId, storeId: shop.storeId, publicKeyId: shop.publicKeyId, privateKey: shop.privateKeySealed }
      : undefined;
  return { settings, credentials };
}

/** The shop settings as dotted leaves (quickCheckout.enabled, refundApprovalAbove.JPY). */
function leaves(s: ShopSettings): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [k, v] of Object.entries(s)) {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) for (const [sub, x] of Object.entries(v)) out.set(`${k}.${sub}`, x);
    else out.set(k, v);
  }
  return out;
}

/**
 * The fields a settings change touched (dotted names), and the new values of the shop settings among them. Of the
 * Amazon Pay credentials only the names (amazonPay.privateKey …): their values are never kept.
 */
export function settingsChanges(before: SettingsSnapshot, after: SettingsSnapshot): { fields: string[]; values: { [key: string]: Json } } {
  const fields: string[] = [];
  const values: { [key: string]: Json } = {};
  const a = leaves(before.settings);
  const b = leaves(after.settings);
  for (const name of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const was = a.get(name);
    const now = b.get(name);
    if ((was === undefined ? undefined : canonicalJson(was)) === (now === undefined ? undefined : canonicalJson(now))) continue;
    fields.push(name);
    values[name] = now === undefined ? null : (now as Json);
  }
  for (const k of CREDENTIAL_FIELDS) {
    const was = before.credentials?.[k];
    const now = after.credentials?.[k];
    if (was !== now) fields.push(`amazonPay.${k}`);
  }
  return { fields, values };
}

/** The settings fields a request names (known names only, dotted; others are counted): what a refused change asked for. */
export function requestedSettingFields(body: unknown): { requested: string[]; unknownFields: number } {
  const requested = new Set<string>();
  let unknownFields = 0;
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(body)) return { requested: [], unknownFields };
  for (const [k, v] of Object.entries(body)) {
    const nested = (known: (sub: string) => boolean) => {
      for (const sub of Object.keys(v as object)) {
        if (known(sub)) requested.add(`${k}.${sub}`);
        else unknownFields += 1;
      }
    };
    if (k === 'amazonPay' && isObject(v)) nested((sub) => (CREDENTIAL_FIELDS as readonly string[]).includes(sub));
    else if (k === 'quickCheckout' && isObject(v)) nested((sub) => QUICK_FIELDS.has(sub));
    else if (k === 'refundApprovalAbove' && isObject(v)) nested((sub) => /^[A-Z]{3}$/.test(sub));
    else if (SHOP_FIELDS.has(k) || ENVIRONMENT_FIELDS.includes(k)) {
      requested.add(k);
    } else if ((CREDENTIAL_FIELDS as readonly string[]).includes(k)) {
      requested.add(`amazonPay.${k}`);
    } else {
      unknownFields += 1;
    }
  }
  return { requested: [...requested].sort(), unknownFields };
}

// ---------------------------------------------------------------------------------------------------------------
// The API's writer

export interface AuditWriter {
  /** Queues an entry; it is appended shortly after, in order. Never throws. */
  record(r: AuditRecord): void;
  /** Resolves once every entry queued so far is written (or has failed). */
  flush(): Promise<void>;
}

export interface AuditWriterOptions {
  /** Entries waiting beyond this are dropped (logged and counted): a stuck database never fills the memory. */
  maxQueue?: number;
  /** Entries appended per transaction. */
  batch?: number;
  /** Before the one retry of a failed batch. */
  retryDelayMs?: number;
}

/**
 * Appends the API's entries after their answers, one batch at a time in one transaction: the answers never wait for
 * the audit log. A batch that fails twice is logged as an error and counted (audit_log_writes_total{outcome="failed"});
 * its transaction rolled back, so the chain stays valid.
 */
export function createAuditWriter(prisma: PrismaClient, log: Logger, o: AuditWriterOptions = {}): AuditWriter {
  const maxQueue = o.maxQueue ?? 10_000;
  const batchSize = o.batch ?? 100;
  const retryDelayMs = o.retryDelayMs ?? 250;
  const queue: AuditRecord[] = [];
  let running: Promise<void> | undefined;
  // A full queue is logged at most once a second, with the number dropped since the last line.
  let dropped = 0;
  let droppedLoggedAt = 0;

  async function writeBatch(): Promise<void> {
    const batch = queue.splice(0, batchSize);
    for (let attempt = 1; ; attempt++) {
      try {
        await appendAuditEntries(prisma, batch);
        auditWrites.inc({ outcome: 'written' }, batch.length);
        return;
      } catch (err) {
        if (attempt < 2) {
          await new Promise((r) => setTimeout(r, retryDelayMs));
          continue;
        }
        auditWrites.inc({ outcome: 'failed' }, batch.length);
        log.error({ err, entries: batch.map((r) => ({ action: r.action, requestId: r.requestId, outcomeStatus: r.outcomeStatus })) }, 'audit log write failed: entries lost');
        return;
      }
    }
  }

  const kick = () => {
    if (running || queue.length === 0) return;
    running = writeBatch().finally(() => {
      running = undefined;
      kick();
    });
  };

  return {
    record(r) {
      if (queue.length >= maxQueue) {
        auditWrites.inc({ outcome: 'dropped' });
        dropped += 1;
        if (Date.now() - droppedLoggedAt >= 1_000) {
          log.error({ dropped, action: r.action, requestId: r.requestId }, 'audit log queue full: entries dropped');
          dropped = 0;
          droppedLoggedAt = Date.now();
        }
        return;
      }
      queue.push(r);
      kick();
    },
    async flush() {
      while (running) await running;
    },
  };
}
