CREATE TABLE `mpps_operations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`sop_instance_uid` text NOT NULL,
	`operation` text NOT NULL,
	`status` text NOT NULL,
	`calling_ae_title` text NOT NULL,
	`out_seq` integer,
	`warnings_json` text NOT NULL,
	`at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `mpps_steps` (
	`sop_instance_uid` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`calling_ae_title` text NOT NULL,
	`attributes_json` text NOT NULL,
	`notified_view_json` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `stored_instances` (
	`sop_instance_uid` text NOT NULL,
	`sha256` text NOT NULL,
	`sop_class_uid` text NOT NULL,
	`study_instance_uid` text NOT NULL,
	`series_instance_uid` text NOT NULL,
	`transfer_syntax_uid` text NOT NULL,
	`patient_id` text NOT NULL,
	`patient_name` text NOT NULL,
	`accession_number` text NOT NULL,
	`modality` text NOT NULL,
	`study_date` text NOT NULL,
	`series_number` text NOT NULL,
	`instance_number` text NOT NULL,
	`number_of_frames` text NOT NULL,
	`relative_path` text NOT NULL,
	`file_bytes` integer NOT NULL,
	`dataset_bytes` integer NOT NULL,
	`calling_ae_title` text NOT NULL,
	`conflict` integer DEFAULT 0 NOT NULL,
	`received_at` text NOT NULL,
	PRIMARY KEY(`sop_instance_uid`, `sha256`)
);
