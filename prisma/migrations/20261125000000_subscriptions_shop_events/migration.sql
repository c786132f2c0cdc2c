-- CreateEnum
CREATE TYPE "SubscriptionStatus" AS ENUM ('Active', 'Paused', 'Suspended', 'Canceled', 'Closed');

-- AlterTable
ALTER TABLE "orders" ADD COLUMN "subscription_id" TEXT,
ADD COLUMN "recurring_period" INTEGER;

-- CreateTable
CREATE TABLE "subscriptions" (
    "subscription_id" TEXT NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "charge_permission_id" TEXT NOT NULL,
    "status" "SubscriptionStatus" NOT NULL DEFAULT 'Active',
    "amount" INTEGER NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "frequency_unit" TEXT NOT NULL,
    "frequency_value" INTEGER NOT NULL,
    "payment_intent" "PaymentIntent" NOT NULL,
    "periods_charged" INTEGER NOT NULL DEFAULT 1,
    "next_charge_at" TIMESTAMPTZ(3),
    "last_error_code" TEXT,
    "last_error_message" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "subscriptions_pkey" PRIMARY KEY ("subscription_id"),
    CONSTRAINT "subscriptions_amount_check" CHECK ("amount" > 0)
);

-- CreateTable
CREATE TABLE "shop_events" (
    "id" BIGSERIAL NOT NULL,
    "event_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "subscription_id" TEXT,
    "order_id" TEXT,
    "payload" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "delivered_at" TIMESTAMPTZ(3),

    CONSTRAINT "shop_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "orders_subscription_id_recurring_period_idx" ON "orders"("subscription_id", "recurring_period");

-- CreateIndex
CREATE UNIQUE INDEX "subscriptions_workflow_id_key" ON "subscriptions"("workflow_id");

-- CreateIndex
CREATE UNIQUE INDEX "subscriptions_charge_permission_id_key" ON "subscriptions"("charge_permission_id");

-- CreateIndex
CREATE INDEX "subscriptions_status_created_at_idx" ON "subscriptions"("status", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "shop_events_event_id_key" ON "shop_events"("event_id");

-- CreateIndex
CREATE INDEX "shop_events_subscription_id_created_at_idx" ON "shop_events"("subscription_id", "created_at");
