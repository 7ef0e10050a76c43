/**
 * SQLite refuses a statement with too many bound parameters, so long IN lists and multi-row inserts
 * go in slices: `size` values per IN list, or rows per insert (rows × columns within the limit).
 */
export function slices<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}
