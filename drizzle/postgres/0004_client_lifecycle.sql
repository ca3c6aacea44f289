ALTER TABLE "requests" ADD COLUMN "kind" text DEFAULT 'create' NOT NULL;--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "target_client_id" text;--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "baseline" jsonb;--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "outcome_note" text;--> statement-breakpoint
CREATE INDEX "requests_created_client_idx" ON "requests" USING btree ("created_client_id");--> statement-breakpoint
CREATE INDEX "requests_target_client_idx" ON "requests" USING btree ("target_client_id","status");