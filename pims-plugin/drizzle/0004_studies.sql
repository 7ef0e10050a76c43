CREATE TABLE `order_completion_waits` (
	`order_id` text PRIMARY KEY NOT NULL,
	`performed_step_uid` text NOT NULL,
	`expected_json` text NOT NULL,
	`deadline_ms` integer NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `studies` (
	`id` text PRIMARY KEY NOT NULL,
	`site_id` text NOT NULL,
	`study_instance_uid` text NOT NULL,
	`order_id` text,
	`status` text NOT NULL,
	`matched_by` text,
	`patient_id` text,
	`patient_name` text,
	`species` text,
	`accession_number` text,
	`modality` text,
	`description` text,
	`performed_at` text,
	`agent_id` text NOT NULL,
	`instance_count` integer DEFAULT 0 NOT NULL,
	`ready_instance_count` integer DEFAULT 0 NOT NULL,
	`last_received_at_ms` integer NOT NULL,
	`first_received_at` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `studies_site_uid` ON `studies` (`site_id`,`study_instance_uid`);--> statement-breakpoint
CREATE INDEX `studies_order` ON `studies` (`order_id`);--> statement-breakpoint
CREATE INDEX `studies_site_status` ON `studies` (`site_id`,`status`);--> statement-breakpoint
CREATE TABLE `study_audit` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`study_id` text NOT NULL,
	`at` text NOT NULL,
	`action` text NOT NULL,
	`order_id` text,
	`detail` text
);
--> statement-breakpoint
CREATE INDEX `study_audit_study` ON `study_audit` (`study_id`);--> statement-breakpoint
CREATE TABLE `study_instances` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`study_id` text NOT NULL,
	`series_id` integer NOT NULL,
	`sop_instance_uid` text NOT NULL,
	`sop_class_uid` text NOT NULL,
	`sha256` text NOT NULL,
	`size` integer,
	`transfer_syntax_uid` text,
	`instance_number` integer,
	`thumbnail_sha256` text NOT NULL,
	`preview_sha256` text NOT NULL,
	`placeholder_reason` text,
	`conflict` integer DEFAULT false NOT NULL,
	`agent_id` text NOT NULL,
	`received_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `study_instances_uid_sha` ON `study_instances` (`series_id`,`sop_instance_uid`,`sha256`);--> statement-breakpoint
CREATE INDEX `study_instances_sop` ON `study_instances` (`sop_instance_uid`);--> statement-breakpoint
CREATE INDEX `study_instances_study` ON `study_instances` (`study_id`);--> statement-breakpoint
CREATE TABLE `study_series` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`study_id` text NOT NULL,
	`series_instance_uid` text NOT NULL,
	`modality` text,
	`body_part` text,
	`description` text,
	`series_number` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `study_series_uid` ON `study_series` (`study_id`,`series_instance_uid`);