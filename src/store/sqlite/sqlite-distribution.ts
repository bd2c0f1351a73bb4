// Distribution bookkeeping in the embedded store: the pending flag on base rows, the
// deferred decisions, the providers' releases, and deleting readers' rows.
import type Database from 'better-sqlite3';
import type { ClassBuild, DeferredDecision, DerivedVersions, DistributionLedger, PendingVersion } from '../distribution-ledger';
import { withoutOwnFsync } from './sqlite-connection';
import type { SqliteObjects } from './sqlite-objects';
import { ID_CHUNK, placeholders, type StatementCache } from './sqlite-sql-shapes';

type PendingRow = {
  collection_id: string;
  object_id: string;
  type: string;
  version: string;
  version_key: string;
  spec_version: string;
  date_added: number;
  provider: string | null;
  json: string;
};

type DeferredRow = {
  seq: number;
  reader: string;
  base_collection: string;
  object_id: string;
  version_key: string;
  due_at: number | null;
  waiting_for: string | null;
};

export class SqliteDistributionLedger implements DistributionLedger {
  private readonly statements;

  constructor(
    private readonly db: Database.Database,
    private readonly shapes: StatementCache,
    private readonly objects: SqliteObjects,
  ) {
    this.statements = {
      pending: db.prepare(
        'SELECT p.name AS collection_id, o.object_id, o.type, o.version, o.version_key, o.spec_version, o.date_added, o.provider, o.json ' +
          'FROM objects o INDEXED BY objects_pending JOIN partitions p ON p.id = o.part WHERE o.pending = 1 ORDER BY o.seq LIMIT ?',
      ),
      settle: db.prepare('UPDATE objects SET pending = 0 WHERE part = ? AND date_added BETWEEN ? AND ? AND pending = 1'),
      putBuild: db.prepare(
        'INSERT INTO class_builds (class_id, json, created_at) VALUES (?, ?, ?) ON CONFLICT (class_id) DO UPDATE SET json = excluded.json',
      ),
      builds: db.prepare('SELECT json FROM class_builds ORDER BY created_at, class_id').pluck(),
      claimBuild: db.prepare(
        'UPDATE class_builds SET claimed_by = ?, claimed_until = ? WHERE class_id = ? AND (claimed_by IS NULL OR claimed_by = ? OR claimed_until < ?)',
      ),
      finishBuild: db.prepare('DELETE FROM class_builds WHERE class_id = ?'),
    };
  }

  async putClassBuilds(builds: ClassBuild[]): Promise<void> {
    const put = this.db.transaction(() => {
      for (const b of builds) this.statements.putBuild.run(b.classId, JSON.stringify(b), b.createdAt);
    });
    put.immediate();
  }

  async classBuilds(): Promise<ClassBuild[]> {
    return (this.statements.builds.all() as string[]).map((json) => JSON.parse(json) as ClassBuild);
  }

  async claimClassBuild(classId: string, owner: string, until: number, now: number): Promise<boolean> {
    return this.statements.claimBuild.run(owner, until, classId, owner, now).changes === 1;
  }

  async finishClassBuild(classId: string): Promise<void> {
    this.statements.finishBuild.run(classId);
  }

  async pendingVersions(limit: number): Promise<PendingVersion[]> {
    const rows = this.statements.pending.all(limit) as PendingRow[];
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
    const part = this.objects.partId(collectionId);
    if (part !== undefined) withoutOwnFsync(this.db, () => this.statements.settle.run(part, fromDateAdded, toDateAdded));
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
    const unique = [...new Set(objectIds)];
    return this.db.transaction(() => {
      const rows: DeferredRow[] = [];
      // In chunks: SQLite takes at most 32,766 variables a statement, and an envelope may
      // hold more objects than that.
      for (let i = 0; i < unique.length; i += ID_CHUNK) {
        const chunk = unique.slice(i, i + ID_CHUNK);
        // INDEXED BY: with more than one id the planner, left alone, reads every row the
        // reader has waiting (measured: the soak's throughput fell as they piled up).
        rows.push(
          ...(this.shapes
            .prepared(`SELECT * FROM deferred INDEXED BY deferred_waiting WHERE reader = ? AND waiting_for IN (${placeholders(chunk.length)}) ORDER BY seq`)
            .all(reader, ...chunk) as DeferredRow[]),
        );
      }
      rows.sort((a, b) => a.seq - b.seq);
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
          ...(this.shapes
            .prepared(`SELECT * FROM deferred WHERE due_at IS NOT NULL AND object_id IN (${placeholders(chunk.length)}) ORDER BY seq`)
            .all(...chunk) as DeferredRow[]),
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
      const found = this.shapes
        .prepared(`SELECT object_id FROM releases WHERE provider = ? AND object_id IN (${placeholders(chunk.length)})`)
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

  async deleteDerivedIn(items: DerivedVersions[]): Promise<number> {
    const run = this.db.transaction(() => {
      let deleted = 0;
      for (const i of items) if (i.versionKeys.length > 0) deleted += this.objects.deleteDerivedInTransaction(i);
      return deleted;
    });
    return run.immediate();
  }
}

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
