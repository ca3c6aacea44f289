CREATE TABLE `audit_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`request_id` integer NOT NULL,
	`actor` text NOT NULL,
	`from_status` text,
	`to_status` text NOT NULL,
	`detail` text,
	`at` integer NOT NULL,
	FOREIGN KEY (`request_id`) REFERENCES `requests`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `audit_events_request_idx` ON `audit_events` (`request_id`,`id`);--> statement-breakpoint
CREATE INDEX `audit_events_at_idx` ON `audit_events` (`at`);--> statement-breakpoint
CREATE TABLE `requests` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant` text NOT NULL,
	`requester_id` text NOT NULL,
	`origin_channel_id` text,
	`submission_key` text NOT NULL,
	`name` text NOT NULL,
	`redirect_uris` text NOT NULL,
	`post_logout_redirect_uris` text NOT NULL,
	`allowed_cors_origins` text NOT NULL,
	`access_token_lifetime` integer NOT NULL,
	`justification` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`client_guid` text NOT NULL,
	`created_client_id` text,
	`approval_channel_id` text,
	`approval_message_ts` text,
	`decided_by` text,
	`decided_at` integer,
	`decision_reason` text,
	`last_error` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`outcome_notified_at` integer,
	`reminders_sent` integer DEFAULT 0 NOT NULL,
	`next_reminder_at` integer,
	`expires_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `requests_submission_key_unique` ON `requests` (`submission_key`);--> statement-breakpoint
CREATE UNIQUE INDEX `requests_client_guid_unique` ON `requests` (`client_guid`);--> statement-breakpoint
CREATE INDEX `requests_requester_idx` ON `requests` (`requester_id`,`id`);--> statement-breakpoint
CREATE INDEX `requests_status_idx` ON `requests` (`status`,`updated_at`);--> statement-breakpoint
CREATE INDEX `requests_pending_expiry_idx` ON `requests` (`expires_at`) WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX `requests_pending_reminder_idx` ON `requests` (`next_reminder_at`) WHERE status = 'pending';