ALTER TABLE `requests` ADD `last_actor` text;--> statement-breakpoint
ALTER TABLE `requests` ADD `last_detail` text;