CREATE TABLE `requester_messages` (
	`request_id` integer PRIMARY KEY NOT NULL,
	`channel_id` text NOT NULL,
	`ts` text NOT NULL,
	FOREIGN KEY (`request_id`) REFERENCES `requests`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `requests_status_id_idx` ON `requests` (`status`,`id`);