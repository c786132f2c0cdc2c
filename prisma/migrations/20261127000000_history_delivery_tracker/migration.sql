-- AlterEnum
ALTER TYPE "HistoryKind" ADD VALUE 'delivery_tracker';
