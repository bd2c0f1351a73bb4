// Finding an API root or collection for a principal, with the status codes TAXII 2.1
// prescribes: a collection the principal may neither read nor write does not exist
// for it (404); one it may use only partly answers 403 for the other use (§5.3–§5.8,
// and the DELETE matrix of §5.7).
import type { ApiRootView } from '../access/directory-snapshot';
import type { CollectionRecord } from '../directory/records';
import { accessTo, type CollectionAccess, type Principal } from '../access/principal';
import type { Catalog } from './catalog';
import { forbidden, notFound } from './taxii-error';
import { audienceClasses } from '../access/audience-classes';
import { feedPartition, viewPartition } from '../directory/hub-ids';

export type Need = 'read' | 'write' | 'delete' | 'see';

export interface ResolvedCollection {
  root: ApiRootView;
  collection: CollectionRecord;
  access: CollectionAccess;
  /** Where the principal's reads of it are served from (see partitionOf). */
  partition: string;
}

/** An API root exists for a principal when it may use at least one of its collections (admins: always). */
export function resolveApiRoot(catalog: Catalog, principal: Principal, path: string): ApiRootView {
  const root = catalog.apiRoot(path);
  if (!root || !canSeeApiRoot(principal, root)) throw notFound('The API root was not found, or you do not have access to it.');
  return root;
}

export function canSeeApiRoot(principal: Principal, root: ApiRootView): boolean {
  return principal.admin || root.collections.some((c) => canSeeCollection(principal, c));
}

export function canSeeCollection(principal: Principal, collection: CollectionRecord): boolean {
  const a = accessTo(principal, collection.id);
  return a.canRead || a.canWrite;
}

export function resolveCollection(
  catalog: Catalog,
  principal: Principal,
  rootPath: string,
  idOrAlias: string,
  need: Need,
): ResolvedCollection {
  const root = resolveApiRoot(catalog, principal, rootPath);
  const collection = catalog.collection(root, idOrAlias);
  // Built only when thrown: an error captures a stack trace, and this runs on every request.
  const hidden = () => notFound('The collection was not found, or you do not have access to it.');
  if (!collection) throw hidden();
  const access = accessTo(principal, collection.id);
  if (!access.canRead && !access.canWrite) throw hidden();
  if ((need === 'read' || need === 'delete') && !access.canRead) {
    throw forbidden('You may add objects to this collection but not read it.');
  }
  if ((need === 'write' || need === 'delete') && !access.canWrite) {
    throw forbidden(need === 'delete' ? 'Deleting needs both read and write access to the collection.' : 'You may read this collection but not add objects to it.');
  }
  return { root, collection, access, partition: readPartition(catalog, principal, collection) };
}

/**
 * Where a principal's reads of a collection are served from: the hub's admins read the
 * collection itself; a member reads its audience class's view of it (or, for its feed,
 * the class's feed), which holds exactly what its agreement lets it see, already
 * transformed for it (src/sharing/distributor.ts). Resolved with the collection, from the
 * same directory snapshot, so a policy change moves reads and rights together.
 */
export function partitionOf(_principal: Principal, target: ResolvedCollection): string {
  return target.partition;
}

function readPartition(catalog: Catalog, principal: Principal, collection: CollectionRecord): string {
  if (principal.admin) return collection.id;
  const snapshot = catalog.snapshot();
  const cls = audienceClasses(snapshot).of(principal.id);
  // A member that reads nothing has no class: a partition nothing is ever written to.
  if (cls === undefined) return viewPartition('-', collection.id);
  return snapshot.isFeed(collection.id) ? feedPartition(cls.id) : viewPartition(cls.id, collection.id);
}
