-- CreateEnum
CREATE TYPE "PaymentStatus" AS ENUM ('CheckoutPending', 'AuthorizationPending', 'Authorized', 'CapturePending', 'Captured', 'Canceled', 'Declined', 'AuthorizationExpired', 'RefundPending', 'Refunded', 'RefundDeclined', 'Abandoned', 'Recurring');

-- CreateEnum
CREATE TYPE "PaymentIntent" AS ENUM ('Authorize', 'AuthorizeWithCapture');

-- CreateEnum
CREATE TYPE "OrderStatus" AS ENUM ('New', 'Backordered', 'Shipped', 'Cancelled');

-- CreateEnum
CREATE TYPE "HistoryKind" AS ENUM ('authorize', 'capture', 'cancel', 'refund_started', 'refund', 'expire', 'notification');

-- CreateEnum
CREATE TYPE "ApiKeyRole" AS ENUM ('storefront', 'editor', 'viewer');

-- CreateEnum
CREATE TYPE "PrePaymentStatus" AS ENUM ('pending', 'succeeded', 'failed');

-- CreateTable
CREATE TABLE "orders" (
    "order_id" TEXT NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "amount" INTEGER NOT NULL,
    "payment_intent" "PaymentIntent" NOT NULL DEFAULT 'AuthorizeWithCapture',
    "payment_status" "PaymentStatus" NOT NULL DEFAULT 'CheckoutPending',
    "order_status" "OrderStatus" NOT NULL DEFAULT 'New',
    "recurring" BOOLEAN NOT NULL DEFAULT false,
    "authorized_amount" INTEGER NOT NULL DEFAULT 0,
    "captured_amount" INTEGER NOT NULL DEFAULT 0,
    "refunded_amount" INTEGER NOT NULL DEFAULT 0,
    "checkout_session_id" TEXT,
    "charge_permission_id" TEXT,
    "charge_id" TEXT,
    "buyer_id" TEXT,
    "buyer_name" TEXT,
    "buyer_email" TEXT,
    "authorization_expires_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "orders_pkey" PRIMARY KEY ("order_id"),
    -- Hand-added guards: money columns are non-negative minor units, currencies ISO-4217 codes.
    CONSTRAINT "orders_amounts_check" CHECK ("amount" >= 0 AND "authorized_amount" >= 0 AND "captured_amount" >= 0 AND "refunded_amount" >= 0),
    CONSTRAINT "orders_currency_check" CHECK ("currency" ~ '^[A-Z]{3}$')
);

-- CreateTable
CREATE TABLE "payment_history" (
    "id" BIGSERIAL NOT NULL,
    "order_id" TEXT NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "amazon_object_id" TEXT,
    "kind" "HistoryKind" NOT NULL,
    "amount" INTEGER,
    "currency" CHAR(3),
    "result" TEXT NOT NULL,
    "message" TEXT,
    "debug_detail" JSONB,
    "dedupe_key" TEXT NOT NULL,

    CONSTRAINT "payment_history_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "payment_history_amount_check" CHECK ("amount" IS NULL OR "amount" >= 0)
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "key_prefix" TEXT NOT NULL,
    "key_hash" TEXT NOT NULL,
    "role" "ApiKeyRole" NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "settings" (
    "key" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "settings_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "pre_payment_log" (
    "id" BIGSERIAL NOT NULL,
    "order_id" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "amount" INTEGER NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "checkout_session_id" TEXT,
    "charge_permission_id" TEXT,
    "charge_id" TEXT,
    "status" "PrePaymentStatus" NOT NULL DEFAULT 'pending',
    "result_code" TEXT,
    "payload" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolved_at" TIMESTAMPTZ(3),

    CONSTRAINT "pre_payment_log_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "pre_payment_log_amount_check" CHECK ("amount" >= 0)
);

-- CreateTable
CREATE TABLE "processed_notifications" (
    "notification_id" TEXT NOT NULL,
    "object_type" TEXT NOT NULL,
    "object_id" TEXT NOT NULL,
    "charge_permission_id" TEXT,
    "notification_type" TEXT NOT NULL,
    "order_id" TEXT,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "processed_notifications_pkey" PRIMARY KEY ("notification_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "orders_workflow_id_key" ON "orders"("workflow_id");

-- CreateIndex
CREATE INDEX "orders_payment_status_created_at_idx" ON "orders"("payment_status", "created_at");

-- CreateIndex
CREATE INDEX "orders_charge_permission_id_idx" ON "orders"("charge_permission_id");

-- CreateIndex
CREATE INDEX "orders_checkout_session_id_idx" ON "orders"("checkout_session_id");

-- CreateIndex
CREATE UNIQUE INDEX "payment_history_dedupe_key_key" ON "payment_history"("dedupe_key");

-- CreateIndex
CREATE INDEX "payment_history_order_id_occurred_at_idx" ON "payment_history"("order_id", "occurred_at");

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_key_hash_key" ON "api_keys"("key_hash");

-- CreateIndex
CREATE UNIQUE INDEX "pre_payment_log_idempotency_key_key" ON "pre_payment_log"("idempotency_key");

-- CreateIndex
CREATE INDEX "pre_payment_log_status_created_at_idx" ON "pre_payment_log"("status", "created_at");

-- CreateIndex
CREATE INDEX "processed_notifications_object_id_idx" ON "processed_notifications"("object_id");

-- AddForeignKey
ALTER TABLE "payment_history" ADD CONSTRAINT "payment_history_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders"("order_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "pre_payment_log" ADD CONSTRAINT "pre_payment_log_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders"("order_id") ON DELETE CASCADE ON UPDATE CASCADE;
