/**
 * prisma/schema.prisma and prisma/migrations must describe the same database: apply the SQL
 * migrations to a fresh database, introspect it, and compare with the Prisma DMMF (columns, types,
 * nullability, defaults, enums, indexes, foreign keys). Also proves the migrator records
 * migrations the way Prisma does and is idempotent.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getDMMF } from '@prisma/get-dmmf';
import type * as DMMF from '@prisma/dmmf';
import { Client } from 'pg';
import { applyMigrations, migrationStatus, MIGRATIONS_DIR, readMigrations } from '../../lib/migrate';
import { createEmptyDatabase } from '../helpers/database';

function loadDmmf(): DMMF.Document {
  const doc = getDMMF({ datamodel: readFileSync(path.resolve(__dirname, '../../prisma/schema.prisma'), 'utf8') });
  if ('error' in doc) throw doc.error;
  return doc;
}

/** The PostgreSQL type Prisma creates for a field (information_schema naming). */
function expectedPgType(field: DMMF.Field): string {
  const native = field.nativeType?.[0];
  if (field.kind === 'enum') return `enum:${field.type}`;
  // A scalar list (String[]) is a PostgreSQL array; information_schema names every array type ARRAY.
  if (field.isList) return 'ARRAY';
  switch (native) {
    case 'Char':
      return 'character';
    case 'Uuid':
      return 'uuid';
    case 'Timestamptz':
      return 'timestamp with time zone';
    case undefined:
      break;
    default:
      throw new Error(`native type ${native} not mapped in this test`);
  }
  const map: Record<string, string> = {
    String: 'text',
    Int: 'integer',
    BigInt: 'bigint',
    Boolean: 'boolean',
    DateTime: 'timestamp without time zone',
    Json: 'jsonb',
    Float: 'double precision',
    Decimal: 'numeric',
  };
  const t = map[field.type];
  if (!t) throw new Error(`type ${field.type} not mapped in this test`);
  return t;
}

/** Whether Prisma puts a DEFAULT on the column (uuid()/cuid() and @updatedAt are client-side). */
function hasDbDefault(field: DMMF.Field): boolean {
  if (!field.hasDefaultValue) return false;
  const d = field.default as { name?: string } | undefined;
  return !(d && typeof d === 'object' && 'name' in d && (d.name === 'uuid' || d.name === 'cuid'));
}

describe('schema.prisma and the SQL migrations', () => {
  let drop: () => Promise<void>;
  let db: Client;
  const dmmf = loadDmmf();

  beforeAll(async () => {
    const empty = await createEmptyDatabase();
    drop = empty.drop;
    await applyMigrations(empty.url);
    db = new Client({ connectionString: empty.url });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await drop?.();
  });

  it('create exactly the tables of the Prisma models', async () => {
    const { rows } = await db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
    );
    const expected = dmmf.datamodel.models.map((m) => m.dbName ?? m.name).concat('_prisma_migrations').sort();
    expect(rows.map((r) => r.table_name)).toEqual(expected);
  });

  it('give every column the type, nullability and default the schema declares', async () => {
    for (const model of dmmf.datamodel.models) {
      const table = model.dbName ?? model.name;
      const { rows } = await db.query<{ column_name: string; data_type: string; udt_name: string; is_nullable: string; column_default: string | null; datetime_precision: number | null }>(
        `SELECT column_name, data_type, udt_name, is_nullable, column_default, datetime_precision
           FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1`,
        [table],
      );
      const actual = Object.fromEntries(
        rows.map((c) => [
          c.column_name,
          {
            type: c.data_type === 'USER-DEFINED' ? `enum:${c.udt_name}` : c.data_type,
            nullable: c.is_nullable === 'YES',
            hasDefault: c.column_default !== null,
            ...(c.data_type.startsWith('timestamp') ? { precision: c.datetime_precision } : {}),
          },
        ]),
      );
      const expected = Object.fromEntries(
        model.fields
          .filter((f) => f.kind !== 'object')
          .map((f) => [
            f.dbName ?? f.name,
            {
              type: expectedPgType(f),
              nullable: !f.isRequired,
              hasDefault: hasDbDefault(f),
              ...(f.type === 'DateTime' ? { precision: Number(f.nativeType?.[1]?.[0] ?? 3) } : {}),
            },
          ]),
      );
      expect({ table, columns: actual }).toEqual({ table, columns: expected });
    }
  });

  it('create every enum with the schema values in order', async () => {
    const { rows } = await db.query<{ name: string; value: string }>(
      `SELECT t.typname AS name, e.enumlabel AS value FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid ORDER BY t.typname, e.enumsortorder`,
    );
    const actual: Record<string, string[]> = {};
    for (const r of rows) (actual[r.name] ??= []).push(r.value);
    const expected = Object.fromEntries(dmmf.datamodel.enums.map((e) => [e.dbName ?? e.name, e.values.map((v) => v.dbName ?? v.name)]));
    expect(actual).toEqual(expected);
  });

  it('create the primary keys, unique and plain indexes of the schema', async () => {
    const { rows } = await db.query<{ table: string; columns: string[]; unique: boolean; primary: boolean }>(
      `SELECT c.relname AS table, i.indisunique AS unique, i.indisprimary AS primary,
              array_agg(a.attname::text ORDER BY k.ord) AS columns
         FROM pg_index i
         JOIN pg_class c ON c.oid = i.indrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
         CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
        WHERE c.relname <> '_prisma_migrations'
        GROUP BY c.relname, i.indexrelid, i.indisunique, i.indisprimary`,
    );
    const describeIndex = (table: string, columns: string[], kind: string) => `${table}(${columns.join(',')}) ${kind}`;
    const actual = rows.map((r) => describeIndex(r.table, r.columns, r.primary ? 'id' : r.unique ? 'unique' : 'normal')).sort();
    const modelsByName = new Map(dmmf.datamodel.models.map((m) => [m.name, m]));
    const expected = (dmmf.datamodel.indexes ?? [])
      .map((idx) => {
        const model = modelsByName.get(idx.model)!;
        const cols = idx.fields.map((f) => {
          const field = model.fields.find((x) => x.name === f.name)!;
          return field.dbName ?? field.name;
        });
        return describeIndex(model.dbName ?? model.name, cols, idx.type === 'fulltext' ? 'normal' : idx.type);
      })
      .sort();
    expect(actual).toEqual(expected);
  });

  it('create the foreign keys of the schema relations with their referential actions', async () => {
    const { rows } = await db.query<{ table: string; column: string; ref_table: string; ref_column: string; on_delete: string }>(
      // Column by column in key order (a composite key pairs its first column with the referenced first, and so on).
      `SELECT c.conrelid::regclass::text AS table, a.attname AS column, c.confrelid::regclass::text AS ref_table, af.attname AS ref_column,
              CASE c.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'r' THEN 'RESTRICT' WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' ELSE 'NO ACTION' END AS on_delete
         FROM pg_constraint c
         CROSS JOIN LATERAL unnest(c.conkey, c.confkey) AS k(col, refcol)
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.col
         JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = k.refcol
        WHERE c.contype = 'f'`,
    );
    const actual = rows.map((r) => `${r.table}.${r.column} -> ${r.ref_table}.${r.ref_column} ON DELETE ${r.on_delete}`).sort();
    const expected: string[] = [];
    const modelsByName = new Map(dmmf.datamodel.models.map((m) => [m.name, m]));
    for (const model of dmmf.datamodel.models) {
      for (const f of model.fields.filter((x) => x.kind === 'object' && (x.relationFromFields?.length ?? 0) > 0)) {
        const target = modelsByName.get(f.type)!;
        f.relationFromFields!.forEach((from, i) => {
          const col = model.fields.find((x) => x.name === from)!;
          const ref = target.fields.find((x) => x.name === f.relationToFields![i])!;
          const onDelete = (f.relationOnDelete ?? 'Restrict').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
          expected.push(`${model.dbName ?? model.name}.${col.dbName ?? col.name} -> ${target.dbName ?? target.name}.${ref.dbName ?? ref.name} ON DELETE ${onDelete}`);
        });
      }
    }
    expect(actual).toEqual(expected.sort());
  });
});

describe('the migrator', () => {
  it('records migrations as Prisma does and applies nothing twice, even when two processes start at once', async () => {
    const empty = await createEmptyDatabase();
    try {
      const [a, b] = await Promise.all([applyMigrations(empty.url), applyMigrations(empty.url)]);
      const onDisk = readMigrations();
      expect([...a, ...b].sort()).toEqual(onDisk.map((m) => m.name));
      expect(await applyMigrations(empty.url)).toEqual([]);

      const db = new Client({ connectionString: empty.url });
      await db.connect();
      const { rows } = await db.query<{ migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number; rolled_back_at: Date | null }>(
        'SELECT migration_name, checksum, finished_at, applied_steps_count, rolled_back_at FROM "_prisma_migrations" ORDER BY migration_name',
      );
      expect(rows).toHaveLength(onDisk.length);
      for (const [i, m] of onDisk.entries()) {
        const sha = createHash('sha256').update(readFileSync(path.join(MIGRATIONS_DIR, m.name, 'migration.sql'))).digest('hex');
        expect(rows[i]).toMatchObject({ migration_name: m.name, checksum: sha, applied_steps_count: 1, rolled_back_at: null });
        expect(rows[i].finished_at).toBeInstanceOf(Date);
      }
      expect(await migrationStatus(db)).toEqual({ applied: onDisk.map((m) => m.name), pending: [], problems: [] });
      await db.end();
    } finally {
      await empty.drop();
    }
  });

  it('refuses to run when an applied migration was edited, and rolls back a failing one completely', async () => {
    const empty = await createEmptyDatabase();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'migrations-'));
    try {
      cpSync(MIGRATIONS_DIR, dir, { recursive: true });
      await applyMigrations(empty.url, undefined, readMigrations(dir));

      const first = readMigrations(dir)[0];
      writeFileSync(path.join(dir, first.name, 'migration.sql'), `${first.sql}\n-- edited\n`);
      await expect(applyMigrations(empty.url, undefined, readMigrations(dir))).rejects.toThrow(/edited after it was applied/);
      writeFileSync(path.join(dir, first.name, 'migration.sql'), first.sql);

      const broken = '29990101000000_broken';
      cpSync(path.join(dir, first.name), path.join(dir, broken), { recursive: true });
      writeFileSync(path.join(dir, broken, 'migration.sql'), 'CREATE TABLE "half_done" (id INT);\nSELECT no_such_function();\n');
      await expect(applyMigrations(empty.url, undefined, readMigrations(dir))).rejects.toThrow(/29990101000000_broken failed/);

      const db = new Client({ connectionString: empty.url });
      await db.connect();
      const leftover = await db.query(`SELECT to_regclass('half_done') IS NOT NULL AS present`);
      expect(leftover.rows[0].present).toBe(false);
      const status = await migrationStatus(db, readMigrations(dir));
      expect(status.pending).toEqual([broken]);
      expect(status.problems).toEqual([]);
      await db.end();
    } finally {
      await empty.drop();
    }
  });
});

describe('the event log migration (docs/events.md)', () => {
  it("moves a subscription's events into the log, numbered per subscription, and then refuses to change them", async () => {
    const empty = await createEmptyDatabase();
    try {
      const all = readMigrations();
      const at = all.findIndex((m) => m.name === '20261203000000_order_events');
      await applyMigrations(empty.url, undefined, all.slice(0, at));
      const db = new Client({ connectionString: empty.url });
      await db.connect();
      try {
        const event = (id: string, sub: string, type: string) => [id, type, sub, JSON.stringify({ eventId: id, type, subscriptionId: sub, occurredAt: '2026-12-01T00:00:00.000Z', data: { period: 2, status: 'Active' } })];
        for (const row of [event('subscription-A:1:recurring.charge.succeeded', 'A', 'recurring.charge.succeeded'), event('subscription-B:1:subscription.paused', 'B', 'subscription.paused'), event('subscription-A:2:subscription.suspended', 'A', 'subscription.suspended')]) {
          await db.query(`INSERT INTO shop_events (event_id, type, subscription_id, payload, status) VALUES ($1, $2, $3, $4::jsonb, 'delivered')`, row);
        }
        await applyMigrations(empty.url, undefined, all);
        const { rows } = await db.query<{ event_id: string; order_id: string; seq: number; type: string; data: unknown; occurred_at: Date }>('SELECT event_id, order_id, seq, type, data, occurred_at FROM events ORDER BY id');
        expect(rows.map((r) => [r.event_id, r.order_id, r.seq])).toEqual([
          ['subscription-A:1:recurring.charge.succeeded', 'A', 1],
          ['subscription-B:1:subscription.paused', 'B', 1],
          ['subscription-A:2:subscription.suspended', 'A', 2],
        ]);
        expect(rows[0].data).toEqual({ period: 2, status: 'Active' });
        expect(rows[0].occurred_at.toISOString()).toBe('2026-12-01T00:00:00.000Z');
        expect((await db.query('SELECT order_id, last_seq FROM event_streams ORDER BY order_id')).rows).toEqual([
          { order_id: 'A', last_seq: 2 },
          { order_id: 'B', last_seq: 1 },
        ]);
        expect((await db.query("SELECT to_regclass('shop_events') AS t")).rows[0].t).toBeNull();
        // Append-only: the database itself refuses to change an event.
        await expect(db.query("UPDATE events SET type = 'payment.captured' WHERE seq = 1")).rejects.toThrow(/append-only/);
        // The endpoints' secrets are sealed, never plain.
        await expect(db.query("INSERT INTO event_endpoints (id, shop_id, url, source, secret_sealed, updated_at) VALUES (gen_random_uuid(), 'default', 'https://x', 'api', 'whsec_plain', now())")).rejects.toThrow(/event_endpoints_secret_sealed/);
        await expect(db.query("INSERT INTO event_endpoints (id, shop_id, url, source, updated_at) VALUES (gen_random_uuid(), 'default', 'https://x', 'api', now())")).rejects.toThrow(/event_endpoints_secret/);
      } finally {
        await db.end();
      }
    } finally {
      await empty.drop();
    }
  });
});
