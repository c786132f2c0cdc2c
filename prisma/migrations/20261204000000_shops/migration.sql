-- Many shops on one engine (docs/shops.md): a shop is the unit of tenancy. It has its own Amazon Pay merchant (the
-- private key sealed, never plain), settings, API keys, orders, subscriptions, members, disputes, events and event
-- endpoints. Everything that existed before belongs to the shop "default"; order ids are unique per shop.
CREATE TYPE "ShopStatus" AS ENUM ('active', 'suspended');

CREATE TABLE "shops" (
    "shop_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "status" "ShopStatus" NOT NULL DEFAULT 'active',
    "merchant_id" TEXT,
    "store_id" TEXT,
    "public_key_id" TEXT,
    "region" TEXT,
    "sandbox" BOOLEAN,
    "private_key_sealed" TEXT,
    "credentials_updated_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "shops_pkey" PRIMARY KEY ("shop_id"),
    CONSTRAINT "shops_id_shape" CHECK ("shop_id" ~ '^[a-z0-9][a-z0-9-]{0,31}$'),
    -- A private key is only ever stored sealed (lib/secret-box.ts: "sb1.<key id>.<iv>.<tag>.<ciphertext>"): a dump alone
    -- reveals none.
    CONSTRAINT "shops_private_key_sealed" CHECK ("private_key_sealed" IS NULL OR "private_key_sealed" ~ '^sb1\.[0-9a-f]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$'),
    -- The credentials are all there or none is.
    CONSTRAINT "shops_credentials_whole" CHECK (("merchant_id" IS NULL) = ("private_key_sealed" IS NULL) AND ("merchant_id" IS NULL) = ("public_key_id" IS NULL) AND ("merchant_id" IS NULL) = ("store_id" IS NULL)),
    CONSTRAINT "shops_region" CHECK ("region" IS NULL OR "region" IN ('jp', 'eu', 'na'))
);
-- Notifications are routed by the merchant id they carry: one shop per merchant.
CREATE UNIQUE INDEX "shops_merchant_id_key" ON "shops"("merchant_id");
CREATE UNIQUE INDEX "shops_public_key_id_key" ON "shops"("public_key_id");

INSERT INTO "shops" ("shop_id", "name", "updated_at") VALUES ('default', 'Default shop', now());

-- ------------------------------------------------------------------ API keys: a shop's, or the platform's (no shop)
ALTER TYPE "ApiKeyRole" ADD VALUE 'platform';
ALTER TABLE "api_keys" ADD COLUMN "shop_id" TEXT;
UPDATE "api_keys" SET "shop_id" = 'default';
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_shop" CHECK (("role"::text = 'platform') = ("shop_id" IS NULL));
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_shop_id_fkey" FOREIGN KEY ("shop_id") REFERENCES "shops"("shop_id") ON DELETE RESTRICT ON UPDATE CASCADE;
CREATE INDEX "api_keys_shop_id_idx" ON "api_keys"("shop_id");

-- ------------------------------------------------------------------ settings: one document per shop and key
ALTER TABLE "settings" ADD COLUMN "shop_id" TEXT NOT NULL DEFAULT 'default';
ALTER TABLE "settings" ALTER COLUMN "shop_id" DROP DEFAULT;
ALTER TABLE "settings" DROP CONSTRAINT "settings_pkey";
ALTER TABLE "settings" ADD CONSTRAINT "settings_pkey" PRIMARY KEY ("shop_id", "key");
ALTER TABLE "settings" ADD CONSTRAINT "settings_shop_id_fkey" FOREIGN KEY ("shop_id") REFERENCES "shops"("shop_id") ON DELETE RESTRICT ON UPDATE CASCADE;
-- No private key in settings any more: the engine moves a stored one into shops.private_key_sealed (sealed) at its
-- first start (lib/shops.ts adoptLegacyCredentials). NOT VALID: the row waiting to be moved stays readable, but no
-- new or changed row may hold a PEM.
ALTER TABLE "settings" ADD CONSTRAINT "settings_no_private_key" CHECK ("value"::text !~ '-----BEGIN [A-Z ]*PRIVATE KEY-----') NOT VALID;

-- ------------------------------------------------------------------ orders: unique per shop
ALTER TABLE "payment_history" DROP CONSTRAINT "payment_history_order_id_fkey";
ALTER TABLE "pre_payment_log" DROP CONSTRAINT "pre_payment_log_order_id_fkey";
ALTER TABLE "disputes" DROP CONSTRAINT "disputes_order_id_fkey";
ALTER TABLE "delivery_trackers" DROP CONSTRAINT "delivery_trackers_order_id_fkey";

ALTER TABLE "orders" ADD COLUMN "shop_id" TEXT NOT NULL DEFAULT 'default';
ALTER TABLE "orders" ALTER COLUMN "shop_id" DROP DEFAULT;
ALTER TABLE "orders" DROP CONSTRAINT "orders_pkey";
ALTER TABLE "orders" ADD CONSTRAINT "orders_pkey" PRIMARY KEY ("shop_id", "order_id");
ALTER TABLE "orders" ADD CONSTRAINT "orders_shop_id_fkey" FOREIGN KEY ("shop_id") REFERENCES "shops"("shop_id") ON DELETE RESTRICT ON UPDATE CASCADE;
DROP INDEX "orders_payment_status_created_at_idx";
CREATE INDEX "orders_shop_id_payment_status_created_at_idx" ON "orders"("shop_id", "payment_status", "created_at");
CREATE INDEX "orders_shop_id_created_at_idx" ON "orders"("shop_id", "created_at");
DROP INDEX "orders_subscription_id_recurring_period_idx";
CREATE INDEX "orders_shop_id_subscription_id_recurring_period_idx" ON "orders"("shop_id", "subscription_id", "recurring_period");

ALTER TABLE "payment_history" ADD COLUMN "shop_id" TEXT NOT NULL DEFAULT 'default';
ALTER TABLE "payment_history" ALTER COLUMN "shop_id" DROP DEFAULT;
ALTER TABLE "payment_history" ADD CONSTRAINT "payment_history_shop_id_order_id_fkey" FOREIGN KEY ("shop_id", "order_id") REFERENCES "orders"("shop_id", "order_id") ON DELETE CASCADE ON UPDATE CASCADE;
DROP INDEX "payment_history_order_id_occurred_at_idx";
CREATE INDEX "payment_history_shop_id_order_id_occurred_at_idx" ON "payment_history"("shop_id", "order_id", "occurred_at");

ALTER TABLE "pre_payment_log" ADD COLUMN "shop_id" TEXT NOT NULL DEFAULT 'default';
ALTER TABLE "pre_payment_log" ALTER COLUMN "shop_id" DROP DEFAULT;
ALTER TABLE "pre_payment_log" ADD CONSTRAINT "pre_payment_log_shop_id_order_id_fkey" FOREIGN KEY ("shop_id", "order_id") REFERENCES "orders"("shop_id", "order_id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "disputes" ADD COLUMN "shop_id" TEXT NOT NULL DEFAULT 'default';
ALTER TABLE "disputes" ALTER COLUMN "shop_id" DROP DEFAULT;
ALTER TABLE "disputes" ADD CONSTRAINT "disputes_shop_id_order_id_fkey" FOREIGN KEY ("shop_id", "order_id") REFERENCES "orders"("shop_id", "order_id") ON DELETE CASCADE ON UPDATE CASCADE;
DROP INDEX "disputes_order_id_idx";
CREATE INDEX "disputes_shop_id_order_id_idx" ON "disputes"("shop_id", "order_id");

ALTER TABLE "delivery_trackers" ADD COLUMN "shop_id" TEXT NOT NULL DEFAULT 'default';
ALTER TABLE "delivery_trackers" ALTER COLUMN "shop_id" DROP DEFAULT;
ALTER TABLE "delivery_trackers" ADD CONSTRAINT "delivery_trackers_shop_id_order_id_fkey" FOREIGN KEY ("shop_id", "order_id") REFERENCES "orders"("shop_id", "order_id") ON DELETE CASCADE ON UPDATE CASCADE;
DROP INDEX "delivery_trackers_order_id_carrier_code_tracking_number_key";
CREATE UNIQUE INDEX "delivery_trackers_shop_id_order_id_carrier_code_tracking_number_key" ON "delivery_trackers"("shop_id", "order_id", "carrier_code", "tracking_number");

-- ------------------------------------------------------------------ subscriptions, members
ALTER TABLE "subscriptions" ADD COLUMN "shop_id" TEXT NOT NULL DEFAULT 'default';
ALTER TABLE "subscriptions" ALTER COLUMN "shop_id" DROP DEFAULT;
ALTER TABLE "subscriptions" DROP CONSTRAINT "subscriptions_pkey";
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_pkey" PRIMARY KEY ("shop_id", "subscription_id");
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_shop_id_fkey" FOREIGN KEY ("shop_id") REFERENCES "shops"("shop_id") ON DELETE RESTRICT ON UPDATE CASCADE;
DROP INDEX "subscriptions_status_created_at_idx";
CREATE INDEX "subscriptions_shop_id_status_created_at_idx" ON "subscriptions"("shop_id", "status", "created_at");

ALTER TABLE "member_links" ADD COLUMN "shop_id" TEXT NOT NULL DEFAULT 'default';
ALTER TABLE "member_links" ALTER COLUMN "shop_id" DROP DEFAULT;
ALTER TABLE "member_links" DROP CONSTRAINT "member_links_pkey";
ALTER TABLE "member_links" ADD CONSTRAINT "member_links_pkey" PRIMARY KEY ("shop_id", "member_id");
ALTER TABLE "member_links" ADD CONSTRAINT "member_links_shop_id_fkey" FOREIGN KEY ("shop_id") REFERENCES "shops"("shop_id") ON DELETE RESTRICT ON UPDATE CASCADE;
DROP INDEX "member_links_buyer_id_key";
CREATE UNIQUE INDEX "member_links_shop_id_buyer_id_key" ON "member_links"("shop_id", "buyer_id");

-- ------------------------------------------------------------------ notifications and Amazon objects
ALTER TABLE "processed_notifications" ADD COLUMN "shop_id" TEXT NOT NULL DEFAULT 'default';
ALTER TABLE "processed_notifications" ALTER COLUMN "shop_id" DROP DEFAULT;
ALTER TABLE "processed_notifications" ADD CONSTRAINT "processed_notifications_shop_id_fkey" FOREIGN KEY ("shop_id") REFERENCES "shops"("shop_id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- An Amazon object's id is Amazon's, unique across merchants: its one owner is an order of one shop.
ALTER TABLE "amazon_object_owners" ADD COLUMN "shop_id" TEXT NOT NULL DEFAULT 'default';
ALTER TABLE "amazon_object_owners" ALTER COLUMN "shop_id" DROP DEFAULT;
ALTER TABLE "amazon_object_owners" ADD CONSTRAINT "amazon_object_owners_shop_id_fkey" FOREIGN KEY ("shop_id") REFERENCES "shops"("shop_id") ON DELETE RESTRICT ON UPDATE CASCADE;
DROP INDEX "amazon_object_owners_order_id_idx";
CREATE INDEX "amazon_object_owners_shop_id_order_id_idx" ON "amazon_object_owners"("shop_id", "order_id");

-- ------------------------------------------------------------------ events: a shop's events go to its endpoints only
-- (ADD COLUMN with a default fills existing rows without an UPDATE, which the append-only trigger would refuse.)
ALTER TABLE "events" ADD COLUMN "shop_id" TEXT NOT NULL DEFAULT 'default';
ALTER TABLE "events" ALTER COLUMN "shop_id" DROP DEFAULT;
ALTER TABLE "events" ADD CONSTRAINT "events_shop_id_fkey" FOREIGN KEY ("shop_id") REFERENCES "shops"("shop_id") ON DELETE RESTRICT ON UPDATE CASCADE;
CREATE UNIQUE INDEX "events_shop_id_id_key" ON "events"("shop_id", "id");
DROP INDEX "events_order_id_seq_key";
CREATE UNIQUE INDEX "events_shop_id_order_id_seq_key" ON "events"("shop_id", "order_id", "seq");
DROP INDEX "events_type_id_idx";
CREATE INDEX "events_shop_id_type_id_idx" ON "events"("shop_id", "type", "id");
DROP INDEX "events_subscription_id_id_idx";
CREATE INDEX "events_shop_id_subscription_id_id_idx" ON "events"("shop_id", "subscription_id", "id");

ALTER TABLE "event_streams" ADD COLUMN "shop_id" TEXT NOT NULL DEFAULT 'default';
ALTER TABLE "event_streams" ALTER COLUMN "shop_id" DROP DEFAULT;
ALTER TABLE "event_streams" DROP CONSTRAINT "event_streams_pkey";
ALTER TABLE "event_streams" ADD CONSTRAINT "event_streams_pkey" PRIMARY KEY ("shop_id", "order_id");
ALTER TABLE "event_streams" ADD CONSTRAINT "event_streams_shop_id_fkey" FOREIGN KEY ("shop_id") REFERENCES "shops"("shop_id") ON DELETE RESTRICT ON UPDATE CASCADE;

ALTER TABLE "event_endpoints" ADD COLUMN "shop_id" TEXT NOT NULL DEFAULT 'default';
ALTER TABLE "event_endpoints" ALTER COLUMN "shop_id" DROP DEFAULT;
ALTER TABLE "event_endpoints" ADD CONSTRAINT "event_endpoints_shop_id_fkey" FOREIGN KEY ("shop_id") REFERENCES "shops"("shop_id") ON DELETE RESTRICT ON UPDATE CASCADE;
CREATE UNIQUE INDEX "event_endpoints_shop_id_id_key" ON "event_endpoints"("shop_id", "id");
-- SHOP_WEBHOOK_URL's endpoint is the default shop's.
ALTER TABLE "event_endpoints" ADD CONSTRAINT "event_endpoints_env_default_shop" CHECK ("source" <> 'env' OR "shop_id" = 'default');

-- A delivery pairs an event and an endpoint of the same shop: both foreign keys carry the shop.
ALTER TABLE "event_deliveries" DROP CONSTRAINT "event_deliveries_event_row_id_fkey";
ALTER TABLE "event_deliveries" DROP CONSTRAINT "event_deliveries_endpoint_id_fkey";
ALTER TABLE "event_deliveries" ADD COLUMN "shop_id" TEXT NOT NULL DEFAULT 'default';
ALTER TABLE "event_deliveries" ALTER COLUMN "shop_id" DROP DEFAULT;
ALTER TABLE "event_deliveries" ADD CONSTRAINT "event_deliveries_shop_id_event_row_id_fkey" FOREIGN KEY ("shop_id", "event_row_id") REFERENCES "events"("shop_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "event_deliveries" ADD CONSTRAINT "event_deliveries_shop_id_endpoint_id_fkey" FOREIGN KEY ("shop_id", "endpoint_id") REFERENCES "event_endpoints"("shop_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- ------------------------------------------------------------------ audit: the shop an entry concerns
-- Entries from before this migration keep a null shop (there was one shop): their hashes stay as they were. Every later
-- entry names its shop, or '*' for one that concerns none (the platform's own routes; a caller with no valid key).
-- NOT VALID: the check holds for every new row, not for the rows that were there.
ALTER TABLE "audit_log" ADD COLUMN "shop_id" TEXT;
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_shop_recorded" CHECK ("shop_id" = '*' OR "shop_id" ~ '^[a-z0-9][a-z0-9-]{0,31}$') NOT VALID;
CREATE INDEX "audit_log_shop_id_id_idx" ON "audit_log"("shop_id", "id");
