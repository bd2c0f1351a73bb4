// One writer at a time, across every Concord process over the database.
//
// Why a lease and not transactions: keyset paging (TAXII 2.1 §3.4 `next`, and clients that
// resume from X-TAXII-Date-Added-Last) is only exact if no object ever becomes visible
// with a date_added below one a reader has already passed. With several writers, a
// writer that took its date_added first could commit last. Multi-document transactions
// would not fix that either (commit order is not timestamp order), and FerretDB v1 has
// none. So writes that hand out date_added (or audit seq) hold this lease.
//
// The lease is a document `{_id: 'writer-lock', owner, until}` that exists only while
// held: taking it is an insert, which the unique _id makes atomic on every server.
// (A conditional findAndModify would be shorter, but FerretDB v1 does not run it
// atomically across connections: two processes both "won" it in the multi-instance test.)
// It is renewed while the write runs and deleted on release. A lock left behind past its
// expiry means its holder died: the next writer deletes it and takes over.
//
// date_added comes from per-partition clocks (mongo-objects.ts), advanced before the
// objects are written, so a holder that dies mid-write leaves a clock ahead of the data,
// never behind it. The audit seq counter is in `{_id: 'writer-state', seq, dirty}`, written
// on release; after a takeover, or a write that failed part-way (`dirty`), the next
// holder re-reads the highest seq actually stored.
import crypto from 'node:crypto';
import type { Collection, Document } from 'mongodb';

/** The lock document's _id (tests stage a crashed holder with it). */
export const LOCK_ID = 'writer-lock';
const STATE_ID = 'writer-state';

interface LockDocument {
  _id: string;
  owner: string;
  /** Milliseconds since the epoch after which others may take the lease. */
  until: number;
}

interface StateDocument {
  _id: string;
  /** The last audit seq handed out. */
  seq: number;
  /** The last holder's write failed part-way: the seq must be re-read from the data. */
  dirty?: boolean;
}

/** What a lease holder hands out: audit (and deferred-decision) seq numbers. */
export interface LeaseHolder {
  /** The last audit seq handed out so far. */
  seq: number;
}

export interface WriteLeaseOptions {
  /** How long a lease is valid without renewal (ms); a crashed holder blocks writers this long. */
  ttlMs?: number;
  /** How long to keep trying before a write fails (ms). */
  waitMs?: number;
  /** After a takeover from a holder that did not release: the highest seq stored. */
  recover: () => Promise<number>;
}

export class WriteLeaseTimeout extends Error {
  constructor(waitedMs: number) {
    super(`another Concord process has held the write lease for ${waitedMs} ms`);
    this.name = 'WriteLeaseTimeout';
  }
}

export class WriteLease {
  private readonly owner = `${process.pid}-${crypto.randomBytes(6).toString('hex')}`;
  private readonly ttlMs: number;
  private readonly waitMs: number;
  /** In-process queue: one holder per process, so the database only sees one request from us. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly meta: Collection<Document>,
    private readonly options: WriteLeaseOptions,
  ) {
    this.ttlMs = options.ttlMs ?? 30_000;
    this.waitMs = options.waitMs ?? 60_000;
  }

  /** Runs `write` holding the lease; the seq it advanced is stored on release. */
  run<T>(write: (holder: LeaseHolder) => Promise<T>): Promise<T> {
    const result = this.tail.then(() => this.holding(write));
    this.tail = result.catch(() => undefined);
    return result;
  }

  private async holding<T>(write: (holder: LeaseHolder) => Promise<T>): Promise<T> {
    const holder = await this.acquire();
    const renew = setInterval(() => {
      void this.meta
        .updateOne({ _id: LOCK_ID, owner: this.owner } as Document, { $set: { until: Date.now() + this.ttlMs } })
        .catch(() => undefined);
    }, Math.max(1_000, Math.floor(this.ttlMs / 3)));
    renew.unref();
    let ok = false;
    try {
      const value = await write(holder);
      ok = true;
      return value;
    } finally {
      clearInterval(renew);
      // The state first, then the lock: whoever takes the lock next reads this state.
      // A failed write may have stored part of its batch: mark the state dirty, so that the
      // next holder (this process included) re-reads the seq from the data.
      try {
        await this.meta.updateOne({ _id: STATE_ID } as Document, { $set: { seq: holder.seq, dirty: !ok } }, { upsert: true });
      } finally {
        await this.meta.deleteOne({ _id: LOCK_ID, owner: this.owner } as Document).catch(() => undefined);
      }
    }
  }

  private async acquire(): Promise<LeaseHolder> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        await this.meta.insertOne({ _id: LOCK_ID, owner: this.owner, until: Date.now() + this.ttlMs } as LockDocument as unknown as Document);
        break;
      } catch (e) {
        if ((e as { code?: number }).code !== 11000) throw e;
      }
      // Held. Expired: its holder died (or stalled past the lease); remove exactly that lock and retry.
      const lock = (await this.meta.findOne({ _id: LOCK_ID } as Document)) as LockDocument | null;
      if (lock && lock.until < Date.now()) {
        // Its seq was never written back: mark the state dirty first, so that whichever
        // process takes the lock next re-reads the seq from the data.
        await this.meta.updateOne({ _id: STATE_ID } as Document, { $set: { dirty: true } }, { upsert: true });
        await this.meta.deleteOne({ _id: LOCK_ID, owner: lock.owner, until: lock.until } as Document);
        continue;
      }
      const waited = Date.now() - started;
      if (waited > this.waitMs) throw new WriteLeaseTimeout(waited);
      await sleep(Math.min(50, 2 + attempt * 2));
    }
    const state = (await this.meta.findOne({ _id: STATE_ID } as Document)) as StateDocument | null;
    const seq = state?.seq ?? 0;
    // No state yet: data may predate the lease (or the state was lost); re-read it too.
    if (state === null || state.dirty === true) return { seq: Math.max(seq, await this.options.recover()) };
    return { seq };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
