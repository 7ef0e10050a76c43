/**
 * The `code` field of the log lines the link endpoint writes, in both processes. Log wording is for
 * people and may change; a code is what scripts, alerts and the end-to-end tests match on, so it
 * changes only deliberately (docs/architecture.md, "Log codes").
 */
export const LinkLogCode = {
  /** No frame from the peer within the silence limit: the link is dropped and will be re-made. */
  silent: 'link_silent',
  /** The peer skipped a sequence number: the link is dropped to resynchronise. */
  sequenceGap: 'link_sequence_gap',
} as const;
export type LinkLogCode = (typeof LinkLogCode)[keyof typeof LinkLogCode];
