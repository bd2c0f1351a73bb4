// /explain and /simulate: why a member sees what it sees, decided exactly as distribution
// decides (src/sharing/explain.ts).
import type { AuditedDirectory } from '../../admin/audited-directory';
import { explain, simulate, type ExplainSharing } from '../../sharing/explain';
import type { ObjectStore } from '../../store/store';
import { parseExplainQuery, parseSimulateQuery } from './admin-query';
import { ok, type Route } from './admin-route';

export interface PolicyDeps {
  directory: Pick<AuditedDirectory, 'snapshot'>;
  /** The store the views are in. */
  store: ObjectStore;
  /** The server's sharing layer. */
  sharing: ExplainSharing;
}

export function policyRoutes(policy: PolicyDeps): Route[] {
  return [
    {
      method: 'get',
      path: '/explain',
      handler: async (c) => {
        const { member, object } = parseExplainQuery(c.req);
        return ok(await explain(await policy.directory.snapshot(), policy.store, policy.sharing, member, object));
      },
    },
    {
      method: 'get',
      path: '/simulate',
      handler: async (c) => {
        const { member } = parseSimulateQuery(c.req);
        return ok(await simulate(await policy.directory.snapshot(), policy.store, policy.sharing, member));
      },
    },
  ];
}
