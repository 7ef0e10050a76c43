import { LightboxError } from '@lightbox/runtime';

/**
 * The opaque `cursor` of a paged list: the sort key of the last row of a page (a time, then the id
 * that breaks ties), so the next page starts right after it however the rows change meanwhile.
 */
export function encodePageCursor(at: string, id: string): string {
  return Buffer.from(JSON.stringify([at, id])).toString('base64url');
}

/** The `[at, id]` of a cursor `encodePageCursor` made; 422 naming `cursor` for anything else. */
export function decodePageCursor(cursor: string): [at: string, id: string] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string') {
      return [v[0], v[1]];
    }
  } catch {
    // fall through to the error below
  }
  throw new LightboxError('validation_failed', 'the cursor is not one this API issued', {
    errors: [{ field: 'cursor', message: 'expected the `next` of a previous page' }],
  });
}

/**
 * One page of a list read with one row more than `limit`: that extra row only tells that there is a
 * next page, whose cursor `cursorOf` makes from the page's last row.
 */
export function pageOf<R>(
  rows: R[],
  limit: number,
  cursorOf: (last: R) => string,
): { page: R[]; next: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { page, next: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}
