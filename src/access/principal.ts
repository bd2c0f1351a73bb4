// Who is asking, and what they may do with each collection. The fuller member/group/ACL
// model (issue 4) replaces where principals come from, not this shape.
import type { Access } from '../config';

export interface Principal {
  /** Stable id; statuses are owned by it and cursors are bound to it. */
  id: string;
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
