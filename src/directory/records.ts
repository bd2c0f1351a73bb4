// The hub's directory as the store keeps it: API roots, collections, members, groups,
// credentials and collection ACLs, the members' sharing agreements (MOUs), plus the audit log. Plain records; the rules
// about them live in src/access (who may do what) and src/admin (how they change).
import type { Mou } from './mou';

export type { Mou };

/** How strictly a collection's gatekeeper reads what is published to it. */
export type ValidationPolicy = 'strict' | 'standard' | 'permissive';

/** What an ACL grants on a collection: read, write or both. */
export type Access = 'r' | 'w' | 'rw';

export interface ApiRootRecord {
  path: string;
  title: string;
  description?: string;
  /** TAXII 2.1 §4.2.1 max_content_length. */
  maxContentLength: number;
  /** Set when the resource is declared in files under collections/ (config apply manages it). */
  managed?: boolean;
}

export interface CollectionRecord {
  id: string;
  apiRoot: string;
  alias?: string;
  title: string;
  description?: string;
  mediaTypes: string[];
  validation: ValidationPolicy;
  allowCustom: boolean;
  /** The member whose outbox this is; undefined for the hub's own collections. */
  owner?: string;
  managed?: boolean;
}

export type MemberStatus = 'active' | 'suspended';

export interface MemberRecord {
  /** A short, stable slug (`ohio`, `isac-energy`). */
  id: string;
  name: string;
  contact?: string;
  /** The member's STIX identity object (`identity--…`). */
  identityRef?: string;
  groups: string[];
  status: MemberStatus;
  managed?: boolean;
}

export interface GroupRecord {
  id: string;
  name: string;
  description?: string;
  managed?: boolean;
}

export type Role = 'reader' | 'publisher' | 'admin';
export type CredentialKind = 'token' | 'password';

export interface CredentialRecord {
  /** A UUID; the handle admins revoke it by. */
  id: string;
  memberId: string;
  kind: CredentialKind;
  role: Role;
  /**
   * What identifies the credential in lists and the audit log without revealing it: a
   * token's first characters (`cct_3f9a…`), a password pair's username.
   */
  prefix: string;
  /** Basic credentials only: the username (unique among live password credentials). */
  username?: string;
  /** SHA-256 (hex) of a token, or the scrypt string of a password (src/access/secrets.ts). */
  secretHash: string;
  label?: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  expiresAt?: number;
  revokedAt?: number;
}

/** `member:<id>`, `group:<id>` or `everyone` (every active member of the hub). */
export type Grantee = string;

export interface AclEntry {
  collectionId: string;
  grantee: Grantee;
  read: boolean;
  write: boolean;
  managed?: boolean;
}

/** Everything the directory holds, as one consistent read. */
export interface DirectoryData {
  /** Increases with every change; servers compare it to know whether their copy is current. */
  revision: number;
  apiRoots: ApiRootRecord[];
  collections: CollectionRecord[];
  members: MemberRecord[];
  groups: GroupRecord[];
  credentials: CredentialRecord[];
  acl: AclEntry[];
  /** At most one per member; a member without one shares and receives under the defaults. */
  mous: Mou[];
  /** At most one record, kept by the hub itself (access/provider-terms.ts); absent: epoch 0. */
  termsEpochs?: TermsEpoch[];
}

/**
 * How many times what providers share changed (their MOU's provide terms, groups or
 * identity): every audience class id includes it, so that such a change gives every class
 * new, empty views at the revision that makes it (see access/provider-terms.ts).
 */
export interface TermsEpoch {
  id: 'providers';
  epoch: number;
}

export type DirectoryChange =
  | { op: 'put'; kind: 'apiRoot'; record: ApiRootRecord }
  | { op: 'put'; kind: 'collection'; record: CollectionRecord }
  | { op: 'put'; kind: 'member'; record: MemberRecord }
  | { op: 'put'; kind: 'group'; record: GroupRecord }
  | { op: 'put'; kind: 'credential'; record: CredentialRecord }
  | { op: 'put'; kind: 'acl'; record: AclEntry }
  | { op: 'put'; kind: 'mou'; record: Mou }
  | { op: 'put'; kind: 'termsEpoch'; record: TermsEpoch }
  /** A MOU is deleted by its member id. */
  | { op: 'delete'; kind: 'apiRoot' | 'collection' | 'member' | 'group' | 'credential' | 'mou'; key: string }
  | { op: 'delete'; kind: 'acl'; key: { collectionId: string; grantee: Grantee } };

export type AuditKind = 'admin' | 'publish' | 'read';

export interface AuditEntry {
  /** Assigned by the store: increasing, the audit log's paging key. */
  seq?: number;
  /** Milliseconds since the epoch. */
  at: number;
  kind: AuditKind;
  /** e.g. `member.suspend`, `objects.add`, `objects.get`. */
  action: string;
  memberId?: string;
  credentialPrefix?: string;
  requestId?: string;
  source?: string;
  apiRoot?: string;
  collectionId?: string;
  /** What happened, never a secret (counts, status id, changed fields). */
  details?: Record<string, unknown>;
}

export interface AuditQuery {
  kind?: AuditKind;
  memberId?: string;
  collectionId?: string;
  action?: string;
  /** Inclusive lower and exclusive upper bound on `at`. */
  since?: number;
  until?: number;
  /** Keyset position: only entries with seq greater than this. */
  afterSeq?: number;
  limit: number;
}

/** Thrown by `applyDirectoryChanges` when the directory changed since `expectedRevision`. */
export class DirectoryConflict extends Error {
  constructor(readonly expected: number, readonly actual: number) {
    super(`the directory changed (revision ${actual}, expected ${expected})`);
    this.name = 'DirectoryConflict';
  }
}

/** Which list of DirectoryData holds each kind of record. */
export const DIRECTORY_LISTS = {
  apiRoot: 'apiRoots',
  collection: 'collections',
  member: 'members',
  group: 'groups',
  credential: 'credentials',
  acl: 'acl',
  mou: 'mous',
  termsEpoch: 'termsEpochs',
} as const satisfies Record<DirectoryChange['kind'], keyof Omit<DirectoryData, 'revision'>>;
