-- docs/audit.md: the audit log of every state-changing admin request, hash-chained, append-only.

-- CreateTable
CREATE TABLE "audit_log" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "actor_key_id" UUID,
    "actor_name" TEXT,
    "actor_role" TEXT,
    "source_ip" TEXT,
    "user_agent" TEXT,
    "request_id" TEXT,
    "method" TEXT,
    "route" TEXT,
    "path" TEXT,
    "action" TEXT NOT NULL,
    "object_type" TEXT,
    "object_id" TEXT,
    "order_id" TEXT,
    "params" JSONB NOT NULL,
    "outcome_status" INTEGER NOT NULL,
    "outcome_code" TEXT,
    "prev_hash" TEXT,
    "hash" TEXT NOT NULL,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id"),
    -- A hash is hex SHA-256.
    CONSTRAINT "audit_log_hash_hex" CHECK ("hash" ~ '^[0-9a-f]{64}$' AND ("prev_hash" IS NULL OR "prev_hash" ~ '^[0-9a-f]{64}$'))
);

-- CreateIndex
CREATE UNIQUE INDEX "audit_log_prev_hash_key" ON "audit_log"("prev_hash");
CREATE UNIQUE INDEX "audit_log_hash_key" ON "audit_log"("hash");
CREATE INDEX "audit_log_actor_key_id_id_idx" ON "audit_log"("actor_key_id", "id");
CREATE INDEX "audit_log_object_id_id_idx" ON "audit_log"("object_id", "id");
CREATE INDEX "audit_log_order_id_id_idx" ON "audit_log"("order_id", "id");
CREATE INDEX "audit_log_action_id_idx" ON "audit_log"("action", "id");
CREATE INDEX "audit_log_at_idx" ON "audit_log"("at");

-- The engine only ever inserts entries. Changing or removing one takes a superuser or the table's owner disabling
-- this trigger, and `npm run audit -- verify` then reports the entry.
CREATE FUNCTION "audit_log_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only (docs/audit.md): % refused', TG_OP;
END;
$$;
CREATE TRIGGER "audit_log_no_change" BEFORE UPDATE OR DELETE ON "audit_log" FOR EACH ROW EXECUTE FUNCTION "audit_log_append_only"();
CREATE TRIGGER "audit_log_no_truncate" BEFORE TRUNCATE ON "audit_log" FOR EACH STATEMENT EXECUTE FUNCTION "audit_log_append_only"();
