// What an object references. Two questions, two answers:
//  - referencedIds: the objects a relationship or sighting points at (STIX 2.1 §5.1, §5.2),
//    what relationship closure asks the reader to see before it may see the relationship;
//  - referencePaths / referencedObjectIds: every object id any object names in a `*_ref` or
//    `*_refs` property, at any depth (custom properties and extensions included), so that
//    no reader is told the id of an object it may not see (SCO ids derive from their
//    values, STIX 2.1 §2.9: a hidden id would confirm a guessed value).
// Marking definitions are left out: every reader may see them (markings.ts), and
// `object_marking_refs` / `granular_markings` are governed by the marking rules.
import type { StixObject } from '../stix/rules/rule';

function addIds(ids: string[], reference: unknown): void {
  if (typeof reference === 'string') ids.push(reference);
  else if (Array.isArray(reference)) for (const id of reference) if (typeof id === 'string') ids.push(id);
}

/** Each id once, in the order the properties name them; none for other types. */
export function referencedIds(object: StixObject): string[] {
  const ids: string[] = [];
  if (object.type === 'relationship') {
    addIds(ids, object.source_ref);
    addIds(ids, object.target_ref);
  } else if (object.type === 'sighting') {
    addIds(ids, object.sighting_of_ref);
    addIds(ids, object.observed_data_refs);
    addIds(ids, object.where_sighted_refs);
  } else {
    return ids;
  }
  return [...new Set(ids)];
}

/** The top-level properties relationship closure governs, by SRO type (referencedIds). */
export const CLOSURE_PROPERTIES: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['relationship', new Set(['source_ref', 'target_ref'])],
  ['sighting', new Set(['sighting_of_ref', 'observed_data_refs', 'where_sighted_refs'])],
]);

/** Where a reference sits: property names / dictionary keys and list indexes, as a granular-marking selector (transforms.ts SelectorPath). */
export interface ReferenceAt {
  path: ReadonlyArray<string | number>;
  id: string;
}

const REF_PROPERTY = /_refs?$/;
/** A STIX identifier (§2.9): `type--UUID`. */
export const STIX_ID = /^[a-z0-9][a-z0-9-]*--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const MARKING_DEFINITION = 'marking-definition--';

function isObjectReference(value: unknown, self: unknown): value is string {
  return typeof value === 'string' && value !== self && STIX_ID.test(value) && !value.startsWith(MARKING_DEFINITION);
}

function walk(value: unknown, path: Array<string | number>, self: unknown, out: ReferenceAt[]): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      if (typeof item === 'object' && item !== null) walk(item, [...path, index], self, out);
    });
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    // Marking references point to marking definitions, which every reader may see.
    if (path.length === 0 && (key === 'object_marking_refs' || key === 'granular_markings')) continue;
    if (REF_PROPERTY.test(key)) {
      if (isObjectReference(inner, self)) {
        out.push({ path: [...path, key], id: inner });
        continue;
      }
      if (Array.isArray(inner)) {
        inner.forEach((item, index) => {
          if (isObjectReference(item, self)) out.push({ path: [...path, key, index], id: item });
          else if (typeof item === 'object' && item !== null) walk(item, [...path, key, index], self, out);
        });
        continue;
      }
    }
    walk(inner, [...path, key], self, out);
  }
}

// Distribution decides the same parsed object for every reader: walked once.
const walked = new WeakMap<StixObject, readonly ReferenceAt[]>();

/**
 * Every reference to another object in `object` (not to itself, not to a marking
 * definition), in property order, with where it is.
 */
export function scanReferences(object: StixObject): ReferenceAt[] {
  const found: ReferenceAt[] = [];
  walk(object, [], object.id, found);
  return found;
}

/** scanReferences, remembered: for objects that are never changed (parsed base versions). */
export function referencePaths(object: StixObject): readonly ReferenceAt[] {
  let out = walked.get(object);
  if (out === undefined) walked.set(object, (out = scanReferences(object)));
  return out;
}

/** Each object id `object` references anywhere (referencePaths), once. */
export function referencedObjectIds(object: StixObject): string[] {
  return [...new Set(referencePaths(object).map((r) => r.id))];
}
