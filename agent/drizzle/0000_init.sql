CREATE TABLE `dead_letters` (
	`seq` integer PRIMARY KEY NOT NULL,
	`body_json` text NOT NULL,
	`reason` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `link_state` (
	`id` integer PRIMARY KEY NOT NULL,
	`last_out_seq` integer DEFAULT 0 NOT NULL,
	`acked_out_seq` integer DEFAULT 0 NOT NULL,
	`last_in_seq` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `outbox` (
	`seq` integer PRIMARY KEY NOT NULL,
	`body_json` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `probes` (
	`probe_id` text NOT NULL,
	`n` integer NOT NULL,
	`applied_count` integer NOT NULL,
	`in_seq` integer NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	PRIMARY KEY(`probe_id`, `n`)
);
