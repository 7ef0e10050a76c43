/**
 * What a query that cannot be matched turns into: a C-FIND failure status and an Error Comment
 * (0000,0902). The association is not touched — the caller answers with the status and carries on.
 */
export type QueryCheck = { ok: true } | { ok: false; status: number; comment: string };

/** A900: Identifier does not match SOP Class (PS3.4 C.4.1.1.4) — a key we cannot read. */
export const STATUS_IDENTIFIER_DOES_NOT_MATCH = 0xa900;

/** Error Comment is LO: at most 64 characters. */
const COMMENT_MAX = 64;

/**
 * The Error Comment for a key: its keyword, what is wrong and the offending value. The comment
 * lives in the command set, which is always in the default repertoire, so anything outside
 * printable ASCII in the quoted value is shown as `?` rather than sent as bytes the SCU would
 * decode differently.
 */
export function keyComment(keyword: string, problem: string, value?: string): string {
  const quoted = value === undefined ? '' : ` '${value}'`;
  return errorComment(`${keyword}: ${problem}${quoted}`);
}

export function errorComment(text: string): string {
  const ascii = text.replace(/[^\x20-\x7e]/gu, '?');
  return ascii.length <= COMMENT_MAX ? ascii : `${ascii.slice(0, COMMENT_MAX - 3)}...`;
}

export function failure(comment: string): QueryCheck {
  return { ok: false, status: STATUS_IDENTIFIER_DOES_NOT_MATCH, comment };
}
