// Readiness and shutdown of a store.

export interface StoreLifecycle {
  /** Throws when the store cannot serve (readiness probe). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
