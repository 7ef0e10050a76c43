CREATE TABLE `spool_purges` (
	`sop_instance_uid` text NOT NULL,
	`sha256` text NOT NULL,
	`relative_path` text NOT NULL,
	`purged_at` text NOT NULL,
	PRIMARY KEY(`sop_instance_uid`, `sha256`)
);
