// One consistent, indexed copy of the directory, and the one place that decides what a
// member may do with each collection: the collection's owner reads and writes
// it; ACL entries grant read and/or write to a member, a group or everyone in the hub;
// a reader credential never writes; an admin credential uses every collection.
import { feedCollectionId } from '../directory/hub-ids';
import type {
  Access,
  AclEntry,
  ApiRootRecord,
  CollectionRecord,
  CredentialRecord,
  DirectoryData,
  GroupRecord,
  MemberRecord,
  Mou,
  Role,
} from '../directory/records';

/** An API root with its collections, as the TAXII layer serves it. */
export interface ApiRootView extends ApiRootRecord {
  collections: CollectionRecord[];
}

export class DirectorySnapshot {
  readonly revision: number;
  readonly roots = new Map<string, ApiRootView>();
  readonly collections = new Map<string, CollectionRecord>();
  readonly members = new Map<string, MemberRecord>();
  readonly groups = new Map<string, GroupRecord>();
  readonly credentials = new Map<string, CredentialRecord>();
  /** Member id → its MOU (members without one are absent: they use the defaults). */
  readonly mous = new Map<string, Mou>();
  private readonly byTokenHash = new Map<string, CredentialRecord>();
  private readonly byUsername = new Map<string, CredentialRecord>();
  private readonly aclByCollection = new Map<string, AclEntry[]>();
  private readonly accessCache = new Map<string, ReadonlyMap<string, Access>>();
  private byIdentity: Map<string, MemberRecord> | undefined;

  /** Member id → its personal feed collection, and the feeds' ids. */
  private readonly feeds = new Map<string, CollectionRecord>();
  private readonly feedIds = new Set<string>();
  /** The collections that are not feeds (access is decided over these, plus the member's own feed). */
  private readonly shared: CollectionRecord[] = [];
  /** Members that own a collection other than their feed. */
  private readonly owners = new Set<string>();

  /**
   * `feedRoot`: the API root where every member finds its personal feed (a read-only
   * collection of everything its agreement lets it see, from every source); none when
   * undefined or when the root does not exist.
   */
  constructor(
    readonly data: DirectoryData,
    feedRoot?: string,
  ) {
    this.revision = data.revision;
    for (const r of [...data.apiRoots].sort((a, b) => a.path.localeCompare(b.path))) this.roots.set(r.path, { ...r, collections: [] });
    for (const c of data.collections) {
      this.collections.set(c.id, c);
      this.roots.get(c.apiRoot)?.collections.push(c);
    }
    if (feedRoot !== undefined && this.roots.has(feedRoot)) {
      for (const m of data.members) {
        const feed: CollectionRecord = {
          id: feedCollectionId(m.id),
          apiRoot: feedRoot,
          alias: `feed-${m.id}`,
          title: `Feed for ${m.name}`,
          description: 'Everything your sharing agreement lets you see, from every source, as it becomes visible to you.',
          mediaTypes: ['application/stix+json;version=2.1'],
          validation: 'standard',
          allowCustom: true,
          owner: m.id,
        };
        if (this.collections.has(feed.id)) continue;
        this.feeds.set(m.id, feed);
        this.feedIds.add(feed.id);
        this.collections.set(feed.id, feed);
        this.roots.get(feedRoot)?.collections.push(feed);
      }
    }
    for (const c of this.collections.values()) {
      if (this.feedIds.has(c.id)) continue;
      this.shared.push(c);
      if (c.owner !== undefined) this.owners.add(c.owner);
    }
    for (const root of this.roots.values()) root.collections.sort((a, b) => a.title.localeCompare(b.title) || a.id.localeCompare(b.id));
    for (const m of data.members) this.members.set(m.id, m);
    for (const g of data.groups) this.groups.set(g.id, g);
    for (const c of data.credentials) {
      this.credentials.set(c.id, c);
      if (c.revokedAt !== undefined) continue;
      if (c.kind === 'token') this.byTokenHash.set(c.secretHash, c);
      else if (c.username !== undefined) this.byUsername.set(c.username, c);
    }
    for (const m of data.mous) this.mous.set(m.memberId, m);
    for (const a of data.acl) {
      const list = this.aclByCollection.get(a.collectionId) ?? [];
      list.push(a);
      this.aclByCollection.set(a.collectionId, list);
    }
  }

  /** The member whose STIX identity object this is, if any. */
  memberWithIdentity(identityRef: string): MemberRecord | undefined {
    if (this.byIdentity === undefined) {
      this.byIdentity = new Map();
      for (const m of this.members.values()) if (m.identityRef !== undefined) this.byIdentity.set(m.identityRef, m);
    }
    return this.byIdentity.get(identityRef);
  }

  /** Whether the member owns a collection other than its feed (an outbox it writes). */
  ownsCollection(memberId: string): boolean {
    return this.owners.has(memberId);
  }

  feedOf(memberId: string): CollectionRecord | undefined {
    return this.feeds.get(memberId);
  }

  isFeed(collectionId: string): boolean {
    return this.feedIds.has(collectionId);
  }

  /** The unrevoked token credential with this SHA-256 digest. */
  tokenCredential(sha256: string): CredentialRecord | undefined {
    return this.byTokenHash.get(sha256);
  }

  /** The unrevoked password credential with this username. */
  passwordCredential(username: string): CredentialRecord | undefined {
    return this.byUsername.get(username);
  }

  acl(collectionId: string): readonly AclEntry[] {
    return this.aclByCollection.get(collectionId) ?? [];
  }

  /**
   * What a member may do with each collection, given its credential's role: collection
   * id → access, for the collections it may use at all. Computed once per member and
   * role per snapshot. `evenIfSuspended`: what it could use once resumed (distribution keeps
   * a suspended member's views current, so that it misses nothing when it comes back).
   */
  accessOf(memberId: string, role: Role, { evenIfSuspended = false }: { evenIfSuspended?: boolean } = {}): ReadonlyMap<string, Access> {
    const cacheKey = `${role} ${memberId} ${evenIfSuspended}`;
    const cached = this.accessCache.get(cacheKey);
    if (cached) return cached;
    const member = this.members.get(memberId);
    const access = new Map<string, Access>();
    if (member && (member.status === 'active' || evenIfSuspended)) {
      const grantees = new Set(['everyone', `member:${member.id}`, ...member.groups.filter((g) => this.groups.has(g)).map((g) => `group:${g}`)]);
      // A feed is read by its member only, and written by the hub only.
      const feed = this.feeds.get(member.id);
      if (feed !== undefined) access.set(feed.id, 'r');
      for (const c of this.shared) {
        let read = c.owner === member.id;
        let write = c.owner === member.id;
        for (const entry of this.acl(c.id)) {
          if (!grantees.has(entry.grantee)) continue;
          read ||= entry.read;
          write ||= entry.write;
        }
        if (role === 'reader') write = false;
        if (read || write) access.set(c.id, read && write ? 'rw' : read ? 'r' : 'w');
      }
    }
    this.accessCache.set(cacheKey, access);
    return access;
  }

  /** The members a grantee stands for (for explanations and admin views). */
  membersOf(grantee: string): MemberRecord[] {
    if (grantee === 'everyone') return [...this.members.values()];
    const [kind, id] = grantee.split(':', 2);
    if (kind === 'member') return this.members.has(id ?? '') ? [this.members.get(id ?? '') as MemberRecord] : [];
    if (kind === 'group') return [...this.members.values()].filter((m) => m.groups.includes(id ?? ''));
    return [];
  }
}

export const EMPTY_DIRECTORY: DirectoryData = { revision: 0, apiRoots: [], collections: [], members: [], groups: [], credentials: [], acl: [], mous: [], termsEpochs: [] };
