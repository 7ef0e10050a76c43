CREATE TABLE `instance_frame_previews` (
	`sop_instance_uid` text NOT NULL,
	`sha256` text NOT NULL,
	`position` integer NOT NULL,
	`frame_number` integer NOT NULL,
	`jpeg_sha256` text NOT NULL,
	PRIMARY KEY(`sop_instance_uid`, `sha256`, `position`)
);
--> statement-breakpoint
CREATE TABLE `instance_images` (
	`sop_instance_uid` text NOT NULL,
	`sha256` text NOT NULL,
	`columns` integer NOT NULL,
	`rows` integer NOT NULL,
	`number_of_frames` integer NOT NULL,
	`photometric_interpretation` text NOT NULL,
	`pixel_spacing_source` text,
	`pixel_spacing_row_mm` real,
	`pixel_spacing_column_mm` real,
	`rescale_slope` real NOT NULL,
	`rescale_intercept` real NOT NULL,
	`windows_json` text NOT NULL,
	`rendition_sha256` text,
	`rendition_format` text,
	`rendition_width` integer,
	`rendition_height` integer,
	`rendition_frame` integer,
	`stored_value_offset` integer,
	`invert` integer,
	`default_window_center` real,
	`default_window_width` real,
	`frame_preview_count` integer,
	PRIMARY KEY(`sop_instance_uid`, `sha256`)
);
