// Who is asking, and what they may do with each collection (decided in
// directory-snapshot.ts, carried here for the rest of the request).
import type { Access, Role } from '../directory/records';

export interface Principal {
  /** The member's id; statuses are owned by it and cursors are bound to it. */
  id: string;
  /** The credential used, and its visible prefix (for the audit log). */
  credentialId: string;
  credentialPrefix: string;
  role: Role;
  admin: boolean;
  /** collection id → access granted; admins can read and write every collection. */
  collections: ReadonlyMap<string, Access>;
}

export interface CollectionAccess {
  canRead: boolean;
  canWrite: boolean;
}

export function accessTo(principal: Principal, collectionId: string): CollectionAccess {
  if (principal.admin) return { canRead: true, canWrite: true };
  const access = principal.collections.get(collectionId);
  return { canRead: access === 'r' || access === 'rw', canWrite: access === 'w' || access === 'rw' };
}
