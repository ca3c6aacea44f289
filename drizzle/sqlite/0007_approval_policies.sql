ALTER TABLE `requests` ADD `required_approvals` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `requests` ADD `approved_by` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `requests` ADD `name_taken_by` text;