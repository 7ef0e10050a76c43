CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`site_id` text NOT NULL,
	`at` text NOT NULL,
	`actor_type` text NOT NULL,
	`actor_id` text,
	`actor_name` text,
	`action` text NOT NULL,
	`subject_type` text NOT NULL,
	`subject_id` text,
	`detail_json` text
);
--> statement-breakpoint
CREATE INDEX `audit_log_site` ON `audit_log` (`site_id`,`id`);--> statement-breakpoint
CREATE INDEX `audit_log_subject` ON `audit_log` (`subject_type`,`subject_id`);--> statement-breakpoint
CREATE TABLE `embed_secrets` (
	`site_id` text PRIMARY KEY NOT NULL,
	`sealed_secret` text NOT NULL,
	`version` integer NOT NULL,
	`rotated_at` text NOT NULL
);
