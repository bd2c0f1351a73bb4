// Audience classes: members whose distribution decisions are the same share stored views.
// A member's class is a digest of everything about the member that a sharing decision
// reads (decide.ts): its receiving terms, its groups, the collections it reads, and — only
// when a decision can tell it apart from its peers — its id: a member that may write
// (it sees its own objects as published) or that an agreement names one by one
// (`member:<id>`). Everything else a decision reads (the providers' terms and records,
// the marking definitions) is the same for every reader, so members of one class are
// decided alike, and a publish is decided and written once per class, not per member.
// Providers' terms enter every id through the hub's terms epoch (provider-terms.ts).
//
// The class is derived from the directory alone: every process computes the same one, and
// a change that moves a member to another class moves its reads there with the same
// directory revision (see sharing/rematerialisation.ts for what the move writes).
import crypto from 'node:crypto';
import { defaultMou } from '../directory/mou';
import type { MemberRecord } from '../directory/records';
import type { DirectorySnapshot } from './directory-snapshot';
import { termsEpoch } from './provider-terms';
import { canonical } from '../vocabulary/canonical';

/** One audience class: its id and members (sorted by id), and the collections they read. */
export interface AudienceClass {
  id: string;
  members: MemberRecord[];
  /** Non-feed collections its members may read. */
  collections: ReadonlySet<string>;
}

export class AudienceClasses {
  private readonly byMember = new Map<string, AudienceClass>();
  private readonly byId = new Map<string, AudienceClass>();
  private readonly byCollection = new Map<string, AudienceClass[]>();

  constructor(snapshot: DirectorySnapshot) {
    const named = namedMembers(snapshot);
    const members = [...snapshot.members.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const member of members) {
      const profile = profileOf(snapshot, member, named);
      if (profile === undefined) continue;
      let cls = this.byId.get(profile.id);
      if (cls === undefined) {
        cls = { id: profile.id, members: [], collections: profile.readable };
        this.byId.set(cls.id, cls);
        for (const c of profile.readable) {
          let list = this.byCollection.get(c);
          if (list === undefined) this.byCollection.set(c, (list = []));
          list.push(cls);
        }
      }
      cls.members.push(member);
      this.byMember.set(member.id, cls);
    }
  }

  /** The class of a member that reads at least one collection, else undefined. */
  of(memberId: string): AudienceClass | undefined {
    return this.byMember.get(memberId);
  }

  byClassId(classId: string): AudienceClass | undefined {
    return this.byId.get(classId);
  }

  /** The classes whose members read this collection. */
  readersOf(collectionId: string): readonly AudienceClass[] {
    return this.byCollection.get(collectionId) ?? [];
  }

  all(): IterableIterator<AudienceClass> {
    return this.byId.values();
  }
}

/**
 * The member a class's decisions are made for. A class of one: that member. A class of
 * several: the first, under the class's id, so that no rule about one member applies to
 * all (a provider sees its own objects as published; a member that published before it
 * lost write access shares a class, and its classmates must not see its objects as it does).
 */
export function representative(cls: AudienceClass): MemberRecord {
  const first = cls.members[0] as MemberRecord;
  return cls.members.length === 1 ? first : { ...first, id: cls.id, name: cls.id };
}

// Computed once per directory snapshot: reads resolve a member's class on every request.
const cache = new WeakMap<DirectorySnapshot, AudienceClasses>();

export function audienceClasses(snapshot: DirectorySnapshot): AudienceClasses {
  let classes = cache.get(snapshot);
  if (classes === undefined) cache.set(snapshot, (classes = new AudienceClasses(snapshot)));
  return classes;
}

/** Members an agreement names one by one, in a provider's audiences or exceptions. */
function namedMembers(snapshot: DirectorySnapshot): Set<string> {
  const named = new Set<string>();
  for (const mou of snapshot.mous.values()) {
    for (const clause of mou.provide.audiences) {
      for (const audience of [...clause.to, ...(clause.except ?? [])]) if (audience.startsWith('member:')) named.add(audience.slice(7));
    }
  }
  return named;
}

function profileOf(snapshot: DirectorySnapshot, member: MemberRecord, named: ReadonlySet<string>): { id: string; readable: Set<string> } | undefined {
  // Suspended members too: their views stay current, so that they miss nothing when resumed.
  const access = snapshot.accessOf(member.id, 'publisher', { evenIfSuspended: true });
  const readable = new Set<string>();
  let writes = false;
  for (const [collectionId, a] of access) {
    if (snapshot.isFeed(collectionId)) continue;
    if (a === 'r' || a === 'rw') readable.add(collectionId);
    if (a === 'w' || a === 'rw') writes = true;
  }
  if (readable.size === 0) return undefined;
  if (snapshot.ownsCollection(member.id)) writes = true;
  const receive = (snapshot.mous.get(member.id) ?? defaultMou(member.id)).receive;
  const epoch = termsEpoch(snapshot.data);
  const profile = JSON.stringify([
    canonical(receive),
    [...member.groups].sort(),
    [...readable].sort(),
    writes || named.has(member.id) ? member.id : null,
    // Providers' terms, through their epoch; left out at 0, so that ids made before there was one stay.
    ...(epoch > 0 ? [epoch] : []),
  ]);
  return { id: `@${crypto.createHash('sha256').update(profile).digest('base64url').slice(0, 22)}`, readable };
}
