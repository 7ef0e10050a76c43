/** C-STORE statuses the agent answers (PS3.4 B.2.3), each with an Error Comment on failure. */
export const StoreStatus = {
  Success: 0x0000,
  /** Out of resources: the instance could not be made durable (disk full, I/O error). */
  OutOfResources: 0xa700,
  /** The data set names another SOP class or instance than the command that carried it. */
  DataSetDoesNotMatchSopClass: 0xa900,
  /** The data set (or the command) cannot be stored as is: missing or unusable UIDs. */
  CannotUnderstand: 0xc000,
  SopClassNotSupported: 0x0122,
} as const;

export interface StoreOutcome {
  status: number;
  errorComment?: string;
  /** What happened, for the log and the tests. */
  result: 'stored' | 'duplicate' | 'conflict' | 'refused' | 'failed';
}

/** Error Comment (0000,0902) is LO: at most 64 characters. */
export function refusal(
  status: number,
  comment: string,
  result: 'refused' | 'failed' = 'refused',
): StoreOutcome {
  return { status, errorComment: comment.slice(0, 64), result };
}
