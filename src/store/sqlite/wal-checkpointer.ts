// Checkpoints of the write-ahead log, off the request thread. SQLite's automatic
// checkpoint runs inside the commit that crosses 1,000 WAL pages, so a request that
// commits a few rows now and then pays for copying megabytes into the database file and
// an fsync: measured 200–240 ms commits among 34 ms ones (1,000 rows each), every one of
// them time in which the request thread serves no one. Here the request thread's
// connection never checkpoints; a thread with a connection of its own does, every
// INTERVAL_MS, in PASSIVE mode (it waits for no reader or writer, and copies what it can).
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

const INTERVAL_MS = 250;

// Plain JavaScript, evaluated in the thread: no build step or loader of its own.
const THREAD_CODE = `
const { workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // busy or closing: the next round tries again
  }
}, workerData.intervalMs);
`;

export class WalCheckpointer {
  private readonly thread: Worker;

  /** Takes over checkpointing of `db`'s file (not for ':memory:'). */
  constructor(db: Database.Database, file: string) {
    db.pragma('wal_autocheckpoint = 0');
    this.thread = new Worker(THREAD_CODE, { eval: true, workerData: { file, driver: require.resolve('better-sqlite3'), intervalMs: INTERVAL_MS } });
    this.thread.unref();
    this.thread.on('error', () => {
      // The thread is gone: checkpoint on the request thread again, as SQLite does by default.
      if (db.open) db.pragma('wal_autocheckpoint = 1000');
    });
  }

  /**
   * Stops the thread. Stopping it mid-checkpoint is safe (a checkpoint survives being cut
   * off as it survives a crash), and the request thread's connection, closed last,
   * checkpoints what is left as SQLite does when a file's last connection closes.
   */
  async close(): Promise<void> {
    await this.thread.terminate();
  }
}
