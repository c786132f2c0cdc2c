-- Who asked for each payment history row, who approved a large refund, and the refunds waiting for approval
-- (docs/product-rules.md, Refund approval; docs/audit.md).
ALTER TYPE "HistoryKind" ADD VALUE 'refund_approval';

ALTER TABLE "payment_history" ADD COLUMN "requested_by_key_id" TEXT,
  ADD COLUMN "requested_by_name" TEXT,
  ADD COLUMN "approved_by_key_id" TEXT,
  ADD COLUMN "approved_by_name" TEXT;

-- A refund is never approved by the key that asked for it (the workflow refuses it; the database too).
ALTER TABLE "payment_history" ADD CONSTRAINT "payment_history_approver_not_requester" CHECK ("approved_by_key_id" IS NULL OR "approved_by_key_id" IS DISTINCT FROM "requested_by_key_id");

ALTER TABLE "orders" ADD COLUMN "pending_approvals" JSONB NOT NULL DEFAULT '[]';
