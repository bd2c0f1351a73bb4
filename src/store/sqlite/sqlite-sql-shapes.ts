// Statements whose SQL varies with the request (filters, `IN (…)` lists): each distinct
// shape is prepared once and kept, within a bound.
import type Database from 'better-sqlite3';

/** Ids per `IN (…)` list, well under SQLite's bound-parameter limit. */
export const ID_CHUNK = 500;

const MAX_SHAPES = 500;

export type SqlParam = string | number;

/** `?, ?, …`: the parameters of an `IN (…)` list of n values. */
export function placeholders(n: number): string {
  return new Array(n).fill('?').join(', ');
}

export class StatementCache {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  prepared(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      if (this.statements.size >= MAX_SHAPES) this.statements.clear();
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}
