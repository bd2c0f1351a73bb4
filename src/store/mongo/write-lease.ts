// One writer at a time, across every Concord process over the database.
//
// Why a lease and not transactions: keyset paging (TAXII 2.1 §3.4 `next`, and clients that
// resume from X-TAXII-Date-Added-Last) is only exact if no object ever becomes visible
// with a date_added below one a reader has already passed. With several writers, a
// writer that took its date_added first could commit last. Multi-document transactions
// would not fix that either (commit order is not timestamp order), and FerretDB v1 has
// none. So writes that hand out date_added (or audit seq) hold this lease: a document
// `{_id: 'writer', owner, until, seq}` taken with one conditional update, kept alive
// while the write runs, and released in one update.
//
// date_added comes from per-collection clocks (mongo-store.ts), advanced before the
// objects are written, so a holder that dies mid-write leaves a clock ahead of the data,
// never behind it. The audit seq counter lives in the lease document; a holder that died
// without releasing leaves `clean: false`, and the next holder re-reads the highest seq
// actually stored.
import crypto from 'node:crypto';
import type { Collection, Document } from 'mongodb';

const LEASE_ID = 'writer';

interface LeaseDocument {
  _id: string;
  owner: string;
  /** Milliseconds since the epoch after which others may take the lease. */
  until: number;
  /** The last audit seq handed out. */
  seq: number;
  /** False while held: a holder that never released it leaves false behind. */
  clean: boolean;
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
        .updateOne({ _id: LEASE_ID, owner: this.owner } as Document, { $set: { until: Date.now() + this.ttlMs } })
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
      // A failed write may have stored part of its batch: leave the lease unclean, so that
      // the next holder (this process included) re-reads the seq from the data.
      await this.meta
        .updateOne({ _id: LEASE_ID, owner: this.owner } as Document, {
          $set: { until: 0, seq: holder.seq, clean: ok },
        })
        .catch(() => undefined);
    }
  }

  private async acquire(): Promise<LeaseHolder> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      const now = Date.now();
      let doc: LeaseDocument | null = null;
      try {
        // Free (released or expired) or already ours: take it. Upsert creates it the first time.
        doc = (await this.meta.findOneAndUpdate(
          { _id: LEASE_ID, $or: [{ until: { $lt: now } }, { owner: this.owner }] } as Document,
          { $set: { owner: this.owner, until: now + this.ttlMs, clean: false } },
          { upsert: true, returnDocument: 'before' },
        )) as LeaseDocument | null;
      } catch (e) {
        // Duplicate key: the lease exists and is held by someone else (the filter missed, the upsert collided).
        if ((e as { code?: number }).code !== 11000) throw e;
        if (now - started > this.waitMs) throw new WriteLeaseTimeout(now - started);
        await sleep(Math.min(50, 2 + attempt * 2));
        continue;
      }
      if (doc === null) {
        // Created just now: nothing was ever written under a lease, but data may predate it.
        return this.recovered();
      }
      if (doc.clean === false) return this.recovered();
      return { seq: doc.seq ?? 0 };
    }
  }

  private async recovered(): Promise<LeaseHolder> {
    const current = (await this.meta.findOne({ _id: LEASE_ID } as Document)) as LeaseDocument | null;
    return { seq: Math.max(current?.seq ?? 0, await this.options.recover()) };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
