// The production store: MongoDB through the official driver, so that several stateless
// Concord processes can serve one replica set (docs/scaling.md). Each concern is a part
// over the one database; the parts that hand out date_added or seq share the write lease
// (write-lease.ts), each holding the keys of what it writes.
//
// It passes the same contract suite as the embedded store (test/store/store-contract.ts)
// and is tested against a real wire-protocol server, FerretDB v1 with its SQLite backend.
// FerretDB v1 lacks multi-document transactions, TTL and partial indexes, $lookup and
// pipeline updates; nothing here needs them (each place says how it does without), so
// the same code runs on MongoDB 6, 7 and 8.
//
// Durability: writes use write concern `majority` with journaling unless the URI says
// otherwise, and reads go to the primary, so a 202 whose status reports success means the
// objects are durable and every process reads them.
import { MongoClient, type Db } from 'mongodb';
import { StoreOfParts, type StoreParts } from '../store-of-parts';
import { MongoAuditLog } from './mongo-audit';
import { MongoDirectory } from './mongo-directory';
import { MongoDistributionLedger } from './mongo-distribution';
import { AUDIT, META, SETTINGS, STATUSES, ensureIndexes } from './mongo-indexes';
import { MongoObjects } from './mongo-objects';
import { MongoSettings } from './mongo-settings';
import { MongoStatuses } from './mongo-statuses';
import { AUDIT_SEQ, DEFERRED_SEQ, WriteLease } from './write-lease';

export interface MongoStoreOptions {
  /** Statuses older than this expire (a TTL index where the server has them). */
  statusRetentionSeconds?: number;
  /** Write-lease validity without renewal (ms), see write-lease.ts. */
  leaseTtlMs?: number;
}

export class MongoStore extends StoreOfParts {
  private readonly lease: WriteLease;
  private readonly objects: MongoObjects;
  private readonly directory: MongoDirectory;
  private readonly auditLog: MongoAuditLog;
  private readonly distribution: MongoDistributionLedger;
  private readonly statuses: MongoStatuses;
  private readonly settings: MongoSettings;
  protected readonly parts: StoreParts;
  /** Whether the server built the statuses TTL index (otherwise only purgeStatuses expires them). */
  ttlIndex = false;
  /** Writes wait for the write lease, which another process (or a dead one, until it expires) may hold. */
  readonly writesMayWait = true;

  private constructor(
    private readonly client: MongoClient,
    readonly db: Db,
    options: MongoStoreOptions,
  ) {
    super();
    this.lease = new WriteLease(db.collection(META), {
      ...(options.leaseTtlMs !== undefined ? { ttlMs: options.leaseTtlMs } : {}),
      counters: {
        // The outbox holds entries numbered but not yet copied to the log (mongo-directory.ts).
        [AUDIT_SEQ]: async () => Math.max(await this.auditLog.highestSeq(), await this.directory.highestOutboxSeq()),
        [DEFERRED_SEQ]: () => this.distribution.highestSeq(),
      },
    });
    this.auditLog = new MongoAuditLog(db.collection(AUDIT), this.lease);
    this.directory = new MongoDirectory(db.collection(META), this.auditLog, this.lease);
    this.objects = new MongoObjects(db, this.lease, this.directory);
    this.distribution = new MongoDistributionLedger(db, this.lease, this.objects);
    this.statuses = new MongoStatuses(db.collection(STATUSES));
    this.settings = new MongoSettings(db.collection(SETTINGS));
    this.parts = {
      objects: this.objects,
      directory: this.directory,
      auditLog: this.auditLog,
      distribution: this.distribution,
      statuses: this.statuses,
      settings: this.settings,
    };
  }

  /** Connects, checks the server answers, and creates the indexes (idempotent). */
  static async open(uri: string, database: string, options: MongoStoreOptions = {}): Promise<MongoStore> {
    const client = new MongoClient(uri, {
      // Unless the URI chooses: acknowledged by a majority and journaled (a 202 means durable),
      // and read from the primary (keyset paging must see every acknowledged write).
      ...(/[?&]w=/.test(uri) ? {} : { writeConcern: { w: 'majority', journal: true } }),
      ...(/[?&]readPreference=/.test(uri) ? {} : { readPreference: 'primary' }),
      serverSelectionTimeoutMS: 10_000,
      appName: 'concord',
    });
    await client.connect();
    const store = new MongoStore(client, client.db(database), options);
    try {
      await store.ping();
      store.ttlIndex = await ensureIndexes(store.db, options.statusRetentionSeconds ?? 7 * 24 * 3600);
    } catch (e) {
      await client.close();
      throw e;
    }
    return store;
  }

  /** Writes run here and the time they spent taking their leases (bench/lease.ts). */
  leaseStats(): { writes: number; takingMs: number } {
    return { ...this.lease.stats };
  }

  // --- lifecycle ---

  async ping(): Promise<void> {
    await this.db.command({ ping: 1 });
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /** Removes the whole database (tests). */
  async dropDatabase(): Promise<void> {
    await this.db.dropDatabase();
  }
}
