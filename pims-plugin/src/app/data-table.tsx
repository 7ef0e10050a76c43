import type { Child } from 'hono/jsx';

/**
 * The staff screens' table: one header row of column headings, then a row of the caller's per item.
 * `row` returns the whole `<tr>` so a screen keeps its own row attributes and row headers.
 */
export function DataTable<T>(props: {
  columns: Child[];
  rows: readonly T[];
  row: (item: T) => Child;
  class?: string;
  caption?: Child;
}) {
  return (
    <table class={props.class}>
      {props.caption === undefined ? null : <caption>{props.caption}</caption>}
      <thead>
        <tr>
          {props.columns.map((c) => (
            <th scope="col">{c}</th>
          ))}
        </tr>
      </thead>
      <tbody>{props.rows.map((item) => props.row(item))}</tbody>
    </table>
  );
}
