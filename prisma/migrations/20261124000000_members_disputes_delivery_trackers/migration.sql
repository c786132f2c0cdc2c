-- CreateTable
CREATE TABLE "member_links" (
    "member_id" TEXT NOT NULL,
    "buyer_id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "member_links_pkey" PRIMARY KEY ("member_id")
);

-- CreateTable
CREATE TABLE "disputes" (
    "dispute_id" TEXT NOT NULL,
    "order_id" TEXT NOT NULL,
    "charge_id" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "reason_code" TEXT,
    "filing_reason" TEXT,
    "amount" INTEGER NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "address_source" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "disputes_pkey" PRIMARY KEY ("dispute_id"),
    CONSTRAINT "disputes_amount_check" CHECK ("amount" >= 0)
);

-- CreateTable
CREATE TABLE "delivery_trackers" (
    "id" BIGSERIAL NOT NULL,
    "order_id" TEXT NOT NULL,
    "carrier_code" TEXT NOT NULL,
    "tracking_number" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMPTZ(3),

    CONSTRAINT "delivery_trackers_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "member_links_buyer_id_key" ON "member_links"("buyer_id");

-- CreateIndex
CREATE INDEX "disputes_order_id_idx" ON "disputes"("order_id");

-- CreateIndex
CREATE UNIQUE INDEX "delivery_trackers_order_id_carrier_code_tracking_number_key" ON "delivery_trackers"("order_id", "carrier_code", "tracking_number");

-- AddForeignKey
ALTER TABLE "disputes" ADD CONSTRAINT "disputes_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders"("order_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "delivery_trackers" ADD CONSTRAINT "delivery_trackers_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders"("order_id") ON DELETE CASCADE ON UPDATE CASCADE;
