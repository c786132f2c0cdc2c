// A small in-memory stand-in for the Prisma calls the activities make (orders, payment history, pre-payment log).
import { Prisma, type PrismaClient } from '../../../prisma/generated/client';

type Row = Record<string, unknown>;

/** A shop's row's key in the maps: the order id for the default shop (what the tests look up), `<shop>/<id>` for another. */
const keyOf = (shopId: unknown, id: unknown) => (shopId === 'default' || shopId === undefined ? String(id) : `${String(shopId)}/${String(id)}`);

export class FakePrisma {
  readonly orders = new Map<string, Row>();
  readonly history: Row[] = [];
  readonly prePayment = new Map<string, Row>();
  readonly subscriptions = new Map<string, Row>();
  /** The event log (lib/events.ts appendEvents): rows in the order written, and each order's last number. */
  readonly events: Row[] = [];
  readonly streams = new Map<string, number>();
  /** amazon_object_owners: object id → owning order (and its shop). */
  readonly owners = new Map<string, string>();
  readonly ownerShops = new Map<string, string>();
  /** Operations in order, to check the pre-payment row is written before the money call. */
  readonly journal: string[] = [];

  /** The next this many order-row writes fail, as a database that refuses them would. */
  failOrderWrites = 0;

  readonly order = {
    upsert: async (a: { where: { shopId_orderId: { shopId: string; orderId: string } }; create: Row; update: Row }) => {
      if (this.failOrderWrites > 0) {
        this.failOrderWrites -= 1;
        throw new Error('the database refused the write');
      }
      const key = keyOf(a.where.shopId_orderId.shopId, a.where.shopId_orderId.orderId);
      const existing = this.orders.get(key);
      this.orders.set(key, existing ? { ...existing, ...a.update } : { ...a.create });
      return this.orders.get(key);
    },
  };

  readonly paymentHistory = {
    createMany: async (a: { data: Row[]; skipDuplicates?: boolean }) => {
      let count = 0;
      for (const row of a.data) {
        if (this.history.some((h) => h.dedupeKey === row.dedupeKey)) continue;
        this.history.push(row);
        count += 1;
      }
      return { count };
    },
  };

  readonly prePaymentLog = {
    createMany: async (a: { data: Row; skipDuplicates?: boolean }) => {
      this.journal.push(`prePayment.open:${String(a.data.action)}`);
      if (!this.orders.has(keyOf(a.data.shopId, a.data.orderId))) throw new Error('foreign key violation: order row missing');
      const key = String(a.data.idempotencyKey);
      if (this.prePayment.has(key)) {
        if (!a.skipDuplicates) throw new Error('unique violation: pre_payment_log (idempotency_key)');
        return { count: 0 };
      }
      this.prePayment.set(key, { ...a.data });
      return { count: 1 };
    },
    findMany: async (a: { where: { shopId: string; orderId: string } }) => {
      this.journal.push('prePayment.read');
      // Insertion order is the id order.
      return [...this.prePayment.values()].filter((r) => r.shopId === a.where.shopId && r.orderId === a.where.orderId).map((r) => ({ payload: r.payload ?? null }));
    },
    update: async (a: { where: { idempotencyKey: string }; data: Row }) => {
      this.journal.push(`prePayment.resolve:${String(a.data.status)}`);
      const existing = this.prePayment.get(a.where.idempotencyKey);
      if (!existing) throw new Error('record to update not found');
      this.prePayment.set(a.where.idempotencyKey, { ...existing, ...a.data });
      return this.prePayment.get(a.where.idempotencyKey);
    },
  };

  readonly subscription = {
    upsert: async (a: { where: { shopId_subscriptionId: { shopId: string; subscriptionId: string } }; create: Row; update: Row }) => {
      const key = keyOf(a.where.shopId_subscriptionId.shopId, a.where.shopId_subscriptionId.subscriptionId);
      const existing = this.subscriptions.get(key);
      this.subscriptions.set(key, existing ? { ...existing, ...a.update } : { ...a.create });
      return this.subscriptions.get(key);
    },
  };

  readonly event = {
    createManyAndReturn: async (a: { data: Row[] }) => {
      const rows: Row[] = a.data.map((r, i) => ({ ...r, id: BigInt(this.events.length + i + 1) }));
      for (const r of rows) {
        if (this.events.some((e) => e.shopId === r.shopId && e.orderId === r.orderId && e.seq === r.seq)) throw new Error('unique violation: events (shop_id, order_id, seq)');
        this.events.push(r);
      }
      return rows;
    },
  };

  readonly amazonObjectOwner = {
    findUnique: async (a: { where: { objectId: string } }) => {
      const orderId = this.owners.get(a.where.objectId);
      return orderId === undefined ? null : { objectId: a.where.objectId, shopId: this.ownerShops.get(a.where.objectId) ?? 'default', orderId };
    },
  };

  /** The order's event stream row, made on first use: its last number. */
  private lastSeqOf(shopId: unknown, orderId: unknown): number {
    const key = keyOf(shopId, orderId);
    if (!this.streams.has(key)) this.streams.set(key, 0);
    return this.streams.get(key) as number;
  }

  /**
   * The raw queries the activities run, recognised by their text (nested Prisma.sql fragments flattened, as the client
   * does): the ownership claim, the projection write (order row and history rows, with the event stream lock when it
   * has events), the event log's stream lock and its insert.
   */
  async $queryRaw(strings: TemplateStringsArray, ...parts: unknown[]): Promise<unknown[]> {
    const { sql, values } = Prisma.sql(strings, ...parts);
    // lib/amazon-object-owners.ts ownerOf: the owner, if any.
    if (sql.startsWith('SELECT shop_id, order_id FROM amazon_object_owners')) {
      const orderId = this.owners.get(String(values[0]));
      return orderId === undefined ? [] : [{ shop_id: this.ownerShops.get(String(values[0])) ?? 'default', order_id: orderId }];
    }
    // lib/amazon-object-owners.ts claimFor: the claim, answering the owner (new or earlier).
    if (sql.includes('amazon_object_owners')) {
      const [objectId, , shopId, orderId] = values as [string, string, string, string];
      if (!this.owners.has(objectId)) {
        this.owners.set(objectId, orderId);
        this.ownerShops.set(objectId, shopId);
      }
      return [{ shop_id: this.ownerShops.get(objectId) ?? 'default', order_id: this.owners.get(objectId) }];
    }
    // activities/persistence.ts writeOrderAndHistory: the order row (orderData as JSON) and its new history rows.
    if (sql.includes('INSERT INTO orders')) {
      const [dataJson, shopId, orderId, , , , rowsJson] = values as [string, string, string, boolean, boolean, boolean, string];
      const data = JSON.parse(dataJson) as Row;
      if (typeof data.authorizationExpiresAt === 'string') data.authorizationExpiresAt = new Date(data.authorizationExpiresAt);
      await this.order.upsert({ where: { shopId_orderId: { shopId, orderId } }, create: { shopId, orderId, ...data, startRequest: null }, update: { ...data, startRequest: null } });
      const rows = (JSON.parse(rowsJson) as Row[]).map((r) => ({ ...r, occurredAt: new Date(String(r.occurredAt)) }));
      await this.paymentHistory.createMany({ data: rows, skipDuplicates: true });
      // No endpoints: events are recorded, delivered nowhere.
      return [{ last_seq: sql.includes('stream_lock') ? this.lastSeqOf(shopId, orderId) : null, endpoints: null }];
    }
    // lib/events.ts appendEvents: the events not written before, numbered after the stream's last.
    if (sql.includes('INSERT INTO events')) {
      const [rowsJson, lastSeq, , shopId, orderId] = values as [string, number, number, string, string];
      const rows = (JSON.parse(rowsJson) as Array<{ event_id: string; dedupe_key: string; type: string; payment_status: string | null; subscription_id: string | null; data: unknown; occurred_at: string }>).filter(
        (r) => !this.events.some((e) => e.dedupeKey === r.dedupe_key),
      );
      await this.event.createManyAndReturn({
        data: rows.map((r, i) => ({ eventId: r.event_id, dedupeKey: r.dedupe_key, shopId, orderId, seq: lastSeq + i + 1, type: r.type, paymentStatus: r.payment_status, subscriptionId: r.subscription_id, data: r.data, occurredAt: new Date(r.occurred_at) })),
      });
      this.streams.set(keyOf(shopId, orderId), lastSeq + rows.length);
      return [{ n: rows.length }];
    }
    // lib/events.ts: the stream lock, alone (INSERT … ON CONFLICT … RETURNING last_seq) or with the endpoints.
    if (!sql.includes('event_streams')) throw new Error(`FakePrisma does not run: ${sql}`);
    return [{ last_seq: this.lastSeqOf(values[0], values[1]), endpoints: null }];
  }

  /**
   * The raw statements the activities run: the pre-payment row opened (INSERT … ON CONFLICT DO NOTHING) and resolved
   * (activities/pre-payment-log.ts), and the ownership claim (INSERT … ON CONFLICT DO NOTHING).
   */
  async $executeRaw(strings: TemplateStringsArray, ...parts: unknown[]): Promise<number> {
    const { sql, values } = Prisma.sql(strings, ...parts);
    const json = (v: unknown) => (typeof v === 'string' ? (JSON.parse(v) as unknown) : undefined);
    if (sql.includes('INSERT INTO pre_payment_log')) {
      const [shopId, orderId, action, idempotencyKey, amount, currency, checkoutSessionId, chargePermissionId, chargeId, payload] = values;
      const data: Row = { shopId, orderId, action, idempotencyKey, amount, currency, checkoutSessionId, chargePermissionId, chargeId, status: 'pending', ...(payload !== null ? { payload: json(payload) } : {}) };
      return (await this.prePaymentLog.createMany({ data, skipDuplicates: true })).count;
    }
    if (sql.includes('UPDATE pre_payment_log')) {
      const [status, resultCode, resolvedAt, chargeId, chargePermissionId, payload, idempotencyKey] = values;
      const data: Row = { status, resultCode, resolvedAt, ...(chargeId !== null ? { chargeId } : {}), ...(chargePermissionId !== null ? { chargePermissionId } : {}), ...(payload !== null ? { payload: json(payload) } : {}) };
      if (!this.prePayment.has(String(idempotencyKey))) return 0;
      await this.prePaymentLog.update({ where: { idempotencyKey: String(idempotencyKey) }, data });
      return 1;
    }
    if (!sql.includes('amazon_object_owners')) throw new Error(`FakePrisma does not run: ${sql}`);
    const [objectId, , shopId, orderId] = values as [string, string, string, string];
    if (this.owners.has(objectId)) return 0;
    this.owners.set(objectId, orderId);
    this.ownerShops.set(objectId, shopId);
    return 1;
  }

  /** No stored settings: the defaults apply. */
  readonly setting = {
    findUnique: async () => null,
  };

  /** Batch transactions: the fake's operations already ran when their promises were made; an interactive one runs on the fake itself. */
  async $transaction(operations: Promise<unknown>[] | ((tx: this) => Promise<unknown>)): Promise<unknown> {
    if (typeof operations === 'function') return operations(this);
    return Promise.all(operations);
  }

  asPrisma(): PrismaClient {
    return this as unknown as PrismaClient;
  }
}
