// The embedded store: one SQLite file (better-sqlite3), so that `npm start` serves with
// no database to install. Each concern is a part over the one connection (see
// sqlite-connection.ts for its durability); the parts share the cache of prepared
// statement shapes.
import type Database from 'better-sqlite3';
import { StoreOfParts, type StoreParts } from '../store-of-parts';
import { SqliteAuditLog } from './sqlite-audit';
import { openSqlite } from './sqlite-connection';
import { SqliteDirectory } from './sqlite-directory';
import { SqliteDistributionLedger } from './sqlite-distribution';
import { SqliteObjects } from './sqlite-objects';
import { SqliteSettings } from './sqlite-settings';
import { StatementCache } from './sqlite-sql-shapes';
import { SqliteStatuses } from './sqlite-statuses';
import { WalCheckpointer } from './wal-checkpointer';

export class SqliteStore extends StoreOfParts {
  private readonly db: Database.Database;
  protected readonly parts: StoreParts;
  private readonly checkpointer: WalCheckpointer | undefined;

  /** `file` is a path, or ':memory:' for tests. */
  constructor(file: string) {
    super();
    this.db = openSqlite(file);
    if (file !== ':memory:') this.checkpointer = new WalCheckpointer(this.db, file);
    const shapes = new StatementCache(this.db);
    const auditLog = new SqliteAuditLog(this.db);
    const directory = new SqliteDirectory(this.db, auditLog);
    const objects = new SqliteObjects(this.db, shapes, directory);
    this.parts = {
      objects,
      directory,
      auditLog,
      distribution: new SqliteDistributionLedger(this.db, shapes, objects),
      statuses: new SqliteStatuses(this.db),
      settings: new SqliteSettings(this.db),
    };
  }

  // --- lifecycle ---

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    await this.checkpointer?.close();
    if (this.db.open) this.db.close();
  }
}
