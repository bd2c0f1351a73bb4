// The admin use cases, one service per resource kind, over one audited directory: the
// admin API, the CLI and `config apply` reach the service of the resource they change.
import type { LiveDirectory } from '../access/live-directory';
import type { Store } from '../store/store';
import { AclAdmin } from './acl-admin';
import { ApiRootAdmin } from './api-root-admin';
import { AuditQueries } from './audit-queries';
import { AuditedDirectory } from './audited-directory';
import { CollectionAdmin } from './collection-admin';
import { CredentialAdmin } from './credential-admin';
import { GroupAdmin } from './group-admin';
import { MemberAdmin } from './member-admin';
import { MouAdmin } from './mou-admin';
import { ReleaseAdmin, type EmbargoReleaser } from './release-admin';

export interface AdminServiceDeps {
  store: Store;
  directory: LiveDirectory;
  /** The sharing layer's releases (the server and the CLI wire their distributor). */
  releaser: EmbargoReleaser;
  now?: () => number;
}

export class AdminService {
  /** Snapshots and audited changes of the directory as a whole (`config apply`, listeners). */
  readonly directory: AuditedDirectory;
  readonly members: MemberAdmin;
  readonly groups: GroupAdmin;
  readonly credentials: CredentialAdmin;
  readonly apiRoots: ApiRootAdmin;
  readonly collections: CollectionAdmin;
  readonly acl: AclAdmin;
  readonly mous: MouAdmin;
  readonly releases: ReleaseAdmin;
  readonly audit: AuditQueries;

  constructor(deps: AdminServiceDeps) {
    const now = deps.now ?? Date.now;
    this.directory = new AuditedDirectory(deps.store, deps.directory, now);
    this.members = new MemberAdmin(this.directory);
    this.groups = new GroupAdmin(this.directory);
    this.credentials = new CredentialAdmin(this.directory, now);
    this.apiRoots = new ApiRootAdmin(this.directory);
    this.collections = new CollectionAdmin(this.directory);
    this.acl = new AclAdmin(this.directory);
    this.mous = new MouAdmin(this.directory);
    this.releases = new ReleaseAdmin(this.directory, deps.releaser);
    this.audit = new AuditQueries(deps.store);
  }
}
