// Identities the hub issues: a stable pseudonym per member (attribution `pseudonymise`,
// IEP provider_attribution must-not) and the hub's own identity (attribution `hub`).
// Derived with a key kept in the store, so they are stable across restarts and
// processes but cannot be linked to a member by anyone without the key. The ids have the
// UUIDv4 form that STIX 2.1 §2.9 asks of SDO identifiers.
import crypto from 'node:crypto';
import { HUB_MEMBER_ID, uuidFromDigest } from '../directory/hub-ids';
import type { MemberRecord } from '../directory/records';

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
