DROP INDEX `requests_pending_expiry_idx`;--> statement-breakpoint
DROP INDEX `requests_pending_reminder_idx`;--> statement-breakpoint
CREATE INDEX `requests_status_expiry_idx` ON `requests` (`status`,`expires_at`);--> statement-breakpoint
CREATE INDEX `requests_status_reminder_idx` ON `requests` (`status`,`next_reminder_at`);--> statement-breakpoint
CREATE INDEX `requests_untold_outcome_idx` ON `requests` (`outcome_notified_at`,`status`);