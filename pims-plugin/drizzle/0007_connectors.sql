CREATE TABLE `connector_outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`connector_id` text NOT NULL,
	`order_key` text NOT NULL,
	`event_id` text NOT NULL,
	`label` text NOT NULL,
	`payload_json` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer,
	`last_error` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`done_at` text
);
--> statement-breakpoint
CREATE INDEX `connector_outbox_pending` ON `connector_outbox` (`connector_id`,`status`,`id`);--> statement-breakpoint
CREATE INDEX `connector_outbox_order` ON `connector_outbox` (`connector_id`,`order_key`,`id`);--> statement-breakpoint
CREATE TABLE `connector_traffic` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`connector_id` text NOT NULL,
	`direction` text NOT NULL,
	`at` text NOT NULL,
	`label` text NOT NULL,
	`outcome` text NOT NULL,
	`detail` text,
	`excerpt` text
);
--> statement-breakpoint
CREATE INDEX `connector_traffic_connector` ON `connector_traffic` (`connector_id`,`id`);--> statement-breakpoint
CREATE TABLE `connectors` (
	`id` text PRIMARY KEY NOT NULL,
	`site_id` text NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`settings_json` text NOT NULL,
	`secrets_sealed` text,
	`cursor` integer NOT NULL,
	`lease_owner` text,
	`lease_until` integer,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text NOT NULL,
	`disabled_at` text
);
--> statement-breakpoint
CREATE INDEX `connectors_site` ON `connectors` (`site_id`);--> statement-breakpoint
CREATE TABLE `hl7_inbound` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`connector_id` text NOT NULL,
	`control_id` text NOT NULL,
	`label` text NOT NULL,
	`placer_order_id` text,
	`command_json` text,
	`ack` text NOT NULL,
	`status` text NOT NULL,
	`error` text,
	`order_id` text,
	`received_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`applied_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `hl7_inbound_control_id` ON `hl7_inbound` (`connector_id`,`control_id`);--> statement-breakpoint
CREATE INDEX `hl7_inbound_pending` ON `hl7_inbound` (`connector_id`,`status`,`id`);--> statement-breakpoint
CREATE INDEX `hl7_inbound_placer` ON `hl7_inbound` (`connector_id`,`placer_order_id`);