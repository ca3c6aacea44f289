ALTER TABLE `requests` ADD `kind` text DEFAULT 'create' NOT NULL;--> statement-breakpoint
ALTER TABLE `requests` ADD `target_client_id` text;--> statement-breakpoint
ALTER TABLE `requests` ADD `baseline` text;--> statement-breakpoint
ALTER TABLE `requests` ADD `outcome_note` text;--> statement-breakpoint
CREATE INDEX `requests_created_client_idx` ON `requests` (`created_client_id`);--> statement-breakpoint
CREATE INDEX `requests_target_client_idx` ON `requests` (`target_client_id`,`status`);