// The audit log: append-only, paged by seq. Entries that record a directory change are
// written by DirectoryStore.applyDirectoryChanges, in the same atomic write.
import type { AuditEntry, AuditQuery } from '../directory/records';

export interface AuditPage {
  entries: AuditEntry[];
  more: boolean;
}

export interface AuditLogStore {
  appendAudit(entries: AuditEntry[]): Promise<void>;
  /** Entries in seq order, after `afterSeq`; `more` tells whether another page follows. */
  queryAudit(query: AuditQuery): Promise<AuditPage>;
}
