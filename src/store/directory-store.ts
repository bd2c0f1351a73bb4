// The directory: small, read whole, changed atomically together with the audit entries
// that record each change.
import type { AuditEntry, DirectoryChange, DirectoryData } from '../directory/records';

export interface DirectoryStore {
  /** The directory's current revision (one cheap read: servers call it on every request). */
  directoryRevision(): Promise<number>;
  loadDirectory(): Promise<DirectoryData>;
  /**
   * Applies every change in one transaction, with the audit entries that record it, and
   * bumps the revision; throws DirectoryConflict (changing nothing) when the revision is
   * no longer `expectedRevision`, so that concurrent admins cannot overwrite each other.
   */
  applyDirectoryChanges(changes: DirectoryChange[], audit: AuditEntry[], expectedRevision: number): Promise<number>;
}
