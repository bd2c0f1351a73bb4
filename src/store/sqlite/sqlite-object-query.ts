// The SQL of an object query (TAXII 2.1 §3.4.1 filters) over the embedded store's
// `objects` table, with the index each shape must use.
import type { ObjectQuery, VersionSelector } from '../object-store';
import { placeholders, type SqlParam } from './sqlite-sql-shapes';

/** The query's columns, in order: object_id, type, version, spec_version, date_added, provider[, json]. */
export type RecordRow = [string, string, string, string, number, string | null, string?];

/** Rows come back as arrays (RecordRow): better-sqlite3 then builds no object per row. */
/** `part`: the partitions.id of q.partition. */
export function objectQuerySql(q: ObjectQuery, part: number): { sql: string; params: SqlParam[] } {
  const out = 'object_id, type, version, spec_version, date_added, provider';
  const columns = q.withJson ? `${out}, json, version_key, base_part, base_seq, variant` : out;
  const where: string[] = ['part = ?'];
  const params: SqlParam[] = [part];
  const lowerBound = Math.max(q.addedAfter ?? -Infinity, q.after ?? -Infinity);
  if (Number.isFinite(lowerBound)) {
    where.push('date_added > ?');
    params.push(lowerBound);
  }
  if (q.ids) {
    where.push(`object_id IN (${placeholders(q.ids.length)})`);
    params.push(...q.ids);
  }
  addVersionClause(q.versions, where, params);
  addSpecVersionClause(q.specVersions, where, params);
  const fetch = q.limit + 1;
  // The planner, left alone, walks the (collection, is_last, date_added) index and
  // filters: proportional to the partition for an id or a rare type. Name the index
  // that bounds the scan to the matches instead (measured in bench/stores.ts).
  const source = q.ids ? 'objects INDEXED BY objects_by_version' : q.types ? 'objects INDEXED BY objects_type_by_added' : 'objects';
  let sql: string;
  let allParams: SqlParam[];
  // Types are ORed: a repeated type must not make the UNION ALL below repeat records.
  const types = q.types ? [...new Set(q.types)] : undefined;
  if (types && types.length > 1 && !q.ids) {
    // One ordered, bounded index range per type, merged: the cost of a page stays
    // proportional to the page, not to the partition (a plain IN would sort every match).
    const parts = types.map(
      () => `SELECT * FROM (SELECT ${columns} FROM ${source} WHERE ${where.join(' AND ')} AND type = ? ORDER BY date_added LIMIT ${fetch})`,
    );
    sql = `${parts.join(' UNION ALL ')} ORDER BY date_added LIMIT ${fetch}`;
    allParams = types.flatMap((t) => [...params, t]);
  } else {
    if (types) {
      where.push(`type IN (${placeholders(types.length)})`);
      params.push(...types);
    }
    sql = `SELECT ${columns} FROM ${source} WHERE ${where.join(' AND ')} ORDER BY date_added LIMIT ${fetch}`;
    allParams = params;
  }
  // A derived (per-reader) row without JSON of its own serves its base row's, unchanged:
  // found by seq, checked to still be that version (a deleted base row's seq may be reused),
  // else by partition, id and version (rows stored before their base row). Subqueries, not
  // joins: CASE and coalesce evaluate them only for the rows that need them.
  if (q.withJson) {
    const base = 'p.object_id = b.object_id AND p.base_part = b.part AND p.version_key = b.version_key';
    sql =
      `SELECT p.object_id, p.type, p.version, p.spec_version, p.date_added, p.provider, CASE ` +
      `WHEN p.variant IS NOT NULL THEN (SELECT v.json FROM variants v WHERE v.id = p.variant) ` +
      `WHEN p.json = '' THEN coalesce((SELECT b.json FROM objects b WHERE b.seq = p.base_seq AND ${base}), ` +
      `(SELECT b.json FROM objects b INDEXED BY objects_by_version WHERE ${base})) ` +
      `ELSE p.json END AS json FROM (${sql}) p ORDER BY p.date_added`;
  }
  return { sql, params: allParams };
}

export function addVersionClause(versions: VersionSelector, where: string[], params: SqlParam[]): void {
  if (versions.all) return;
  const alternatives: string[] = [];
  if (versions.first) alternatives.push('is_first = 1');
  if (versions.last) alternatives.push('is_last = 1');
  if (versions.exact.length > 0) {
    alternatives.push(`version_key IN (${placeholders(versions.exact.length)})`);
    params.push(...versions.exact);
  }
  where.push(alternatives.length > 0 ? `(${alternatives.join(' OR ')})` : '0');
}

export function addSpecVersionClause(specVersions: string[] | undefined, where: string[], params: SqlParam[]): void {
  if (!specVersions) return;
  where.push(`spec_version IN (${placeholders(specVersions.length)})`);
  params.push(...specVersions);
}
