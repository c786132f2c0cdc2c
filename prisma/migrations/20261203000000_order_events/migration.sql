-- docs/events.md: the event log of every order's payment changes, its per-order numbering, the endpoints events go
-- to and one delivery row per event and endpoint. Replaces shop_events (a subscription's events, one endpoint).

-- CreateTable
CREATE TABLE "events" (
    "id" BIGSERIAL NOT NULL,
    "event_id" TEXT NOT NULL,
    "dedupe_key" TEXT NOT NULL,
    "order_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "payment_status" TEXT,
    "subscription_id" TEXT,
    "data" JSONB NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "events_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "events_seq_positive" CHECK ("seq" > 0)
);

-- CreateTable
CREATE TABLE "event_streams" (
    "order_id" TEXT NOT NULL,
    "last_seq" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "event_streams_pkey" PRIMARY KEY ("order_id")
);

-- CreateTable
CREATE TABLE "event_endpoints" (
    "id" UUID NOT NULL,
    "url" TEXT NOT NULL,
    "description" TEXT,
    "event_types" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "source" TEXT NOT NULL DEFAULT 'api',
    "secret_sealed" TEXT,
    "previous_secret_sealed" TEXT,
    "previous_secret_expires_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "event_endpoints_pkey" PRIMARY KEY ("id"),
    -- An API endpoint always has a sealed secret; the environment's never has one here.
    CONSTRAINT "event_endpoints_secret" CHECK (("source" = 'api' AND "secret_sealed" IS NOT NULL) OR ("source" = 'env' AND "secret_sealed" IS NULL AND "previous_secret_sealed" IS NULL)),
    -- A sealed secret is never a plain one: lib/secret-box.ts writes "sb1.<key id>.<iv>.<tag>.<ciphertext>".
    CONSTRAINT "event_endpoints_secret_sealed" CHECK (("secret_sealed" IS NULL OR "secret_sealed" LIKE 'sb1.%') AND ("previous_secret_sealed" IS NULL OR "previous_secret_sealed" LIKE 'sb1.%'))
);

-- CreateTable
CREATE TABLE "event_deliveries" (
    "id" BIGSERIAL NOT NULL,
    "event_row_id" BIGINT NOT NULL,
    "endpoint_id" UUID NOT NULL,
    "order_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "locked_until" TIMESTAMPTZ(3),
    "last_attempt_at" TIMESTAMPTZ(3),
    "last_status_code" INTEGER,
    "last_error" TEXT,
    "delivered_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "event_deliveries_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "event_deliveries_status" CHECK ("status" IN ('pending', 'delivered', 'refused', 'failed', 'canceled'))
);

-- CreateIndex
CREATE UNIQUE INDEX "events_event_id_key" ON "events"("event_id");

-- CreateIndex
CREATE UNIQUE INDEX "events_dedupe_key_key" ON "events"("dedupe_key");

-- CreateIndex
CREATE INDEX "events_type_id_idx" ON "events"("type", "id");

-- CreateIndex
CREATE INDEX "events_subscription_id_id_idx" ON "events"("subscription_id", "id");

-- CreateIndex
CREATE UNIQUE INDEX "events_order_id_seq_key" ON "events"("order_id", "seq");

-- CreateIndex
CREATE INDEX "event_deliveries_status_next_attempt_at_idx" ON "event_deliveries"("status", "next_attempt_at");

-- CreateIndex
CREATE INDEX "event_deliveries_endpoint_id_order_id_seq_idx" ON "event_deliveries"("endpoint_id", "order_id", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "event_deliveries_event_row_id_endpoint_id_key" ON "event_deliveries"("event_row_id", "endpoint_id");

-- AddForeignKey
ALTER TABLE "event_deliveries" ADD CONSTRAINT "event_deliveries_event_row_id_fkey" FOREIGN KEY ("event_row_id") REFERENCES "events"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "event_deliveries" ADD CONSTRAINT "event_deliveries_endpoint_id_fkey" FOREIGN KEY ("endpoint_id") REFERENCES "event_endpoints"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The events are never changed or removed once written: the engine only inserts them (a delivery's state lives in
-- event_deliveries).
CREATE FUNCTION "events_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'events are append-only (docs/events.md)';
END;
$$;
CREATE TRIGGER "events_no_update" BEFORE UPDATE OR DELETE ON "events" FOR EACH ROW EXECUTE FUNCTION "events_append_only"();
CREATE TRIGGER "events_no_truncate" BEFORE TRUNCATE ON "events" FOR EACH STATEMENT EXECUTE FUNCTION "events_append_only"();

-- A subscription's events so far move into the log, numbered per subscription (its checkout order's id) in the order
-- they were recorded (and in that order in the log); their ids stay as the shop received them.
INSERT INTO "events" ("event_id", "dedupe_key", "order_id", "seq", "type", "payment_status", "subscription_id", "data", "occurred_at", "created_at")
SELECT "event_id", "event_id", COALESCE("subscription_id", "order_id"),
       ROW_NUMBER() OVER (PARTITION BY COALESCE("subscription_id", "order_id") ORDER BY "id"),
       "type", NULL, "subscription_id", COALESCE("payload"->'data', '{}'::jsonb),
       COALESCE(("payload"->>'occurredAt')::timestamptz, "created_at"), "created_at"
FROM "shop_events"
WHERE COALESCE("subscription_id", "order_id") IS NOT NULL
ORDER BY "id";

INSERT INTO "event_streams" ("order_id", "last_seq")
SELECT "order_id", MAX("seq") FROM "events" GROUP BY "order_id";

-- Those not yet delivered when the log came are owed to SHOP_WEBHOOK_URL, the one endpoint there was: the first
-- process that finds it configured gives each a delivery (lib/event-endpoints.ts ensureEnvEndpoint).
CREATE TABLE "event_backlog" (
    "event_row_id" BIGINT NOT NULL,

    CONSTRAINT "event_backlog_pkey" PRIMARY KEY ("event_row_id")
);
ALTER TABLE "event_backlog" ADD CONSTRAINT "event_backlog_event_row_id_fkey" FOREIGN KEY ("event_row_id") REFERENCES "events"("id") ON DELETE CASCADE ON UPDATE CASCADE;
INSERT INTO "event_backlog" ("event_row_id")
SELECT e."id" FROM "events" e JOIN "shop_events" s ON s."event_id" = e."event_id" WHERE s."status" IN ('pending', 'failed');

DROP TABLE "shop_events";
