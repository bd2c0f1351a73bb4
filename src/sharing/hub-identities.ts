// Identities the hub issues: a stable pseudonym per member (attribution `pseudonymise`,
// IEP provider_attribution must-not) and the hub's own identity (attribution `hub`).
// Derived with a key kept in the store, so they are stable across restarts and
// processes but cannot be linked to a member by anyone without the key. The ids have the
// UUIDv4 form that STIX 2.1 §2.9 asks of SDO identifiers.
import crypto from 'node:crypto';
import type { MemberRecord } from '../store/directory-records';

export const HUB_MEMBER_ID = 'hub';

/** A UUID in version-4 form from the first 16 bytes of a digest. */
export function uuidFromDigest(digest: Buffer): string {
  const b = Buffer.from(digest.subarray(0, 16));
  b[6] = ((b[6] as number) & 0x0f) | 0x40;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export class HubIdentities {
  readonly hub: string;
  /** The provider of versions stored without one (published before distribution existed): the hub. */
  readonly unknownProvider: MemberRecord = { id: HUB_MEMBER_ID, name: 'Hub', groups: [], status: 'active' };
  private readonly cache = new Map<string, string>();

  constructor(private readonly key: Buffer) {
    this.hub = `identity--${uuidFromDigest(crypto.createHmac('sha256', key).update('hub-identity').digest())}`;
  }

  pseudonymOf(memberId: string): string {
    let id = this.cache.get(memberId);
    if (id === undefined) {
      id = `identity--${uuidFromDigest(crypto.createHmac('sha256', this.key).update(`pseudonym:${memberId}`).digest())}`;
      this.cache.set(memberId, id);
    }
    return id;
  }
}

/** A member's feed collection id: a fixed, v4-form UUID per member (the id is not a secret). */
export function feedCollectionId(memberId: string): string {
  return uuidFromDigest(crypto.createHash('sha256').update(`concord-feed:${memberId}`).digest());
}
