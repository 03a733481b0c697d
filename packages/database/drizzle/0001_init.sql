CREATE TABLE "api_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" text NOT NULL,
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"key_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "credit_holds" (
	"id" uuid PRIMARY KEY DEFAULT ledger_uuidv7() NOT NULL,
	"user_id" text NOT NULL,
	"amount" bigint NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"operation" text NOT NULL,
	"run_id" text,
	"idempotency_key" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"resolution" text,
	"resolved_at" timestamp with time zone,
	"metadata" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "credit_holds_amount_positive" CHECK ("credit_holds"."amount" > 0),
	CONSTRAINT "credit_holds_status_valid" CHECK ("credit_holds"."status" in ('active', 'settled', 'released', 'expired')),
	CONSTRAINT "credit_holds_resolved_consistent" CHECK (("credit_holds"."status" = 'active') = ("credit_holds"."resolved_at" is null))
);
--> statement-breakpoint
CREATE TABLE "credit_logs" (
	"id" uuid PRIMARY KEY DEFAULT ledger_uuidv7() NOT NULL,
	"user_id" text NOT NULL,
	"kind" text NOT NULL,
	"operation" text NOT NULL,
	"delta" bigint NOT NULL,
	"cost" bigint NOT NULL,
	"balance_after" bigint NOT NULL,
	"shortfall" bigint DEFAULT 0 NOT NULL,
	"tokens_used" bigint,
	"model" text,
	"uncached_input_tokens" bigint,
	"cached_input_tokens" bigint,
	"cache_write_tokens" bigint,
	"output_tokens" bigint,
	"reasoning_tokens" bigint,
	"finish_reason" text,
	"run_id" text,
	"hold_id" uuid,
	"idempotency_key" text,
	"price_version" text,
	"cost_micros" bigint,
	"estimated" boolean DEFAULT false NOT NULL,
	"metadata" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"seq" bigint GENERATED ALWAYS AS IDENTITY (sequence name "credit_logs_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	CONSTRAINT "credit_logs_kind_valid" CHECK ("credit_logs"."kind" in ('grant', 'hold', 'settle', 'release', 'charge', 'expire', 'adjust')),
	CONSTRAINT "credit_logs_cost_non_negative" CHECK ("credit_logs"."cost" >= 0),
	CONSTRAINT "credit_logs_shortfall_non_negative" CHECK ("credit_logs"."shortfall" >= 0),
	CONSTRAINT "credit_logs_balance_after_non_negative" CHECK ("credit_logs"."balance_after" >= 0)
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" text PRIMARY KEY NOT NULL,
	"credits" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_credits_non_negative" CHECK ("users"."credits" >= 0),
	CONSTRAINT "users_credits_safe_integer" CHECK ("users"."credits" <= 9007199254740991)
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_holds" ADD CONSTRAINT "credit_holds_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_logs" ADD CONSTRAINT "credit_logs_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_key_hash_unique" ON "api_keys" USING btree ("key_hash");--> statement-breakpoint
CREATE INDEX "api_keys_user_idx" ON "api_keys" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "credit_holds_active_expiry_idx" ON "credit_holds" USING btree ("expires_at") WHERE status = 'active';--> statement-breakpoint
CREATE INDEX "credit_holds_active_user_idx" ON "credit_holds" USING btree ("user_id") WHERE status = 'active';--> statement-breakpoint
CREATE UNIQUE INDEX "credit_logs_user_key_unique" ON "credit_logs" USING btree ("user_id","idempotency_key");--> statement-breakpoint
CREATE INDEX "credit_logs_user_created_seq_idx" ON "credit_logs" USING btree ("user_id","created_at" DESC NULLS LAST,"seq" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "credit_logs_hold_resolution_unique" ON "credit_logs" USING btree ("hold_id") WHERE kind in ('settle', 'release', 'expire');