// Leases on what a write changes, across every Concord process over the database.
//
// Why leases and not transactions: keyset paging (TAXII 2.1 §3.4 `next`, and clients that
// resume from X-TAXII-Date-Added-Last) is only exact if no object ever becomes visible in a
// partition with a date_added below one a reader of that partition has already passed.
// With several writers of one partition, a writer that took its date_added first could
// commit last. Multi-document transactions would not fix that either (commit order is not
// timestamp order), and FerretDB v1 has none. So a write holds the lease of every
// partition it writes while it reads and advances their clocks and writes its rows.
//
// What a lease covers is a key:
//   - partitionKey(p): a collection's own partition and its audience classes' views of it
//     (`view:<class>:<collection>`) share the collection's key; a class's feed
//     (`view:<class>:feed`), fed by every collection, has its own. Writes to different
//     collections hold different keys and run at once, in one process or several.
//   - AUDIT_SEQ, DEFERRED_SEQ: the numbering of audit entries and of deferred decisions;
//     the holder hands out seq numbers (seq order is commit order).
//   - DIRECTORY: a directory change holds it alone; a write of readers' rows decided under
//     one directory revision holds it shared (`directoryStable`), so the revision cannot
//     move between its check and its write, while such writes run at once with each other.
//
// Each key is a document `{_id: 'lock:<key>', owner, until}` that exists only while held:
// taking it is an insert, which the unique _id makes atomic on every server. (A
// conditional findAndModify would be shorter, but FerretDB v1 does not run it atomically
// across connections: two processes both "won" it in the multi-instance test.) A write
// takes its keys in one fixed order (DIRECTORY first, then the others sorted), so two
// writers never each hold a key the other waits for; uncontended, all of them are one
// ordered insertMany, which stops at the first key held elsewhere. A shared hold is a
// document of its own (`shared: 'directory'`): a shared holder inserts it (with its other
// keys), then looks for the exclusive lock and, finding it, leaves everything and retries;
// the exclusive holder inserts its lock, then waits until no shared document is left.
// Each looks after writing its own, so at least one of two that race sees the other.
//
// Locks are renewed while the write runs and deleted on release. A lock left behind past
// its expiry means its holder died: the next writer deletes it and takes over.
//
// date_added comes from per-partition clocks (mongo-objects.ts), advanced before the
// objects are written, so a holder that dies mid-write leaves a clock ahead of the data,
// never behind it. A seq counter is in `{_id: 'state:<key>', seq, dirty}`, written on
// release; after a takeover, or a write that failed part-way (`dirty`), the next holder
// re-reads the highest seq actually stored.
import crypto from 'node:crypto';
import type { Collection, Document } from 'mongodb';

/** The audit log's seq (audit entries, and the outbox of a directory change). */
export const AUDIT_SEQ = 'audit';
/** The deferred decisions' seq (decisions are taken oldest first). */
export const DEFERRED_SEQ = 'deferred';
/** Changes of the directory (exclusive); writes decided under a revision hold it shared. */
export const DIRECTORY = 'directory';

/** The lease key of a partition: a collection and its classes' views share one; a feed has its own. */
export function partitionKey(partition: string): string {
  if (partition.startsWith('view:') && !partition.endsWith(':feed')) return `objects:${partition.slice(partition.lastIndexOf(':') + 1)}`;
  return `objects:${partition}`;
}

/** The lock document of a key (tests stage a crashed holder with it). */
export function lockId(key: string): string {
  return `lock:${key}`;
}

function stateId(key: string): string {
  return `state:${key}`;
}

interface LockDocument {
  _id: string;
  owner: string;
  /** Milliseconds since the epoch after which others may take the lease. */
  until: number;
  /** A shared hold of this key (DIRECTORY), one document per holder. */
  shared?: string;
}

interface StateDocument {
  _id: string;
  /** The last seq handed out. */
  seq: number;
  /** The last holder's write failed part-way: the seq must be re-read from the data. */
  dirty?: boolean;
}

/** What a lease holder hands out: seq numbers of the counter it holds (AUDIT_SEQ or DEFERRED_SEQ). */
export interface LeaseHolder {
  /** The last seq handed out so far. */
  seq: number;
}

/** What a write holds. */
export interface LeaseScope {
  /** Held alone: partitionKey() of each partition written, a seq counter, DIRECTORY to change it. */
  keys: string[];
  /** The directory revision must not move while held: DIRECTORY shared with other such writes. */
  directoryStable?: boolean;
}

export interface WriteLeaseOptions {
  /** How long a lease is valid without renewal (ms); a crashed holder blocks writers this long. */
  ttlMs?: number;
  /** How long to keep trying before a write fails (ms). */
  waitMs?: number;
  /** Per seq counter: after a takeover from a holder that did not release, the highest seq stored. */
  counters: Record<string, () => Promise<number>>;
}

export class WriteLeaseTimeout extends Error {
  constructor(waitedMs: number, key: string) {
    super(`another Concord process has held the write lease '${key}' for ${waitedMs} ms`);
    this.name = 'WriteLeaseTimeout';
  }
}

/** DIRECTORY first (a shared holder backs off holding nothing else), then the others sorted. */
function leaseOrder(a: string, b: string): number {
  if (a === b) return 0;
  if (a === DIRECTORY) return -1;
  if (b === DIRECTORY) return 1;
  return a < b ? -1 : 1;
}

export class WriteLease {
  private readonly owner = `${process.pid}-${crypto.randomBytes(6).toString('hex')}`;
  private readonly ttlMs: number;
  private readonly waitMs: number;
  /** In-process queues, one per key: one holder of a key per process, so the database sees one request from us. */
  private readonly tails = new Map<string, Promise<void>>();
  private sharedHolds = 0;
  /** Writes run, and the time they spent taking their keys (this process's queues and the locks). */
  readonly stats = { writes: 0, takingMs: 0 };

  constructor(
    private readonly meta: Collection<Document>,
    private readonly options: WriteLeaseOptions,
  ) {
    this.ttlMs = options.ttlMs ?? 30_000;
    this.waitMs = options.waitMs ?? 60_000;
  }

  /** Runs `write` holding the scope's keys; the seq it advanced is stored on release. */
  async run<T>(scope: LeaseScope, write: (holder: LeaseHolder) => Promise<T>): Promise<T> {
    const keys = [...new Set(scope.keys)].sort(leaseOrder);
    const counters = keys.filter((k) => this.options.counters[k] !== undefined);
    if (counters.length > 1) throw new Error(`one seq counter per write, not ${counters.join(', ')}`);
    const counter = counters[0];
    const shared = scope.directoryStable === true && !keys.includes(DIRECTORY);
    // This process's queues first, all of them, in the same order; then the database's.
    const local: Array<() => void> = [];
    const called = performance.now();
    try {
      for (const k of keys) local.push(await this.queue(k));
      const held: string[] = [];
      // Renewed from the first lock on: a write may wait for a later key longer than the TTL.
      const renew = setInterval(() => {
        if (held.length === 0) return;
        void this.meta
          .updateMany({ _id: { $in: held }, owner: this.owner } as Document, { $set: { until: Date.now() + this.ttlMs } })
          .catch(() => undefined);
      }, Math.max(1_000, Math.floor(this.ttlMs / 3)));
      renew.unref();
      try {
        await this.acquire(keys, shared, held);
        this.stats.writes++;
        this.stats.takingMs += performance.now() - called;
        return await this.holding(counter, write);
      } finally {
        clearInterval(renew);
        if (held.length > 0) await this.meta.deleteMany({ _id: { $in: held }, owner: this.owner } as Document).catch(() => undefined);
      }
    } finally {
      for (const release of local.reverse()) release();
    }
  }

  private async holding<T>(counter: string | undefined, write: (holder: LeaseHolder) => Promise<T>): Promise<T> {
    const holder = counter === undefined ? { seq: 0 } : await this.readCounter(counter);
    let ok = false;
    try {
      const value = await write(holder);
      ok = true;
      return value;
    } finally {
      // The state before the locks (run() deletes them): whoever takes the lock next reads
      // this state. A failed write may have stored part of its batch: mark the state
      // dirty, so that the next holder (this process included) re-reads the seq.
      if (counter !== undefined) {
        await this.meta.updateOne({ _id: stateId(counter) } as Document, { $set: { seq: holder.seq, dirty: !ok } }, { upsert: true });
      }
    }
  }

  /** Waits for this process's earlier holder of `key`; resolves to the release of our turn. */
  private async queue(key: string): Promise<() => void> {
    const before = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = before.then(() => mine);
    this.tails.set(key, tail);
    await before;
    return () => {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }

  /** Takes the keys in order (pushing each lock taken on `held`, for run() to delete); throws after waitMs. */
  private async acquire(keys: string[], shared: boolean, held: string[]): Promise<void> {
    const started = Date.now();
    if (keys[0] === DIRECTORY) {
      await this.takeFrom([DIRECTORY], started, held);
      await this.drainShared(started);
      await this.takeFrom(keys.slice(1), started, held);
    } else if (shared) {
      const taken = await this.holdShared(keys, started, held);
      await this.takeFrom(keys.slice(taken), started, held);
    } else {
      await this.takeFrom(keys, started, held);
    }
  }

  /** Inserts the locks of `keys` in order; waits at the first one held elsewhere, holding those before it. */
  private async takeFrom(keys: string[], started: number, held: string[]): Promise<void> {
    let i = 0;
    for (let attempt = 0; i < keys.length; attempt++) {
      const docs = keys.slice(i).map((k): LockDocument => ({ _id: lockId(k), owner: this.owner, until: Date.now() + this.ttlMs }));
      const taken = await this.insertOrdered(docs);
      held.push(...docs.slice(0, taken).map((d) => d._id));
      i += taken;
      if (i === keys.length) return;
      const key = keys[i] as string;
      // Held. Expired: its holder died (or stalled past the lease); remove exactly that lock and retry.
      const lock = (await this.meta.findOne({ _id: lockId(key) } as Document)) as LockDocument | null;
      if (lock && lock.until < Date.now()) {
        // Its seq was never written back: mark the state dirty first, so that whichever
        // process takes the lock next re-reads the seq from the data.
        if (this.options.counters[key] !== undefined) {
          await this.meta.updateOne({ _id: stateId(key) } as Document, { $set: { dirty: true } }, { upsert: true });
        }
        await this.meta.deleteOne({ _id: lock._id, owner: lock.owner, until: lock.until } as Document);
        continue;
      }
      await this.pause(started, attempt, key);
    }
  }

  /** How many of `docs` an ordered insert stored: all, or those before the first already held. */
  private async insertOrdered(docs: LockDocument[]): Promise<number> {
    try {
      await this.meta.insertMany(docs as unknown as Document[], { ordered: true });
      return docs.length;
    } catch (e) {
      const errors = (e as { writeErrors?: Array<{ code: number; index: number }> | { code: number; index: number } }).writeErrors;
      const first = Array.isArray(errors) ? errors[0] : errors;
      if ((e as { code?: number }).code !== 11000 && first?.code !== 11000) throw e;
      return first?.index ?? 0;
    }
  }

  /**
   * A shared hold of DIRECTORY: our own document, kept only while no exclusive lock exists.
   * It goes in one ordered insert with the locks of `keys` (one round trip uncontended);
   * returns how many of those were taken. Finding the exclusive lock, it leaves all of them
   * and retries, so that it never waits for a directory change holding anything.
   */
  private async holdShared(keys: string[], started: number, held: string[]): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const until = Date.now() + this.ttlMs;
      const hold: LockDocument = { _id: `${lockId(DIRECTORY)}:shared:${this.owner}:${++this.sharedHolds}`, owner: this.owner, until, shared: DIRECTORY };
      const docs = [hold, ...keys.map((k): LockDocument => ({ _id: lockId(k), owner: this.owner, until }))];
      const inserted = await this.insertOrdered(docs);
      held.push(...docs.slice(0, inserted).map((d) => d._id));
      if (inserted === 0) throw new Error(`shared hold ${hold._id} already exists`);
      const lock = (await this.meta.findOne({ _id: lockId(DIRECTORY) } as Document)) as LockDocument | null;
      if (!lock) return inserted - 1;
      // A directory change holds it, or waits for shared holders to leave: leave, then retry.
      await this.meta.deleteMany({ _id: { $in: held }, owner: this.owner } as Document);
      held.length = 0;
      if (lock.until < Date.now()) {
        await this.meta.deleteOne({ _id: lock._id, owner: lock.owner, until: lock.until } as Document);
        continue;
      }
      await this.pause(started, attempt, DIRECTORY);
    }
  }

  /** Holding DIRECTORY alone: waits until every shared holder has left (expired ones are removed). */
  private async drainShared(started: number): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const holds = (await this.meta.find({ shared: DIRECTORY } as Document, { projection: { owner: 1, until: 1 } }).toArray()) as unknown as LockDocument[];
      const now = Date.now();
      const expired = holds.filter((h) => h.until < now);
      for (const h of expired) await this.meta.deleteOne({ _id: h._id, owner: h.owner, until: h.until } as Document);
      if (expired.length === holds.length) return;
      await this.pause(started, attempt, DIRECTORY);
    }
  }

  private async pause(started: number, attempt: number, key: string): Promise<void> {
    const waited = Date.now() - started;
    if (waited > this.waitMs) throw new WriteLeaseTimeout(waited, key);
    await sleep(Math.min(50, 2 + attempt * 2));
  }

  private async readCounter(key: string): Promise<LeaseHolder> {
    const state = (await this.meta.findOne({ _id: stateId(key) } as Document)) as StateDocument | null;
    const seq = state?.seq ?? 0;
    // No state yet: data may predate it (or the state was lost); re-read it too.
    const recover = this.options.counters[key] as () => Promise<number>;
    if (state === null || state.dirty === true) return { seq: Math.max(seq, await recover()) };
    return { seq };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
