ALTER TABLE "credit_logs" DROP CONSTRAINT "credit_logs_hold_id_credit_holds_id_fk";
--> statement-breakpoint
DROP INDEX "credit_holds_user_key_unique";--> statement-breakpoint
DROP INDEX "credit_logs_hold_idx";--> statement-breakpoint
ALTER TABLE "credit_holds" ALTER COLUMN "id" SET DEFAULT ledger_uuidv7();--> statement-breakpoint
ALTER TABLE "credit_logs" ALTER COLUMN "id" SET DEFAULT ledger_uuidv7();--> statement-breakpoint
CREATE UNIQUE INDEX "credit_logs_hold_resolution_unique" ON "credit_logs" USING btree ("hold_id") WHERE kind in ('settle', 'release', 'expire');