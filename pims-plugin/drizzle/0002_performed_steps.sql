CREATE TABLE `performed_step_history` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`sop_instance_uid` text NOT NULL,
	`at` text NOT NULL,
	`event` text NOT NULL,
	`status` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `performed_step_history_uid` ON `performed_step_history` (`sop_instance_uid`);--> statement-breakpoint
CREATE TABLE `performed_steps` (
	`sop_instance_uid` text PRIMARY KEY NOT NULL,
	`site_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`status` text NOT NULL,
	`modality` text,
	`calling_ae_title` text NOT NULL,
	`scheduled_steps_json` text NOT NULL,
	`performed_series_json` text NOT NULL,
	`discontinuation_json` text,
	`attributes_json` text NOT NULL,
	`order_ids_json` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `performed_steps_site` ON `performed_steps` (`site_id`);