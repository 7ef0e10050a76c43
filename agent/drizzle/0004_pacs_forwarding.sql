CREATE TABLE `instance_forwards` (
	`sop_instance_uid` text NOT NULL,
	`sha256` text NOT NULL,
	`outcome` text NOT NULL,
	`status` text,
	`detail` text,
	`pacs` text NOT NULL,
	`attempts` integer NOT NULL,
	`at` text NOT NULL,
	PRIMARY KEY(`sop_instance_uid`, `sha256`)
);
