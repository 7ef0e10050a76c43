CREATE TABLE `worklist_items` (
	`order_id` text PRIMARY KEY NOT NULL,
	`revision` integer NOT NULL,
	`status` text NOT NULL,
	`attributes_json` text NOT NULL,
	`updated_at` text NOT NULL
);
