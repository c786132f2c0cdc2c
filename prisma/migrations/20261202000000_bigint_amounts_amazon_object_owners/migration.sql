-- Amounts are BIGINT: Amazon's largest amount fits an INTEGER, but a column must never be the place an
-- out-of-range value is discovered (docs/invariants.md).
ALTER TABLE "orders" ALTER COLUMN "amount" SET DATA TYPE BIGINT,
  ALTER COLUMN "authorized_amount" SET DATA TYPE BIGINT,
  ALTER COLUMN "captured_amount" SET DATA TYPE BIGINT,
  ALTER COLUMN "refunded_amount" SET DATA TYPE BIGINT;
ALTER TABLE "payment_history" ALTER COLUMN "amount" SET DATA TYPE BIGINT;
ALTER TABLE "pre_payment_log" ALTER COLUMN "amount" SET DATA TYPE BIGINT;
ALTER TABLE "disputes" ALTER COLUMN "amount" SET DATA TYPE BIGINT;
ALTER TABLE "subscriptions" ALTER COLUMN "amount" SET DATA TYPE BIGINT;

-- CreateTable
CREATE TABLE "amazon_object_owners" (
    "object_id" TEXT NOT NULL,
    "object_type" TEXT NOT NULL,
    "order_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "amazon_object_owners_pkey" PRIMARY KEY ("object_id")
);

-- CreateIndex
CREATE INDEX "amazon_object_owners_order_id_idx" ON "amazon_object_owners"("order_id");
