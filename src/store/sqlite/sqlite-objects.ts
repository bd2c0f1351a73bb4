// Objects in the embedded store: versions per partition (a base collection or a reader's
// view), with date_added unique and increasing per partition, and the first/last flags
// that TAXII 2.1 §3.4.1 `match[version]` reads kept precomputed.
import type Database from 'better-sqlite3';
import type {
  AddOutcome,
  AddToManyOptions,
  NewObjectVersion,
  ObjectQuery,
  ObjectStore,
  PartitionBatch,
  QueryPage,
  StoredVersion,
  VersionSelector,
} from '../object-store';
import type { DerivedVersions } from '../distribution-ledger';
import { DirectoryConflict } from '../../directory/records';
import { formatMicros, nowMicros, versionKey } from '../../vocabulary/time';
import { VariantHashes } from '../variant-hashes';
import { withoutOwnFsync } from './sqlite-connection';
import { addSpecVersionClause, addVersionClause, objectQuerySql, type RecordRow } from './sqlite-object-query';
import { ID_CHUNK, placeholders, type SqlParam, type StatementCache } from './sqlite-sql-shapes';

export class SqliteObjects implements ObjectStore {
  private readonly statements: ReturnType<typeof prepareObjectStatements>;
  /** Hashes of forms seen recently (a publish fans one form out to many readers). */
  private readonly variantHashes = new VariantHashes();
  /**
   * Partition name → partitions.id. Ids are never reassigned, so an entry can only be wrong
   * if the transaction that made or read it rolled back: a failed write clears the map.
   */
  private readonly partIds = new Map<string, number>();
  private readonly addTransaction: (partition: string, versions: NewObjectVersion[]) => AddOutcome[];
  private readonly manyTransaction: (batches: PartitionBatch[], directoryRevision?: number) => AddOutcome[][];

  constructor(
    private readonly db: Database.Database,
    private readonly shapes: StatementCache,
    directory: { readRevision(): number },
  ) {
    this.statements = prepareObjectStatements(db);
    const tx = db.transaction((partition: string, versions: NewObjectVersion[]) => this.addInTransaction(partition, versions));
    // IMMEDIATE: take the write lock before reading the partition's clock, so that
    // date_added stays unique even when several processes share the file.
    this.addTransaction = (p, v) => this.clearingIdsOnFailure(() => tx.immediate(p, v));
    const many = db.transaction((batches: PartitionBatch[], directoryRevision?: number) => {
      if (directoryRevision !== undefined) {
        const actual = directory.readRevision();
        if (actual !== directoryRevision) throw new DirectoryConflict(directoryRevision, actual);
      }
      return batches.map((b) => (b.versions.length === 0 ? [] : this.addInTransaction(b.partition, b.versions)));
    });
    this.manyTransaction = (b, r) => this.clearingIdsOnFailure(() => many.immediate(b, r));
  }

  private clearingIdsOnFailure<T>(write: () => T): T {
    try {
      return write();
    } catch (e) {
      this.partIds.clear();
      throw e;
    }
  }

  /** The partition's id, or undefined if it never held a row. */
  partId(name: string): number | undefined {
    let id = this.partIds.get(name);
    if (id === undefined) {
      id = this.statements.partId.get(name) as number | undefined;
      if (id !== undefined) this.partIds.set(name, id);
    }
    return id;
  }

  /** The partition's id, made if new; inside the caller's write transaction. */
  private partIdMade(name: string): number {
    const id = this.partId(name);
    if (id !== undefined) return id;
    const made = Number(this.statements.putPart.run(name).lastInsertRowid);
    this.partIds.set(name, made);
    return made;
  }

  async addObjects(partition: string, versions: NewObjectVersion[]): Promise<AddOutcome[]> {
    if (versions.length === 0) return [];
    // Versions still pending are a publish's, stored batch by batch before its status: the
    // status's commit (synchronous=FULL) makes these durable too before any 202, so each
    // batch saves its own fsync (withoutOwnFsync says why that is safe).
    if (versions.every((v) => v.pending === true)) return withoutOwnFsync(this.db, () => this.addTransaction(partition, versions));
    return this.addTransaction(partition, versions);
  }

  async addObjectsToMany(batches: PartitionBatch[], options: AddToManyOptions = {}): Promise<AddOutcome[][]> {
    const write = () => this.manyTransaction(batches, options.directoryRevision);
    return options.recoverable ? withoutOwnFsync(this.db, write) : write();
  }

  private addInTransaction(partition: string, versions: NewObjectVersion[]): AddOutcome[] {
    const s = this.statements;
    let last = (s.clock.get(partition) as number | undefined) ?? 0;
    const part = this.partIdMade(partition);
    const results: AddOutcome[] = [];
    for (const v of versions) {
      // One lookup tells a new object (the usual case) from a known one.
      const { lo, hi } = s.bounds.get(v.id, part) as { lo: string | null; hi: string | null };
      if (lo !== null) {
        // Unversioned (no modified/created): the date_added of the provider's first copy is
        // its version (TAXII 2.1 §5.3.1 "a value for the version that is consistent to the server").
        const existing = (
          v.version === undefined ? s.ownCopy.get(v.id, part, v.provider ?? null) : s.versionExists.get(v.id, part, v.versionKey)
        ) as string | undefined;
        if (existing !== undefined) {
          // TAXII 2.1 §5.5: an exact duplicate is never an error, and adds no version.
          results.push({ outcome: 'duplicate', version: existing });
          continue;
        }
      }
      const dateAdded = Math.max(v.dateAdded ?? nowMicros(), last + 1);
      last = dateAdded;
      const version = v.version ?? formatMicros(dateAdded);
      const key = v.versionKey ?? (versionKey(version) as string);
      const isFirst = lo === null || key < lo;
      const isLast = hi === null || key > hi;
      if (isFirst && lo !== null) s.clearFirst.run(v.id, part);
      if (isLast && hi !== null) s.clearLast.run(v.id, part);
      const derived = v.baseCollection !== undefined;
      const basePart = derived ? this.partIdMade(v.baseCollection as string) : null;
      const variant = derived && v.json !== '' ? this.variant(v.json) : null;
      s.insert.run({
        part,
        object_id: v.id,
        type: v.type,
        version,
        version_key: key,
        spec_version: v.specVersion,
        date_added: dateAdded,
        is_first: isFirst ? 1 : 0,
        is_last: isLast ? 1 : 0,
        json: derived ? '' : v.json,
        variant,
        provider: v.provider ?? null,
        base_part: basePart,
        // The base row by seq: a view's page then reads its base rows in publish order, not
        // at random through the id index. The query checks the row still is that version.
        base_seq: basePart !== null && variant === null ? ((s.baseSeq.get(v.id, basePart, key) as number | undefined) ?? null) : null,
        base_object_id: v.baseObjectId ?? null,
        pending: v.pending ? 1 : 0,
      });
      results.push({ outcome: 'added', version, dateAdded });
    }
    s.setClock.run(partition, last);
    return results;
  }

  /** Stores a transformed form once and returns its id; derived rows refer to it (see VARIANTS_SQL). */
  private variant(json: string): number {
    const hash = this.variantHashes.hashOf(json);
    // Looked up every time (the cache only saves hashing): inside the caller's transaction,
    // so a rolled-back write can never leave a row pointing at a form that is not stored.
    this.statements.putVariant.run(hash, json);
    return this.statements.variantId.get(hash) as number;
  }

  async queryObjects(q: ObjectQuery): Promise<QueryPage> {
    const part = this.partId(q.partition);
    if (part === undefined) return { records: [], more: false };
    const { sql, params } = objectQuerySql(q, part);
    const rows = this.shapes.prepared(sql).raw(true).all(...params) as RecordRow[];
    const more = rows.length > q.limit;
    const records: StoredVersion[] = [];
    for (let i = 0; i < Math.min(rows.length, q.limit); i++) {
      const [id, type, version, specVersion, dateAdded, provider, json] = rows[i] as RecordRow;
      const r: StoredVersion = { id, type, version, specVersion, dateAdded };
      if (provider !== null) r.provider = provider;
      if (json !== undefined) r.json = json;
      records.push(r);
    }
    return { records, more };
  }

  async hasObject(partition: string, objectId: string): Promise<boolean> {
    const part = this.partId(partition);
    return part !== undefined && this.statements.hasObject.get(objectId, part) !== undefined;
  }

  async presentAmong(partition: string, objectIds: string[]): Promise<Set<string>> {
    const out = new Set<string>();
    const part = this.partId(partition);
    if (part === undefined) return out;
    const unique = [...new Set(objectIds)];
    for (let i = 0; i < unique.length; i += ID_CHUNK) {
      const chunk = unique.slice(i, i + ID_CHUNK);
      const found = this.shapes
        .prepared(`SELECT DISTINCT object_id FROM objects WHERE part = ? AND object_id IN (${placeholders(chunk.length)})`)
        .pluck()
        .all(part, ...chunk) as string[];
      for (const id of found) out.add(id);
    }
    return out;
  }

  async redate(partition: string, versions: ReadonlyArray<{ id: string; versionKey: string }>): Promise<number> {
    const part = this.partId(partition);
    if (versions.length === 0 || part === undefined) return 0;
    const redate = this.db.transaction(() => {
      const s = this.statements;
      let last = (s.clock.get(partition) as number | undefined) ?? 0;
      let found = 0;
      for (const v of versions) {
        const dateAdded = Math.max(nowMicros(), last + 1);
        if (s.redate.run(dateAdded, part, v.id, v.versionKey).changes === 0) continue;
        last = dateAdded;
        found++;
      }
      s.setClock.run(partition, last);
      return found;
    });
    return redate.immediate();
  }

  async deleteVersions(partition: string, versions: ReadonlyArray<{ id: string; versionKey: string }>): Promise<number> {
    const part = this.partId(partition);
    if (versions.length === 0 || part === undefined) return 0;
    const run = this.db.transaction(() => {
      let deleted = 0;
      const touched = new Set<string>();
      for (const v of versions) {
        const n = this.statements.deleteVersion.run(v.id, part, v.versionKey).changes;
        if (n > 0) touched.add(v.id);
        deleted += n;
      }
      for (const id of touched) this.refreshFlags(part, id);
      return deleted;
    });
    return run.immediate();
  }

  async dropPartition(partition: string): Promise<number> {
    const part = this.partId(partition);
    const drop = this.db.transaction(() => {
      // The partition's number is kept: a class's name comes back when members move back.
      const dropped = part === undefined ? 0 : this.statements.drop.run(part).changes;
      this.statements.dropClock.run(partition);
      return dropped;
    });
    return drop.immediate();
  }

  async deleteObject(partition: string, objectId: string, versions: VersionSelector, specVersions?: string[]): Promise<number> {
    const part = this.partId(partition);
    if (part === undefined) return 0;
    const run = this.db.transaction(() => {
      const where = ['part = ?', 'object_id = ?'];
      const params: SqlParam[] = [part, objectId];
      addVersionClause(versions, where, params);
      addSpecVersionClause(specVersions, where, params);
      const deleted = this.shapes.prepared(`DELETE FROM objects INDEXED BY objects_by_version WHERE ${where.join(' AND ')}`).run(...params).changes;
      if (deleted > 0) this.refreshFlags(part, objectId);
      return deleted;
    });
    return run.immediate();
  }

  /** Deletes derived rows of one object; the caller holds the transaction (DistributionLedger.deleteDerivedIn). */
  deleteDerivedInTransaction(item: DerivedVersions): number {
    const { partition, objectId, versionKeys, baseCollection } = item;
    const part = this.partId(partition);
    const basePart = this.partId(baseCollection);
    if (part === undefined || basePart === undefined) return 0;
    const deleted = this.shapes
      .prepared(`DELETE FROM objects INDEXED BY objects_by_version WHERE object_id = ? AND part = ? AND version_key IN (${placeholders(versionKeys.length)}) AND base_part = ?`)
      .run(objectId, part, ...versionKeys, basePart).changes;
    if (deleted > 0) this.refreshFlags(part, objectId);
    return deleted;
  }

  /** Sets first/last on the versions of an object left after a delete. */
  private refreshFlags(part: number, objectId: string): void {
    const { lo, hi } = this.statements.bounds.get(objectId, part) as { lo: string | null; hi: string | null };
    if (lo !== null) this.statements.refreshFlags.run({ lo, hi, c: part, o: objectId });
  }
}

function prepareObjectStatements(db: Database.Database) {
  return {
    drop: db.prepare('DELETE FROM objects WHERE part = ?'),
    deleteVersion: db.prepare('DELETE FROM objects INDEXED BY objects_by_version WHERE object_id = ? AND part = ? AND version_key = ?'),
    redate: db.prepare('UPDATE objects INDEXED BY objects_by_version SET date_added = ? WHERE part = ? AND object_id = ? AND version_key = ?'),
    dropClock: db.prepare('DELETE FROM collection_clock WHERE collection_id = ?'),
    clock: db.prepare('SELECT last_added FROM collection_clock WHERE collection_id = ?').pluck(),
    setClock: db.prepare(
      'INSERT INTO collection_clock (collection_id, last_added) VALUES (?, ?) ' +
        'ON CONFLICT (collection_id) DO UPDATE SET last_added = excluded.last_added',
    ),
    partId: db.prepare('SELECT id FROM partitions WHERE name = ?').pluck(),
    putPart: db.prepare('INSERT INTO partitions (name) VALUES (?)'),
    versionExists: db.prepare('SELECT version FROM objects WHERE object_id = ? AND part = ? AND version_key = ?').pluck(),
    baseSeq: db.prepare('SELECT seq FROM objects WHERE object_id = ? AND part = ? AND version_key = ?').pluck(),
    // An unversioned object's copies are told apart by provider: each member's copy is its own
    // version, so that whether another member holds the object never shows (docs/security.md).
    // INDEXED BY: left alone, the planner walks the whole partition in date_added order.
    ownCopy: db
      .prepare(
        'SELECT version FROM objects INDEXED BY objects_by_version WHERE object_id = ? AND part = ? AND provider IS ? ORDER BY date_added LIMIT 1',
      )
      .pluck(),
    bounds: db.prepare('SELECT min(version_key) AS lo, max(version_key) AS hi FROM objects WHERE object_id = ? AND part = ?'),
    insert: db.prepare(
      'INSERT INTO objects (part, object_id, type, version, version_key, spec_version, date_added, is_first, is_last, json, provider, base_part, base_seq, base_object_id, variant, pending) ' +
        'VALUES (@part, @object_id, @type, @version, @version_key, @spec_version, @date_added, @is_first, @is_last, @json, @provider, @base_part, @base_seq, @base_object_id, @variant, @pending)',
    ),
    // INDEXED BY on the statements below that also test is_first/is_last: left alone, the
    // planner may walk the partition's (part, is_last, date_added) range instead of one object's rows.
    clearLast: db.prepare('UPDATE objects INDEXED BY objects_by_version SET is_last = 0 WHERE object_id = ? AND part = ? AND is_last = 1'),
    clearFirst: db.prepare('UPDATE objects INDEXED BY objects_by_version SET is_first = 0 WHERE object_id = ? AND part = ? AND is_first = 1'),
    refreshFlags: db.prepare(
      'UPDATE objects INDEXED BY objects_by_version SET is_first = (version_key = @lo), is_last = (version_key = @hi) ' +
        'WHERE part = @c AND object_id = @o',
    ),
    hasObject: db.prepare('SELECT 1 FROM objects WHERE object_id = ? AND part = ? LIMIT 1').pluck(),
    putVariant: db.prepare('INSERT INTO variants (hash, json) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING'),
    variantId: db.prepare('SELECT id FROM variants WHERE hash = ?').pluck(),
  };
}
