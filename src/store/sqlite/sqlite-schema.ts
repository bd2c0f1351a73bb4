// Tables and indexes of the embedded store. Each index names the query it serves.
import type Database from 'better-sqlite3';
export const SCHEMA_SQL = `
-- partition names (a base collection id, or a reader's view or feed), each an integer that
-- every row and index entry of the partition carries instead of the name: names like
-- view:<member>:<collection> were a third of each index entry
CREATE TABLE IF NOT EXISTS partitions (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS objects (
  seq          INTEGER PRIMARY KEY,
  part         INTEGER NOT NULL,   -- partitions.id
  object_id    TEXT NOT NULL,
  type         TEXT NOT NULL,
  version      TEXT NOT NULL,      -- exactly as the object states it
  version_key  TEXT NOT NULL,      -- fixed-width, sortable (vocabulary/time.ts versionKey)
  spec_version TEXT NOT NULL,
  date_added   INTEGER NOT NULL,   -- microseconds since the epoch
  is_first     INTEGER NOT NULL,   -- precomputed for match[version]=first
  is_last      INTEGER NOT NULL,   -- precomputed for match[version]=last (the default)
  json         TEXT NOT NULL,      -- '' in a derived row that serves its base row's JSON unchanged
  provider     TEXT,               -- the member that published it (base rows)
  base_part    INTEGER,            -- derived (per-reader) rows: partitions.id of the base row's collection
  base_seq     INTEGER,            -- derived rows serving the base JSON: the base row's seq, if it was there
  base_object_id TEXT,             -- derived rows served under another id (a pseudonym identity): the base id
  variant      INTEGER,            -- derived rows serving a transformed form: variants.id (json is then '')
  pending      INTEGER NOT NULL DEFAULT 0  -- base rows not yet distributed to readers' views
);

-- last date_added handed out per collection, so it stays increasing across restarts
CREATE TABLE IF NOT EXISTS collection_clock (
  collection_id TEXT PRIMARY KEY,
  last_added    INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS statuses (
  id         TEXT PRIMARY KEY,
  api_root   TEXT NOT NULL,
  owner      TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  resource   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS statuses_by_created ON statuses (created_at);

CREATE TABLE IF NOT EXISTS settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`;

export const OBJECT_INDEXES_SQL = `
-- keyset paging, match[version]=all; also makes date_added unique per partition
CREATE UNIQUE INDEX IF NOT EXISTS objects_by_added ON objects (part, date_added);
-- the default query (latest versions), paged
CREATE INDEX IF NOT EXISTS objects_last_by_added ON objects (part, is_last, date_added);
-- match[type], one range per type
CREATE INDEX IF NOT EXISTS objects_type_by_added ON objects (part, type, date_added);
-- match[id], object/versions endpoints, duplicate detection, a derived row's base row.
-- object_id first: the rows of one object in every partition (its base row, each reader's
-- view and feed rows) share a leaf, so a publish dirties one leaf per object, not three.
CREATE UNIQUE INDEX IF NOT EXISTS objects_by_version ON objects (object_id, part, version_key);
`;

export const DIRECTORY_SQL = `
-- the directory (API roots, collections, members, groups, credentials, ACL entries):
-- small, read whole by every server at start and after each change
CREATE TABLE IF NOT EXISTS directory (
  kind TEXT NOT NULL,
  key  TEXT NOT NULL,
  json TEXT NOT NULL,
  PRIMARY KEY (kind, key)
);
`;

export const AUDIT_SQL = `
-- the audit log, appended to and paged by seq
CREATE TABLE IF NOT EXISTS audit (
  seq           INTEGER PRIMARY KEY,
  at            INTEGER NOT NULL,   -- milliseconds since the epoch
  kind          TEXT NOT NULL,
  action        TEXT NOT NULL,
  member_id     TEXT,
  collection_id TEXT,
  json          TEXT NOT NULL
);
-- GET /admin/v1/audit?member=…, ?collection=…, ?kind=…, each paged by seq
CREATE INDEX IF NOT EXISTS audit_by_member ON audit (member_id, seq);
CREATE INDEX IF NOT EXISTS audit_by_collection ON audit (collection_id, seq);
CREATE INDEX IF NOT EXISTS audit_by_kind ON audit (kind, seq);
-- ?since=…&until=…
CREATE INDEX IF NOT EXISTS audit_by_at ON audit (at);
`;

export const DERIVED_INDEXES_SQL = `
-- base rows whose distribution did not finish (recovered at start)
CREATE INDEX IF NOT EXISTS objects_pending ON objects (seq) WHERE pending = 1;
`;

export const DEFERRED_SQL = `
-- distribution decisions put off: embargoes (due_at) and relationship closure (waiting_for)
CREATE TABLE IF NOT EXISTS deferred (
  seq             INTEGER PRIMARY KEY,
  reader          TEXT NOT NULL,
  base_collection TEXT NOT NULL,
  object_id       TEXT NOT NULL,
  version_key     TEXT NOT NULL,
  due_at          INTEGER,
  waiting_for     TEXT
);
CREATE INDEX IF NOT EXISTS deferred_due ON deferred (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS deferred_waiting ON deferred (reader, waiting_for) WHERE waiting_for IS NOT NULL;
CREATE INDEX IF NOT EXISTS deferred_reader ON deferred (reader);
`;

export const CLASS_BUILDS_SQL = `
-- background jobs building audience classes' views (src/sharing/class-builds.ts)
CREATE TABLE IF NOT EXISTS class_builds (
  class_id      TEXT PRIMARY KEY,
  json          TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  claimed_by    TEXT,
  claimed_until INTEGER
);
`;

export const RELEASES_SQL = `
-- objects a provider released (MOU provide.embargo_until_released): others may see them
CREATE TABLE IF NOT EXISTS releases (
  provider  TEXT NOT NULL,
  object_id TEXT NOT NULL,
  PRIMARY KEY (provider, object_id)
) WITHOUT ROWID;
-- deferred decisions of any reader for one object (releases)
CREATE INDEX IF NOT EXISTS deferred_object ON deferred (object_id) WHERE due_at IS NOT NULL;
`;

export const VARIANTS_SQL = `
-- transformed forms of objects (pseudonymised, stripped, redacted), stored once however many
-- readers' rows serve them; a derived row names its form in objects.variant
CREATE TABLE IF NOT EXISTS variants (
  id   INTEGER PRIMARY KEY,
  hash TEXT NOT NULL UNIQUE,        -- SHA-256 of json
  json TEXT NOT NULL
);
`;

/** Brings a data file made by an earlier release to the current layout, then makes sure of the indexes. */
export function migrate(db: Database.Database): void {
  // IMMEDIATE: two processes opening the same old file must not both rebuild it.
  db.transaction(() => {
    const columns = new Set((db.prepare('PRAGMA table_info(objects)').all() as Array<{ name: string }>).map((c) => c.name));
    if (columns.has('collection_id')) rebuildWithPartitionIds(db, columns);
  }).immediate();
  db.exec(OBJECT_INDEXES_SQL);
  db.exec(DERIVED_INDEXES_SQL);
  db.exec(DEFERRED_SQL);
  db.exec(RELEASES_SQL);
  db.exec(CLASS_BUILDS_SQL);
  db.exec(VARIANTS_SQL);
}

/**
 * Files made before partitions were interned name theirs in every row (collection_id,
 * base_collection TEXT): copies the rows into the current layout, in seq order (so
 * date_added and paging are unchanged), and points each derived row at its base row.
 */
function rebuildWithPartitionIds(db: Database.Database, columns: Set<string>): void {
  // Columns added after the first release, for data files made before them.
  if (!columns.has('provider')) db.exec('ALTER TABLE objects ADD COLUMN provider TEXT');
  if (!columns.has('base_collection')) db.exec('ALTER TABLE objects ADD COLUMN base_collection TEXT');
  if (!columns.has('base_object_id')) db.exec('ALTER TABLE objects ADD COLUMN base_object_id TEXT');
  if (!columns.has('variant')) db.exec('ALTER TABLE objects ADD COLUMN variant INTEGER');
  if (!columns.has('pending')) db.exec('ALTER TABLE objects ADD COLUMN pending INTEGER NOT NULL DEFAULT 0');
  db.exec(`
    INSERT OR IGNORE INTO partitions (name)
      SELECT collection_id FROM objects UNION SELECT base_collection FROM objects WHERE base_collection IS NOT NULL;
    ALTER TABLE objects RENAME TO objects_before_partitions;
  `);
  db.exec(SCHEMA_SQL);
  db.exec(`
    INSERT INTO objects (seq, part, object_id, type, version, version_key, spec_version, date_added, is_first, is_last, json,
                         provider, base_part, base_object_id, variant, pending)
      SELECT o.seq, p.id, o.object_id, o.type, o.version, o.version_key, o.spec_version, o.date_added, o.is_first, o.is_last, o.json,
             o.provider, bp.id, o.base_object_id, o.variant, o.pending
      FROM objects_before_partitions o
      JOIN partitions p ON p.name = o.collection_id
      LEFT JOIN partitions bp ON bp.name = o.base_collection
      ORDER BY o.seq;
    DROP TABLE objects_before_partitions;
  `);
  db.exec(OBJECT_INDEXES_SQL);
  db.exec(`
    UPDATE objects SET base_seq = (
      SELECT b.seq FROM objects b WHERE b.object_id = objects.object_id AND b.part = objects.base_part AND b.version_key = objects.version_key
    ) WHERE base_part IS NOT NULL AND json = '' AND variant IS NULL;
  `);
}
