// Base versions — the rows of a collection as its providers published them — as
// distribution reads them, before any reader's transforms.
import type { StixObject } from '../stix/rules/rule';
import type { ObjectStore, StoredVersion } from '../store/store';
import { versionKey } from '../vocabulary/time';
import { everyRow } from './partition-rows';

/** A base version, as distribution needs it. */
export interface BaseVersion {
  id: string;
  type: string;
  version: string;
  versionKey: string;
  specVersion: string;
  provider: string | undefined;
  /** When it was published: its base date_added, in milliseconds. */
  publishedAt: number;
  /** Its base date_added (microseconds). */
  dateAdded: number;
  json: string;
}

/** Per provider (whose MOU embargoes until released), the object ids it released. */
export type ReleasedObjects = ReadonlyMap<string, ReadonlySet<string>>;

export const NO_RELEASES: ReleasedObjects = new Map();

/**
 * Relationships and sightings (STIX 2.1 §5): relationship closure decides them after the
 * objects they reference, so that it sees those objects' decisions.
 */
export const SRO_TYPES: ReadonlySet<string> = new Set(['relationship', 'sighting']);

/** A stored base row as distribution reads it. */
export function toBase(row: StoredVersion): BaseVersion {
  return {
    id: row.id,
    type: row.type,
    version: row.version,
    versionKey: versionKey(row.version) as string,
    specVersion: row.specVersion,
    provider: row.provider,
    publishedAt: Math.floor(row.dateAdded / 1000),
    dateAdded: row.dateAdded,
    json: row.json as string,
  };
}

// Fan-out decides the same version for many readers: it is parsed once.
const parsedVersions = new WeakMap<BaseVersion, StixObject>();

/** The version's object, parsed once however many readers it is decided for. */
export function parsedObject(version: BaseVersion): StixObject {
  let object = parsedVersions.get(version);
  if (object === undefined) {
    object = JSON.parse(version.json) as StixObject;
    parsedVersions.set(version, object);
  }
  return object;
}

/** Ids asked of the store at once (a query's `ids` list). */
const ID_CHUNK = 500;

/** Reads base versions from the base collections. */
export class BaseVersions {
  constructor(private readonly store: ObjectStore) {}

  /** One version of one object, if the collection still holds it. */
  async one(collectionId: string, objectId: string, key: string): Promise<BaseVersion | undefined> {
    const page = await this.store.queryObjects({ partition: collectionId, ids: [objectId], versions: { first: false, last: false, exact: [key] }, limit: 1, withJson: true });
    const row = page.records[0];
    return row ? toBase(row) : undefined;
  }

  /** Every version of these objects in the collection. */
  async among(collectionId: string, objectIds: readonly string[]): Promise<BaseVersion[]> {
    const out: BaseVersion[] = [];
    const ids = [...new Set(objectIds)];
    for (let i = 0; i < ids.length; i += ID_CHUNK) {
      let after: number | undefined;
      for (;;) {
        const page = await this.store.queryObjects({ partition: collectionId, ids: ids.slice(i, i + ID_CHUNK), versions: { all: true }, limit: ID_CHUNK, withJson: true, ...(after !== undefined ? { after } : {}) });
        for (const r of page.records) out.push(toBase(r));
        if (!page.more) break;
        after = page.records[page.records.length - 1]?.dateAdded;
      }
    }
    return out;
  }

  /** A page of versions in date_added order, after `after` (microseconds) when given. */
  async page(collectionId: string, after: number | undefined, limit: number): Promise<BaseVersion[]> {
    const page = await this.store.queryObjects({ partition: collectionId, versions: { all: true }, limit, withJson: true, ...(after !== undefined ? { after } : {}) });
    return page.records.map(toBase);
  }

  /** Every version in the collection, in date_added order. */
  async *all(collectionId: string): AsyncGenerator<BaseVersion> {
    for await (const row of everyRow(this.store, collectionId)) yield toBase(row);
  }
}

/**
 * `versions` reordered so that each comes after the versions (in the list) of the objects it
 * references, otherwise in the given order; a cycle is broken where it is met. Redaction
 * then sees a report's objects decided before the report.
 */
export function referencedFirst(versions: readonly BaseVersion[], refsOf: (version: BaseVersion) => readonly string[]): BaseVersion[] {
  const byId = new Map<string, BaseVersion[]>();
  for (const v of versions) {
    const same = byId.get(v.id);
    if (same === undefined) byId.set(v.id, [v]);
    else same.push(v);
  }
  const out: BaseVersion[] = [];
  const placed = new Set<BaseVersion>();
  const visiting = new Set<BaseVersion>();
  // Iterative depth-first search: a long chain of references must not overflow the stack.
  for (const root of versions) {
    if (placed.has(root)) continue;
    const stack: Array<{ version: BaseVersion; next: BaseVersion[] }> = [];
    const enter = (version: BaseVersion) => {
      visiting.add(version);
      stack.push({ version, next: refsOf(version).flatMap((id) => byId.get(id) ?? []) });
    };
    enter(root);
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { version: BaseVersion; next: BaseVersion[] };
      const dependency = top.next.shift();
      if (dependency === undefined) {
        stack.pop();
        visiting.delete(top.version);
        placed.add(top.version);
        out.push(top.version);
      } else if (!placed.has(dependency) && !visiting.has(dependency)) {
        enter(dependency);
      }
    }
  }
  return out;
}
