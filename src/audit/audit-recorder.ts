// Writes the audit log of TAXII traffic. Publishes are written at once (the
// router awaits them right after the status is saved); reads are buffered and written in
// batches.
//
// Why reads are buffered (bench/audit-bench.ts, file-backed SQLite, WAL, synchronous=FULL,
// GET objects/ page of 100): the read alone took 230 µs; with one synchronous audit
// insert (its own transaction, one fsync) 757 µs (+526 µs, +228%); with entries buffered
// and inserted 500 per transaction 258 µs (+27 µs, +12%). So reads go to memory and are
// flushed every second, or as soon as 500 are waiting, and on shutdown (close()). A crash
// loses at most the last second of read entries; publish entries are never buffered.
import type { Logger } from 'pino';
import type { AuditEntry } from '../directory/records';
import type { AuditLogStore } from '../store/store';

export interface AuditRecorderOptions {
  /** Longest time a read entry waits in memory (default 1000 ms). */
  flushIntervalMs?: number;
  /** Buffered entries that trigger a flush at once (default 500). */
  maxBuffered?: number;
}

export class AuditRecorder {
  private buffer: AuditEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly flushIntervalMs: number;
  private readonly maxBuffered: number;

  constructor(
    private readonly store: AuditLogStore,
    private readonly logger: Logger,
    options: AuditRecorderOptions = {},
  ) {
    this.flushIntervalMs = options.flushIntervalMs ?? 1000;
    this.maxBuffered = options.maxBuffered ?? 500;
  }

  /** Written now; a failure is logged, not thrown (the request it records has already happened). */
  async recordNow(entry: AuditEntry): Promise<void> {
    try {
      await this.store.appendAudit([entry]);
    } catch (e) {
      this.logger.error({ err: e, audit: entry }, 'audit entry could not be written');
    }
  }

  /** Buffered; written within flushIntervalMs. After close() it is written at once. */
  recordLater(entry: AuditEntry): void {
    if (this.closed) {
      void this.recordNow(entry);
      return;
    }
    this.buffer.push(entry);
    if (this.buffer.length >= this.maxBuffered) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.flushIntervalMs);
      this.timer.unref();
    }
  }

  /** Writes every buffered entry (one transaction). Resolves when they are stored. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch = this.buffer;
    this.buffer = [];
    // Batches are written in order, one after the other.
    this.flushing = this.flushing.then(async () => {
      if (batch.length === 0) return;
      try {
        await this.store.appendAudit(batch);
      } catch (e) {
        this.logger.error({ err: e, lost: batch.length }, 'audit entries could not be written');
      }
    });
    return this.flushing;
  }

  /** Flushes and stops buffering; call before the store is closed. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }
}
