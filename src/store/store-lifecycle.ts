// Readiness and shutdown of a store.

export interface StoreLifecycle {
  /**
   * Whether a write may wait for another process (the MongoDB store's write lease, which a
   * process that died holding it keeps until it expires). The server then answers reads
   * before its start-up writes are done (src/startup-writes.ts).
   */
  readonly writesMayWait?: boolean;
  /** Throws when the store cannot serve (readiness probe). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
