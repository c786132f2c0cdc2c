-- An order reads its own pre-payment rows when a notification tells of a change no command of it explains
-- (docs/recovery.md): by shop and order, oldest first.
CREATE INDEX "pre_payment_log_shop_id_order_id_id_idx" ON "pre_payment_log"("shop_id", "order_id", "id");
