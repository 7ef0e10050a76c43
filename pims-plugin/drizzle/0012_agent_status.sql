CREATE TABLE `agent_echoes` (
	`id` text PRIMARY KEY NOT NULL,
	`site_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`target_id` text NOT NULL,
	`actor_type` text NOT NULL,
	`actor_id` text,
	`actor_name` text,
	`requested_at` text NOT NULL,
	`answered_at` text,
	`ok` integer,
	`ms` integer,
	`error` text,
	`target_json` text
);
--> statement-breakpoint
CREATE INDEX `agent_echoes_agent` ON `agent_echoes` (`agent_id`,`requested_at`);--> statement-breakpoint
ALTER TABLE `agents` ADD `status_json` text;--> statement-breakpoint
ALTER TABLE `agents` ADD `disk_samples_json` text DEFAULT '[]' NOT NULL;