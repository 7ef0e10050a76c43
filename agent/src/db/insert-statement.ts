import type { InStatement, InValue } from '@libsql/client';
import { getTableColumns, is, Param, Placeholder, sql } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { AgentDb } from './agent-database.js';

/**
 * One row's INSERT as a plain libsql statement, its SQL text built once by drizzle from the schema
 * (so column names and order follow the migrations) and only the values bound per row. Building
 * the same statement through drizzle for every row costs about 0.3 ms of CPU, as much as the rest
 * of a stored instance's commit: during a CT burst that was one of the agent's largest own costs.
 * Every column is bound: a row must carry all of them, defaults included.
 */
export function insertStatement<T extends SQLiteTable>(
  db: AgentDb,
  table: T,
): (row: Required<T['$inferInsert']>) => InStatement {
  const keys = Object.keys(getTableColumns(table));
  const placeholders = Object.fromEntries(keys.map((k) => [k, sql.placeholder(k)]));
  // Narrow cast: a row of placeholders is what drizzle's prepared statements take too.
  const query = db
    .insert(table)
    .values(placeholders as T['$inferInsert'])
    .toSQL();
  // Each parameter is the column's placeholder, with the column that maps a value for the driver.
  const params = query.params.map((p) => {
    if (!is(p, Param) || !is(p.value, Placeholder))
      throw new Error(`unexpected insert parameter in ${query.sql}`);
    const encoder = p.encoder as { mapToDriverValue?: (value: unknown) => unknown } | undefined;
    return { name: p.value.name, toDriver: (v: unknown) => encoder?.mapToDriverValue?.(v) ?? v };
  });
  if (params.length !== keys.length) throw new Error(`unexpected insert parameters in ${query.sql}`);
  return (row) => {
    const values = row as Record<string, unknown>;
    return {
      sql: query.sql,
      args: params.map(({ name, toDriver }) => {
        const value = values[name];
        if (value === undefined) throw new Error(`${query.sql}: no value for ${name}`);
        return toDriver(value) as InValue;
      }),
    };
  };
}
