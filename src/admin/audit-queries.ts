// The audit log as the admin API and the CLI read it.
import type { AuditEntry, AuditQuery } from '../directory/records';
import type { Store } from '../store/store';

export class AuditQueries {
  constructor(private readonly store: Pick<Store, 'queryAudit'>) {}

  query(query: AuditQuery): Promise<{ entries: AuditEntry[]; more: boolean }> {
    return this.store.queryAudit(query);
  }
}
