// Indexes of the MongoDB store, created idempotently at start. Each names the query it serves.
import type { CreateIndexesOptions, Db, IndexSpecification } from 'mongodb';

export interface IndexDefinition {
  collection: string;
  key: IndexSpecification;
  options: CreateIndexesOptions & { name: string };
  /** Created only where the server supports it (FerretDB v1 has no TTL indexes); see ensureIndexes. */
  optional?: boolean;
}

export const OBJECTS = 'objects';
export const VARIANTS = 'variants';
export const STATUSES = 'statuses';
export const SETTINGS = 'settings';
export const DEFERRED = 'deferred';
export const RELEASES = 'releases';
export const META = 'meta';
export const PENDING = 'pending';
export const CLASS_BUILDS = 'class_builds';
/** The last date_added handed out per collection: `{_id: collection, last}`. */
export const CLOCKS = 'clocks';
export const AUDIT = 'audit';

/**
 * Object documents: `c` collection (or reader's view partition), `oid`, `type`, `v` version
 * as stated, `vk` sortable version key, `sv` spec_version, `da` date_added (integer
 * microseconds), `first`/`last` flags, `json`, `p` provider, `bc`/`bo` base collection and
 * id (derived rows), `var` variant hash.
 *
 * Base versions not yet distributed to readers' views are named by one `pending` document
 * per write and collection, `{c, from, to}` (a date_added range), not by a flag on every
 * object: settling a publish is then one small write, not an update of each object (on
 * FerretDB, updating 1,000 objects took 7–16 s; on MongoDB it is 1,000 index updates).
 */
export function indexDefinitions(statusRetentionSeconds: number): IndexDefinition[] {
  return [
    // keyset paging by date_added, match[version]=all; also makes date_added unique per collection
    { collection: OBJECTS, key: { c: 1, da: 1 }, options: { name: 'by_added', unique: true } },
    // the default query (latest versions), paged; match[version]=first uses by_added + filter
    { collection: OBJECTS, key: { c: 1, last: 1, da: 1 }, options: { name: 'last_by_added' } },
    // match[type]: one range per type, merged in date_added order
    { collection: OBJECTS, key: { c: 1, type: 1, da: 1 }, options: { name: 'type_by_added' } },
    // match[id], object and versions endpoints, duplicate detection, base rows of derived rows
    { collection: OBJECTS, key: { c: 1, oid: 1, vk: 1 }, options: { name: 'by_version', unique: true } },
    // pending distributions (recovered at start), oldest first; settling one
    { collection: PENDING, key: { from: 1 }, options: { name: 'oldest' } },
    { collection: PENDING, key: { c: 1, from: 1 }, options: { name: 'by_collection' } },
    // statuses expire after the retention period (purgeStatuses does the same where TTL is missing)
    { collection: STATUSES, key: { createdAtDate: 1 }, options: { name: 'expiry', expireAfterSeconds: statusRetentionSeconds }, optional: true },
    { collection: STATUSES, key: { createdAt: 1 }, options: { name: 'by_created' } },
    // embargoes due, closure waits per reader, a reader's decisions, decisions per object (releases)
    { collection: DEFERRED, key: { dueAt: 1, _id: 1 }, options: { name: 'due' } },
    { collection: DEFERRED, key: { reader: 1, waitingFor: 1 }, options: { name: 'waiting' } },
    { collection: DEFERRED, key: { oid: 1 }, options: { name: 'by_object' } },
    // GET /admin/v1/audit?kind=…, ?member=…, ?collection=…, each paged by seq (_id); ?since/until
    { collection: AUDIT, key: { kind: 1, _id: 1 }, options: { name: 'by_kind' } },
    { collection: AUDIT, key: { memberId: 1, _id: 1 }, options: { name: 'by_member' } },
    { collection: AUDIT, key: { collectionId: 1, _id: 1 }, options: { name: 'by_collection' } },
    { collection: AUDIT, key: { at: 1 }, options: { name: 'by_at' } },
  ];
}

/**
 * Creates every index (idempotent); returns whether the statuses TTL index exists
 * (otherwise only purgeStatuses expires statuses).
 */
export async function ensureIndexes(db: Db, statusRetentionSeconds: number): Promise<boolean> {
  let ttlIndex = false;
  for (const d of indexDefinitions(statusRetentionSeconds)) {
    try {
      await db.collection(d.collection).createIndex(d.key, d.options);
      if (d.options.expireAfterSeconds !== undefined) ttlIndex = true;
    } catch (e) {
      // FerretDB v1: "Index option expireAfterSeconds is not implemented yet" (code 238).
      // The periodic purgeStatuses (main.ts) expires statuses there.
      if (d.optional && (e as { code?: number }).code === 238) continue;
      // The retention changed since the TTL index was made: change it in place.
      if (d.options.expireAfterSeconds !== undefined && (e as { code?: number }).code === 85) {
        await db.command({ collMod: d.collection, index: { name: d.options.name, expireAfterSeconds: d.options.expireAfterSeconds } });
        ttlIndex = true;
        continue;
      }
      throw e;
    }
  }
  return ttlIndex;
}
