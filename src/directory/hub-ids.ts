// Names the hub gives: its own member, each member's feed collection, and the store
// partition that holds what one member may see of one collection.
import crypto from 'node:crypto';

/** The hub's own member: the operator, and the provider of versions stored without one. */
export const HUB_MEMBER_ID = 'hub';

/** A UUID in version-4 form from the first 16 bytes of a digest. */
export function uuidFromDigest(digest: Buffer): string {
  const b = Buffer.from(digest.subarray(0, 16));
  b[6] = ((b[6] as number) & 0x0f) | 0x40;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A member's feed collection id: a fixed, v4-form UUID per member (the id is not a secret). */
export function feedCollectionId(memberId: string): string {
  return uuidFromDigest(crypto.createHash('sha256').update(`concord-feed:${memberId}`).digest());
}

/**
 * The store partition of what one audience class (access/audience-classes.ts) may see of a
 * collection: the distributor writes it, and the TAXII layer reads it for every member of
 * the class. Base collections are partitions named by their collection id.
 */
export function viewPartition(classId: string, collectionId: string): string {
  return `view:${classId}:${collectionId}`;
}

/** The store partition of everything one audience class may see, from every collection: its members' feeds. */
export function feedPartition(classId: string): string {
  return `view:${classId}:feed`;
}
