CREATE TABLE `events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`event_id` text NOT NULL,
	`site_id` text NOT NULL,
	`type` text NOT NULL,
	`occurred_at` text NOT NULL,
	`data_json` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `events_event_id_unique` ON `events` (`event_id`);--> statement-breakpoint
CREATE INDEX `events_site` ON `events` (`site_id`,`id`);--> statement-breakpoint
CREATE TABLE `order_agents` (
	`order_id` text NOT NULL,
	`agent_id` text NOT NULL,
	PRIMARY KEY(`order_id`, `agent_id`)
);
--> statement-breakpoint
CREATE INDEX `order_agents_agent` ON `order_agents` (`agent_id`);--> statement-breakpoint
CREATE TABLE `order_timeline` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`order_id` text NOT NULL,
	`at` text NOT NULL,
	`status` text NOT NULL,
	`change` text NOT NULL,
	`reason` text
);
--> statement-breakpoint
CREATE INDEX `order_timeline_order` ON `order_timeline` (`order_id`);--> statement-breakpoint
CREATE TABLE `orders` (
	`id` text PRIMARY KEY NOT NULL,
	`site_id` text NOT NULL,
	`pims_system` text NOT NULL,
	`pims_site_id` text NOT NULL,
	`pims_order_id` text NOT NULL,
	`pims_patient_id` text NOT NULL,
	`status` text NOT NULL,
	`accession_number` text NOT NULL,
	`requested_procedure_id` text NOT NULL,
	`scheduled_procedure_step_id` text NOT NULL,
	`study_instance_uid` text NOT NULL,
	`modality` text NOT NULL,
	`station_ae_title` text,
	`request_json` text NOT NULL,
	`attributes_json` text NOT NULL,
	`revision` integer DEFAULT 1 NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `orders_pims_order` ON `orders` (`site_id`,`pims_system`,`pims_site_id`,`pims_order_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `orders_accession` ON `orders` (`site_id`,`accession_number`);--> statement-breakpoint
CREATE UNIQUE INDEX `orders_study_uid` ON `orders` (`site_id`,`study_instance_uid`);--> statement-breakpoint
CREATE INDEX `orders_patient` ON `orders` (`site_id`,`pims_patient_id`);--> statement-breakpoint
CREATE INDEX `orders_updated` ON `orders` (`site_id`,`updated_at`,`id`);