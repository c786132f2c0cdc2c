-- AlterTable
ALTER TABLE "orders" ADD COLUMN "start_request" JSONB;
