// The embedded store: one SQLite file (better-sqlite3), so that `npm start` serves with
// no database to install. WAL journal, synchronous=FULL: a POST's transaction is on
// disk before its 202 is sent. Writes of derived state (the readers' views, settling)
// commit without their own fsync: see `derived`.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type {
  AddOutcome,
  NewObjectVersion,
  ObjectQuery,
  QueryPage,
  DeferredDecision,
  PendingVersion,
  Store,
  StoredStatus,
  StoredVersion,
  VersionSelector,
} from '../store';
import { formatMicros, nowMicros, versionKey } from '../../vocabulary/time';
import { DEFERRED_SQL, DERIVED_INDEXES_SQL, RELEASES_SQL, SCHEMA_SQL, VARIANTS_SQL } from './sqlite-schema';
import { VariantHashes } from '../variant-hashes';
import { SqliteDirectory } from './sqlite-directory';
import { DirectoryConflict, type AuditEntry, type AuditQuery, type DirectoryChange, type DirectoryData } from '../../directory/records';

type Row = {
  object_id: string;
  type: string;
  version: string;
  spec_version: string;
  date_added: number;
  provider: string | null;
  json?: string;
};

/** queryObjects' columns, in order: object_id, type, version, spec_version, date_added, provider[, json]. */
type RecordRow = [string, string, string, string, number, string | null, string?];

type SqlParam = string | number;

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly statements: ReturnType<SqliteStore['prepare']>;
  private readonly directory: SqliteDirectory;
  /** Hashes of forms seen recently (a publish fans one form out to many readers). */
  private readonly variantHashes = new VariantHashes();
  private readonly queryCache = new Map<string, Database.Statement>();
  private readonly addTransaction: (collectionId: string, versions: NewObjectVersion[]) => AddOutcome[];
  private readonly manyTransaction: (batches: Array<{ partition: string; versions: NewObjectVersion[] }>, revision?: number) => AddOutcome[][];

  /** `file` is a path, or ':memory:' for tests. */
  constructor(file: string) {
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA_SQL);
    migrate(this.db);
    this.statements = this.prepare();
    this.directory = new SqliteDirectory(this.db);
    const tx = this.db.transaction((collectionId: string, versions: NewObjectVersion[]) =>
      this.addInTransaction(collectionId, versions),
    );
    // IMMEDIATE: take the write lock before reading the collection's clock, so that
    // date_added stays unique even when several processes share the file.
    this.addTransaction = (c, v) => tx.immediate(c, v);
    const many = this.db.transaction((batches: Array<{ partition: string; versions: NewObjectVersion[] }>, revision?: number) => {
      if (revision !== undefined) {
        const actual = this.directory.readRevision();
        if (actual !== revision) throw new DirectoryConflict(revision, actual);
      }
      return batches.map((b) => (b.versions.length === 0 ? [] : this.addInTransaction(b.partition, b.versions)));
    });
    this.manyTransaction = (b, r) => many.immediate(b, r);
  }

  /**
   * Runs a write that only derives from base rows still pending (their views, then
   * settling them) with synchronous=NORMAL: committed to the WAL, so it survives a killed
   * process, but not fsynced on its own. A power cut can only drop a suffix of the WAL;
   * dropping this leaves the base rows pending, and start-up distributes them again
   * (Distributor.recoverPending). The POST's next FULL commit (its status) fsyncs these
   * frames too, before the 202. Saves two fsyncs per publish that reaches readers: its
   * store writes went from 0.73–0.83 to 0.57–0.59 ms on this machine, all on the event loop.
   */
  private derived<T>(write: () => T): T {
    this.db.pragma('synchronous = NORMAL');
    try {
      return write();
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  private prepare() {
    const db = this.db;
    return {
      clock: db.prepare('SELECT last_added FROM collection_clock WHERE collection_id = ?').pluck(),
      setClock: db.prepare(
        'INSERT INTO collection_clock (collection_id, last_added) VALUES (?, ?) ' +
          'ON CONFLICT (collection_id) DO UPDATE SET last_added = excluded.last_added',
      ),
      versionExists: db
        .prepare('SELECT version FROM objects WHERE collection_id = ? AND object_id = ? AND version_key = ?')
        .pluck(),
      // An unversioned object's copies are told apart by provider: each member's copy is its own
      // version, so that whether another member holds the object never shows (docs/security.md).
      // INDEXED BY: left alone, the planner walks the whole collection in date_added order.
      ownCopy: db
        .prepare(
          'SELECT version FROM objects INDEXED BY objects_by_version WHERE collection_id = ? AND object_id = ? AND provider IS ? ORDER BY date_added LIMIT 1',
        )
        .pluck(),
      bounds: db.prepare(
        'SELECT min(version_key) AS lo, max(version_key) AS hi FROM objects WHERE collection_id = ? AND object_id = ?',
      ),
      insert: db.prepare(
        'INSERT INTO objects (collection_id, object_id, type, version, version_key, spec_version, date_added, is_first, is_last, json, provider, base_collection, base_object_id, variant, pending) ' +
          'VALUES (@collection_id, @object_id, @type, @version, @version_key, @spec_version, @date_added, @is_first, @is_last, @json, @provider, @base_collection, @base_object_id, @variant, @pending)',
      ),
      clearLast: db.prepare('UPDATE objects SET is_last = 0 WHERE collection_id = ? AND object_id = ? AND is_last = 1'),
      clearFirst: db.prepare('UPDATE objects SET is_first = 0 WHERE collection_id = ? AND object_id = ? AND is_first = 1'),
      refreshFlags: db.prepare(
        'UPDATE objects SET is_first = (version_key = @lo), is_last = (version_key = @hi) ' +
          'WHERE collection_id = @c AND object_id = @o',
      ),
      saveStatus: db.prepare(
        'INSERT INTO statuses (id, api_root, owner, created_at, resource) VALUES (?, ?, ?, ?, ?) ' +
          'ON CONFLICT (id) DO UPDATE SET resource = excluded.resource',
      ),
      getStatus: db.prepare('SELECT id, api_root, owner, created_at, resource FROM statuses WHERE api_root = ? AND id = ?'),
      purgeStatuses: db.prepare('DELETE FROM statuses WHERE created_at < ?'),
      getSetting: db.prepare('SELECT value FROM settings WHERE key = ?').pluck(),
      insertSetting: db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING'),
      hasObject: db.prepare('SELECT 1 FROM objects WHERE collection_id = ? AND object_id = ? LIMIT 1').pluck(),
      putVariant: db.prepare('INSERT INTO variants (hash, json) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING'),
      variantId: db.prepare('SELECT id FROM variants WHERE hash = ?').pluck(),
      pending: db.prepare(
        'SELECT collection_id, object_id, type, version, version_key, spec_version, date_added, provider, json FROM objects WHERE pending = 1 ORDER BY seq LIMIT ?',
      ),
      settle: db.prepare('UPDATE objects SET pending = 0 WHERE collection_id = ? AND date_added BETWEEN ? AND ? AND pending = 1'),
    };
  }

  private addInTransaction(collectionId: string, versions: NewObjectVersion[]): AddOutcome[] {
    const s = this.statements;
    let last = (s.clock.get(collectionId) as number | undefined) ?? 0;
    const results: AddOutcome[] = [];
    for (const v of versions) {
      // One lookup tells a new object (the usual case) from a known one.
      const { lo, hi } = s.bounds.get(collectionId, v.id) as { lo: string | null; hi: string | null };
      if (lo !== null) {
        // Unversioned (no modified/created): the date_added of the provider's first copy is
        // its version (TAXII 2.1 §5.3.1 "a value for the version that is consistent to the server").
        const existing = (
          v.version === undefined ? s.ownCopy.get(collectionId, v.id, v.provider ?? null) : s.versionExists.get(collectionId, v.id, v.versionKey)
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
      if (isFirst && lo !== null) s.clearFirst.run(collectionId, v.id);
      if (isLast && hi !== null) s.clearLast.run(collectionId, v.id);
      s.insert.run({
        collection_id: collectionId,
        object_id: v.id,
        type: v.type,
        version,
        version_key: key,
        spec_version: v.specVersion,
        date_added: dateAdded,
        is_first: isFirst ? 1 : 0,
        is_last: isLast ? 1 : 0,
        json: v.baseCollection !== undefined ? '' : v.json,
        variant: v.baseCollection !== undefined && v.json !== '' ? this.variant(v.json) : null,
        provider: v.provider ?? null,
        base_collection: v.baseCollection ?? null,
        base_object_id: v.baseObjectId ?? null,
        pending: v.pending ? 1 : 0,
      });
      results.push({ outcome: 'added', version, dateAdded });
    }
    s.setClock.run(collectionId, last);
    return results;
  }

  async directoryRevision(): Promise<number> {
    return this.directory.readRevision();
  }

  async loadDirectory(): Promise<DirectoryData> {
    return this.directory.load();
  }

  async applyDirectoryChanges(changes: DirectoryChange[], audit: AuditEntry[], expectedRevision: number): Promise<number> {
    return this.directory.apply(changes, audit, expectedRevision);
  }

  async appendAudit(entries: AuditEntry[]): Promise<void> {
    this.directory.appendAudit(entries);
  }

  async queryAudit(query: AuditQuery): Promise<{ entries: AuditEntry[]; more: boolean }> {
    return this.directory.queryAudit(query);
  }

  /** Stores a transformed form once and returns its id; derived rows refer to it (see VARIANTS_SQL). */
  private variant(json: string): number {
    const hash = this.variantHashes.hashOf(json);
    // Looked up every time (the cache only saves hashing): inside the caller's transaction,
    // so a rolled-back write can never leave a row pointing at a form that is not stored.
    this.statements.putVariant.run(hash, json);
    return this.statements.variantId.get(hash) as number;
  }

  async addObjectsToMany(
    batches: Array<{ partition: string; versions: NewObjectVersion[] }>,
    directoryRevision?: number,
    recoverable = false,
  ): Promise<AddOutcome[][]> {
    const write = () => this.manyTransaction(batches, directoryRevision);
    return recoverable ? this.derived(write) : write();
  }

  async addObjects(collectionId: string, versions: NewObjectVersion[]): Promise<AddOutcome[]> {
    if (versions.length === 0) return [];
    return this.addTransaction(collectionId, versions);
  }

  async queryObjects(q: ObjectQuery): Promise<QueryPage> {
    // Rows come back as arrays in this order (RecordRow): better-sqlite3 builds no object per row.
    const out = 'object_id, type, version, spec_version, date_added, provider';
    const columns = q.withJson ? `${out}, json, version_key, base_collection, variant` : out;
    const where: string[] = ['collection_id = ?'];
    const params: SqlParam[] = [q.partition];
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
    // filters: proportional to the collection for an id or a rare type. Name the index
    // that bounds the scan to the matches instead (measured in bench/stores.ts).
    const source = q.ids ? 'objects INDEXED BY objects_by_version' : q.types ? 'objects INDEXED BY objects_type_by_added' : 'objects';
    let sql: string;
    let allParams: SqlParam[];
    // Types are ORed: a repeated type must not make the UNION ALL below repeat records.
    const types = q.types ? [...new Set(q.types)] : undefined;
    if (types && types.length > 1 && !q.ids) {
      // One ordered, bounded index range per type, merged: the cost of a page stays
      // proportional to the page, not to the collection (a plain IN would sort every match).
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
    // A derived (per-reader) row without JSON of its own serves its base row's, unchanged.
    if (q.withJson) {
      sql =
        `SELECT p.object_id, p.type, p.version, p.spec_version, p.date_added, p.provider, ` +
        `CASE WHEN p.variant IS NOT NULL THEN v.json WHEN p.json = '' THEN b.json ELSE p.json END AS json FROM (${sql}) p ` +
        `LEFT JOIN variants v ON v.id = p.variant ` +
        `LEFT JOIN objects b ON p.json = '' AND p.variant IS NULL AND b.collection_id = p.base_collection AND b.object_id = p.object_id AND b.version_key = p.version_key ` +
        `ORDER BY p.date_added`;
    }
    const rows = this.cached(sql).raw(true).all(...allParams) as RecordRow[];
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

  /** Query shapes vary with the filters; each distinct shape is prepared once. */
  private cached(sql: string): Database.Statement {
    let statement = this.queryCache.get(sql);
    if (!statement) {
      if (this.queryCache.size >= 500) this.queryCache.clear();
      statement = this.db.prepare(sql);
      this.queryCache.set(sql, statement);
    }
    return statement;
  }

  async pendingVersions(limit: number): Promise<PendingVersion[]> {
    const rows = this.statements.pending.all(limit) as Array<Row & { collection_id: string; version_key: string; json: string }>;
    return rows.map((r) => ({
      collectionId: r.collection_id,
      id: r.object_id,
      type: r.type,
      version: r.version,
      versionKey: r.version_key,
      specVersion: r.spec_version,
      dateAdded: r.date_added,
      ...(r.provider !== null ? { provider: r.provider } : {}),
      json: r.json,
    }));
  }

  async settleVersions(collectionId: string, fromDateAdded: number, toDateAdded: number): Promise<void> {
    this.derived(() => this.statements.settle.run(collectionId, fromDateAdded, toDateAdded));
  }

  async addDeferred(items: DeferredDecision[]): Promise<void> {
    const insert = this.db.prepare(
      'INSERT INTO deferred (reader, base_collection, object_id, version_key, due_at, waiting_for) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.db.transaction(() => {
      for (const d of items) insert.run(d.reader, d.baseCollection, d.objectId, d.versionKey, d.dueAt ?? null, d.waitingFor ?? null);
    })();
  }

  async takeDueDeferred(now: number, limit: number): Promise<DeferredDecision[]> {
    return this.db.transaction(() => {
      const rows = this.db
        .prepare('SELECT * FROM deferred WHERE due_at IS NOT NULL AND due_at <= ? ORDER BY due_at, seq LIMIT ?')
        .all(now, limit) as DeferredRow[];
      this.deleteDeferredRows(rows);
      return rows.map(fromDeferredRow);
    }).immediate();
  }

  async takeWaitingFor(reader: string, objectIds: string[]): Promise<DeferredDecision[]> {
    if (objectIds.length === 0) return [];
    return this.db.transaction(() => {
      // INDEXED BY: with more than one id the planner, left alone, reads every row the
      // reader has waiting (measured: the soak's throughput fell as they piled up).
      const rows = this.cached(
        `SELECT * FROM deferred INDEXED BY deferred_waiting WHERE reader = ? AND waiting_for IN (${placeholders(objectIds.length)}) ORDER BY seq`,
      ).all(reader, ...objectIds) as DeferredRow[];
      this.deleteDeferredRows(rows);
      return rows.map(fromDeferredRow);
    }).immediate();
  }

  async takeDeferredForObjects(objectIds: string[]): Promise<DeferredDecision[]> {
    if (objectIds.length === 0) return [];
    const unique = [...new Set(objectIds)];
    return this.db.transaction(() => {
      const rows: DeferredRow[] = [];
      for (let i = 0; i < unique.length; i += ID_CHUNK) {
        const chunk = unique.slice(i, i + ID_CHUNK);
        rows.push(
          ...(this.cached(`SELECT * FROM deferred WHERE due_at IS NOT NULL AND object_id IN (${placeholders(chunk.length)}) ORDER BY seq`).all(
            ...chunk,
          ) as DeferredRow[]),
        );
      }
      rows.sort((a, b) => a.seq - b.seq);
      this.deleteDeferredRows(rows);
      return rows.map(fromDeferredRow);
    }).immediate();
  }

  async addReleases(provider: string, objectIds: string[]): Promise<void> {
    const insert = this.db.prepare('INSERT INTO releases (provider, object_id) VALUES (?, ?) ON CONFLICT (provider, object_id) DO NOTHING');
    this.db.transaction(() => {
      for (const id of objectIds) insert.run(provider, id);
    })();
  }

  async releasedAmong(provider: string, objectIds: string[]): Promise<Set<string>> {
    const out = new Set<string>();
    const unique = [...new Set(objectIds)];
    for (let i = 0; i < unique.length; i += ID_CHUNK) {
      const chunk = unique.slice(i, i + ID_CHUNK);
      const found = this.cached(`SELECT object_id FROM releases WHERE provider = ? AND object_id IN (${placeholders(chunk.length)})`)
        .pluck()
        .all(provider, ...chunk) as string[];
      for (const id of found) out.add(id);
    }
    return out;
  }

  async clearDeferred(reader: string): Promise<void> {
    this.db.prepare('DELETE FROM deferred WHERE reader = ?').run(reader);
  }

  private deleteDeferredRows(rows: DeferredRow[]): void {
    const del = this.db.prepare('DELETE FROM deferred WHERE seq = ?');
    for (const r of rows) del.run(r.seq);
  }

  async deleteDerivedIn(items: Array<{ partition: string; objectId: string; versionKeys: string[]; baseCollection: string }>): Promise<number> {
    const run = this.db.transaction(() => {
      let deleted = 0;
      for (const i of items) if (i.versionKeys.length > 0) deleted += this.deleteVersionsNow(i.partition, i.objectId, i.versionKeys, i.baseCollection);
      return deleted;
    });
    return run.immediate();
  }

  private deleteVersionsNow(collectionId: string, objectId: string, versionKeys: string[], baseCollection: string): number {
    const deleted = this.cached(
      `DELETE FROM objects WHERE collection_id = ? AND object_id = ? AND version_key IN (${placeholders(versionKeys.length)}) AND base_collection = ?`,
    ).run(collectionId, objectId, ...versionKeys, baseCollection).changes;
    if (deleted > 0) {
      const { lo, hi } = this.statements.bounds.get(collectionId, objectId) as { lo: string | null; hi: string | null };
      if (lo !== null) this.statements.refreshFlags.run({ lo, hi, c: collectionId, o: objectId });
    }
    return deleted;
  }

  async presentAmong(collectionId: string, objectIds: string[]): Promise<Set<string>> {
    const out = new Set<string>();
    const unique = [...new Set(objectIds)];
    for (let i = 0; i < unique.length; i += ID_CHUNK) {
      const chunk = unique.slice(i, i + ID_CHUNK);
      const found = this.cached(`SELECT DISTINCT object_id FROM objects WHERE collection_id = ? AND object_id IN (${placeholders(chunk.length)})`)
        .pluck()
        .all(collectionId, ...chunk) as string[];
      for (const id of found) out.add(id);
    }
    return out;
  }

  async hasObject(collectionId: string, objectId: string): Promise<boolean> {
    return this.statements.hasObject.get(collectionId, objectId) !== undefined;
  }

  async deleteObject(
    collectionId: string,
    objectId: string,
    versions: VersionSelector,
    specVersions?: string[],
  ): Promise<number> {
    const run = this.db.transaction(() => {
      const where = ['collection_id = ?', 'object_id = ?'];
      const params: SqlParam[] = [collectionId, objectId];
      addVersionClause(versions, where, params);
      addSpecVersionClause(specVersions, where, params);
      const deleted = this.cached(`DELETE FROM objects WHERE ${where.join(' AND ')}`).run(...params).changes;
      if (deleted > 0) {
        const { lo, hi } = this.statements.bounds.get(collectionId, objectId) as { lo: string | null; hi: string | null };
        if (lo !== null) this.statements.refreshFlags.run({ lo, hi, c: collectionId, o: objectId });
      }
      return deleted;
    });
    return run.immediate();
  }

  async saveStatus(status: StoredStatus): Promise<void> {
    this.statements.saveStatus.run(status.id, status.apiRoot, status.owner, status.createdAt, JSON.stringify(status.resource));
  }

  async getStatus(apiRoot: string, statusId: string): Promise<StoredStatus | undefined> {
    const row = this.statements.getStatus.get(apiRoot, statusId) as
      | { id: string; api_root: string; owner: string; created_at: number; resource: string }
      | undefined;
    if (!row) return undefined;
    return {
      id: row.id,
      apiRoot: row.api_root,
      owner: row.owner,
      createdAt: row.created_at,
      resource: JSON.parse(row.resource) as Record<string, unknown>,
    };
  }

  async purgeStatuses(createdBefore: number): Promise<number> {
    return this.statements.purgeStatuses.run(createdBefore).changes;
  }

  async getOrCreateSetting(key: string, make: () => string): Promise<string> {
    const existing = this.statements.getSetting.get(key) as string | undefined;
    if (existing !== undefined) return existing;
    this.statements.insertSetting.run(key, make());
    // Re-read: another process may have won the race; everyone uses the stored value.
    return this.statements.getSetting.get(key) as string;
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

type DeferredRow = {
  seq: number;
  reader: string;
  base_collection: string;
  object_id: string;
  version_key: string;
  due_at: number | null;
  waiting_for: string | null;
};

function fromDeferredRow(r: DeferredRow): DeferredDecision {
  return {
    reader: r.reader,
    baseCollection: r.base_collection,
    objectId: r.object_id,
    versionKey: r.version_key,
    ...(r.due_at !== null ? { dueAt: r.due_at } : {}),
    ...(r.waiting_for !== null ? { waitingFor: r.waiting_for } : {}),
  };
}

/** Columns added after the first release, for data files made before them. */
function migrate(db: Database.Database): void {
  const columns = new Set((db.prepare('PRAGMA table_info(objects)').all() as Array<{ name: string }>).map((c) => c.name));
  if (!columns.has('provider')) db.exec('ALTER TABLE objects ADD COLUMN provider TEXT');
  if (!columns.has('base_collection')) db.exec('ALTER TABLE objects ADD COLUMN base_collection TEXT');
  if (!columns.has('base_object_id')) db.exec('ALTER TABLE objects ADD COLUMN base_object_id TEXT');
  if (!columns.has('variant')) db.exec('ALTER TABLE objects ADD COLUMN variant INTEGER');
  if (!columns.has('pending')) db.exec('ALTER TABLE objects ADD COLUMN pending INTEGER NOT NULL DEFAULT 0');
  db.exec(DERIVED_INDEXES_SQL);
  // Superseded: the distributor names the views to delete from (a fifth index on every view row cost a quarter of fan-out).
  db.exec('DROP INDEX IF EXISTS objects_derived; DROP INDEX IF EXISTS objects_derived_renamed;');
  db.exec(DEFERRED_SQL);
  db.exec(RELEASES_SQL);
  db.exec(VARIANTS_SQL);
}

/** Ids per `IN (…)` list, well under SQLite's bound-parameter limit. */
const ID_CHUNK = 500;

function placeholders(n: number): string {
  return new Array(n).fill('?').join(', ');
}

function addVersionClause(versions: VersionSelector, where: string[], params: SqlParam[]): void {
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

function addSpecVersionClause(specVersions: string[] | undefined, where: string[], params: SqlParam[]): void {
  if (!specVersions) return;
  where.push(`spec_version IN (${placeholders(specVersions.length)})`);
  params.push(...specVersions);
}
