ALTER TABLE `webhooks` ADD `lease_owner` text;--> statement-breakpoint
ALTER TABLE `webhooks` ADD `lease_until` integer;