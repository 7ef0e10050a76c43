CREATE TABLE `instance_deliveries` (
	`sop_instance_uid` text NOT NULL,
	`sha256` text NOT NULL,
	`out_seq` integer NOT NULL,
	`placeholder_reason` text,
	`render_ms` integer,
	`delivered_at` text NOT NULL,
	PRIMARY KEY(`sop_instance_uid`, `sha256`)
);
