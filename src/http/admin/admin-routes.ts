// Every route of the admin API, in the order they are served; each resource kind's routes
// reach only that resource's admin service.
import type { AdminService } from '../../admin/admin-service';
import type { ExplainSharing } from '../../sharing/explain';
import type { ObjectStore } from '../../store/store';
import openApiDocument from '../../../docs/admin-api.openapi.json';
import { aclRoutes } from './acl-routes';
import { ok, type Route } from './admin-route';
import { apiRootRoutes } from './api-root-routes';
import { auditRoutes } from './audit-routes';
import { collectionRoutes } from './collection-routes';
import { credentialRoutes } from './credential-routes';
import { groupRoutes } from './group-routes';
import { memberRoutes } from './member-routes';
import { mouRoutes } from './mou-routes';
import { policyRoutes } from './policy-routes';
import { releaseRoutes } from './release-routes';
import { sharingRoutes } from './sharing-routes';
import type { Distributor } from '../../sharing/distributor';

export interface AdminRoutesDeps {
  admin: AdminService;
  store: ObjectStore;
  sharing: ExplainSharing & { distributor: Pick<Distributor, 'buildProgress'> };
}

export function adminRoutes({ admin, store, sharing }: AdminRoutesDeps): Route[] {
  return [
    { method: 'get', path: '/openapi.json', public: true, handler: async () => ok(openApiDocument) },
    ...memberRoutes(admin.members),
    ...mouRoutes(admin.mous),
    ...releaseRoutes(admin.releases),
    ...credentialRoutes(admin.credentials),
    ...groupRoutes(admin.groups),
    ...apiRootRoutes(admin.apiRoots),
    ...collectionRoutes(admin.collections, admin.apiRoots),
    ...aclRoutes(admin.acl),
    ...auditRoutes(admin.audit),
    ...policyRoutes({ directory: admin.directory, store, sharing }),
    ...sharingRoutes(sharing.distributor),
  ];
}
