ALTER TABLE `agents` ADD `next_token_hash` text;--> statement-breakpoint
ALTER TABLE `agents` ADD `removed_at` text;--> statement-breakpoint
CREATE UNIQUE INDEX `agents_next_token_hash_unique` ON `agents` (`next_token_hash`);--> statement-breakpoint
ALTER TABLE `api_keys` ADD `source` text DEFAULT 'api' NOT NULL;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `prefix` text;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `last_used_at` text;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `revoked_at` text;--> statement-breakpoint
UPDATE `api_keys` SET `source` = 'env' WHERE `label` = 'env';--> statement-breakpoint
UPDATE `api_keys` SET `source` = 'generated' WHERE `label` = 'generated';
