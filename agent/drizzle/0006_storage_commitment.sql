CREATE TABLE `storage_commitments` (
	`transaction_uid` text PRIMARY KEY NOT NULL,
	`calling_ae_title` text NOT NULL,
	`requested_json` text NOT NULL,
	`received_at` text NOT NULL,
	`result_json` text,
	`reported_at` text,
	`report_attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text
);
