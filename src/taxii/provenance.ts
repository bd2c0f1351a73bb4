// Provenance between members sharing a collection: who may add a version of an
// object, who may delete one, and what a duplicate tells the poster. Decided here, for the
// publish path (publish-objects.ts) and the delete path (taxii-service.ts), from the store.
//
// - STIX 2.1 §3.6: only the object's creator may create a new version. In the hub the
//   creator of an object in a collection is the member that first published it there (its
//   provider), or the member whose identity every earlier version names in created_by_ref
//   (another member relayed it). Admins may version anything.
// - A duplicate is judged within what the poster may see: "already in the collection"
//   must never tell a member that an object it cannot see is there. Unversioned objects
//   (SCOs, whose ids anyone can compute) are therefore never refused or reported as
//   duplicates of a hidden copy: the poster's copy is stored as its own version (the store
//   tells unversioned copies apart by provider). Versioned objects have random ids
//   (§2.9: UUIDv4 SHOULD be used); a member that already knows the id of an object another
//   member published is refused a version of it, hidden or not, with the same reason
//   (unless it posts that version's exact content: then it is the duplicate it is).
// - Deleting (TAXII 2.1 §5.7) is for the versions the member published; admins may
//   delete any.
import { isDeepStrictEqual } from 'node:util';
import type { Principal } from '../access/principal';
import type { NewObjectVersion, ObjectStore, StoredVersion, VersionSelector } from '../store/store';
import { versionKey } from '../vocabulary/time';

export type ProvenanceVerdict =
  | { kind: 'store' }
  | { kind: 'duplicate'; version: string }
  | { kind: 'refuse'; message: string };

/** What provenance needs of a candidate of a publish (publish-objects.ts Candidate). */
export interface PublishCandidate {
  /** The version as the store would hold it; its `version` is undefined for unversioned objects. */
  readonly newVersion: Pick<NewObjectVersion, 'id' | 'version' | 'versionKey' | 'json'>;
  /** The object's created_by_ref, when it is a string. */
  readonly createdByRef?: string;
}

const ALL: VersionSelector = { all: true };
const STORE: ProvenanceVerdict = { kind: 'store' };

interface Poster {
  principal: Principal;
  /** The member's STIX identity (its MOU's identity_ref), if it has one. */
  identityRef: string | undefined;
  /** Where the poster's reads are served from: the collection itself for admins, else its view. */
  partition: string;
}

/**
 * One verdict per candidate, in order. The usual case (no candidate is in the collection
 * yet) costs one indexed query; the rest only for objects already there.
 */
export async function judgePublish(store: ObjectStore, collectionId: string, poster: Poster, candidates: readonly PublishCandidate[]): Promise<ProvenanceVerdict[]> {
  if (candidates.length === 0) return [];
  const present = await store.presentAmong(collectionId, [...new Set(candidates.map((candidate) => candidate.newVersion.id))]);
  if (present.size === 0) return candidates.map(() => STORE);
  const ids = [...present];
  const base = byId(await allVersions(store, collectionId, ids, { withJson: false }));
  const visible = poster.principal.admin ? base : byId(await allVersions(store, poster.partition, ids, { withJson: false }));
  // created_by_ref of other providers' versions, read only when a poster claims to be the creator.
  let creators: Map<string, Set<string | undefined>> | undefined;
  const verdicts: ProvenanceVerdict[] = [];
  for (const candidate of candidates) {
    const offered = candidate.newVersion;
    const seen = visible.get(offered.id);
    if (offered.version === undefined) {
      // A copy the poster can see is the duplicate; a hidden one is not (see above).
      verdicts.push(seen && seen.length > 0 ? { kind: 'duplicate', version: (seen[0] as StoredVersion).version } : STORE);
      continue;
    }
    const same = seen?.find((row) => versionKey(row.version) === offered.versionKey);
    if (same) {
      verdicts.push({ kind: 'duplicate', version: same.version });
      continue;
    }
    const others = (base.get(offered.id) ?? []).filter((row) => row.provider !== poster.principal.id);
    if (poster.principal.admin || others.length === 0) {
      verdicts.push(STORE);
      continue;
    }
    const taken = others.find((row) => versionKey(row.version) === offered.versionKey);
    if (taken && (await sameContent(store, collectionId, offered, taken))) {
      // The very object, hidden from the poster: only a holder of its exact content (a
      // well-known marking definition, a relayed report) can get here, and learns nothing new.
      verdicts.push({ kind: 'duplicate', version: taken.version });
      continue;
    }
    if (poster.identityRef !== undefined && candidate.createdByRef === poster.identityRef) {
      creators ??= await createdByOf(store, collectionId, ids, poster.principal.id);
      const named = creators.get(offered.id);
      if (named && named.size === 1 && named.has(poster.identityRef)) {
        verdicts.push(STORE);
        continue;
      }
    }
    verdicts.push({
      kind: 'refuse',
      message:
        `${offered.id}: another member published this object in this collection, and only an object's creator may add versions of it ` +
        '(STIX 2.1 §3.6). Publish your own object (a new id), or a sighting, opinion or note that refers to it.',
    });
  }
  return verdicts;
}

/**
 * The refusal for a delete that selects versions the principal did not publish, or
 * undefined when it may delete them all (admins always may).
 */
export async function deleteRefusal(store: ObjectStore, collectionId: string, principal: Principal, objectId: string, versionKeys: string[]): Promise<string | undefined> {
  if (principal.admin || versionKeys.length === 0) return undefined;
  const foreign = (await allVersions(store, collectionId, [objectId], { withJson: false, versionKeys })).filter((row) => row.provider !== principal.id);
  if (foreign.length === 0) return undefined;
  return (
    `You may delete only the versions your organisation published: ${foreign.length} of the ${versionKeys.length} version(s) selected ` +
    `were published by another member or by the hub. Nothing was deleted. Select your own versions with match[version] ` +
    `(see the object's versions), or ask the hub's admins.`
  );
}

/** Every stored version of these objects in a partition (or only the given version keys), oldest addition first, all pages. */
async function allVersions(
  store: ObjectStore,
  partition: string,
  ids: string[],
  { withJson, versionKeys }: { withJson: boolean; versionKeys?: string[] },
): Promise<StoredVersion[]> {
  return storedVersions(store, partition, ids, versionKeys ? { first: false, last: false, exact: versionKeys } : ALL, { withJson });
}

/** Every version a selector picks of these objects in a partition, oldest addition first, all pages. */
export async function storedVersions(
  store: ObjectStore,
  partition: string,
  ids: string[],
  versions: VersionSelector,
  { withJson, specVersions }: { withJson: boolean; specVersions?: string[] | undefined },
): Promise<StoredVersion[]> {
  const out: StoredVersion[] = [];
  let after: number | undefined;
  for (;;) {
    const page = await store.queryObjects({
      partition,
      ids,
      versions,
      limit: 1000,
      withJson,
      ...(specVersions ? { specVersions } : {}),
      ...(after !== undefined ? { after } : {}),
    });
    out.push(...page.records);
    if (!page.more) return out;
    after = page.records[page.records.length - 1]?.dateAdded;
  }
}

function byId(records: StoredVersion[]): Map<string, StoredVersion[]> {
  const map = new Map<string, StoredVersion[]>();
  for (const row of records) {
    let list = map.get(row.id);
    if (!list) map.set(row.id, (list = []));
    list.push(row);
  }
  return map;
}

/** Whether an offered version is the stored version exactly (as JSON values: key order and spacing aside). */
async function sameContent(store: ObjectStore, collectionId: string, offered: PublishCandidate['newVersion'], stored: StoredVersion): Promise<boolean> {
  const [row] = await allVersions(store, collectionId, [offered.id], { withJson: true, versionKeys: [versionKey(stored.version) as string] });
  return row?.json !== undefined && isDeepStrictEqual(JSON.parse(row.json), JSON.parse(offered.json));
}

/** Per object, the created_by_ref values of the versions published by others than `provider`. */
async function createdByOf(store: ObjectStore, collectionId: string, ids: string[], provider: string): Promise<Map<string, Set<string | undefined>>> {
  const map = new Map<string, Set<string | undefined>>();
  for (const row of await allVersions(store, collectionId, ids, { withJson: true })) {
    if (row.provider === provider || row.json === undefined) continue;
    let named = map.get(row.id);
    if (!named) map.set(row.id, (named = new Set()));
    const ref = (JSON.parse(row.json) as { created_by_ref?: unknown }).created_by_ref;
    named.add(typeof ref === 'string' ? ref : undefined);
  }
  return map;
}
