CREATE TABLE "approval_post_retries" (
	"request_id" integer PRIMARY KEY NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" bigint NOT NULL,
	"last_error" text,
	"requester_told_at" bigint
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"id" serial PRIMARY KEY NOT NULL,
	"request_id" integer NOT NULL,
	"actor" text NOT NULL,
	"from_status" text,
	"to_status" text NOT NULL,
	"detail" text,
	"at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "requester_messages" (
	"request_id" integer PRIMARY KEY NOT NULL,
	"channel_id" text NOT NULL,
	"ts" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "requests" (
	"id" serial PRIMARY KEY NOT NULL,
	"tenant" text NOT NULL,
	"requester_id" text NOT NULL,
	"origin_channel_id" text,
	"submission_key" text NOT NULL,
	"name" text NOT NULL,
	"redirect_uris" jsonb NOT NULL,
	"post_logout_redirect_uris" jsonb NOT NULL,
	"allowed_cors_origins" jsonb NOT NULL,
	"access_token_lifetime" integer NOT NULL,
	"justification" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"client_guid" text NOT NULL,
	"created_client_id" text,
	"approval_channel_id" text,
	"approval_message_ts" text,
	"decided_by" text,
	"decided_at" bigint,
	"decision_reason" text,
	"last_error" jsonb,
	"attempts" integer DEFAULT 0 NOT NULL,
	"outcome_notified_at" bigint,
	"reminders_sent" integer DEFAULT 0 NOT NULL,
	"next_reminder_at" bigint,
	"expires_at" bigint NOT NULL,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL,
	"last_actor" text,
	"last_detail" text
);
--> statement-breakpoint
ALTER TABLE "approval_post_retries" ADD CONSTRAINT "approval_post_retries_request_id_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_request_id_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "requester_messages" ADD CONSTRAINT "requester_messages_request_id_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_events_request_idx" ON "audit_events" USING btree ("request_id","id");--> statement-breakpoint
CREATE INDEX "audit_events_at_idx" ON "audit_events" USING btree ("at");--> statement-breakpoint
CREATE UNIQUE INDEX "requests_submission_key_unique" ON "requests" USING btree ("submission_key");--> statement-breakpoint
CREATE UNIQUE INDEX "requests_client_guid_unique" ON "requests" USING btree ("client_guid");--> statement-breakpoint
CREATE INDEX "requests_requester_idx" ON "requests" USING btree ("requester_id","id");--> statement-breakpoint
CREATE INDEX "requests_status_id_idx" ON "requests" USING btree ("status","id");--> statement-breakpoint
CREATE INDEX "requests_status_idx" ON "requests" USING btree ("status","updated_at");--> statement-breakpoint
CREATE INDEX "requests_status_expiry_idx" ON "requests" USING btree ("status","expires_at");--> statement-breakpoint
CREATE INDEX "requests_status_reminder_idx" ON "requests" USING btree ("status","next_reminder_at");--> statement-breakpoint
CREATE INDEX "requests_untold_outcome_idx" ON "requests" USING btree ("outcome_notified_at","status");