// /audit: the audit log, a page at a time (`next` continues after the last entry).
import type { AuditQueries } from '../../admin/audit-queries';
import { auditToJson } from '../../admin/directory-json';
import { parseAuditQuery } from './admin-query';
import { ok, type Route } from './admin-route';

export function auditRoutes(audit: AuditQueries): Route[] {
  return [
    {
      method: 'get',
      path: '/audit',
      handler: async (c) => {
        const { entries, more } = await audit.query(parseAuditQuery(c.req));
        const last = entries[entries.length - 1];
        return ok({ entries: entries.map(auditToJson), more, ...(more && last?.seq !== undefined ? { next: String(last.seq) } : {}) });
      },
    },
  ];
}
