// The objects a relationship or sighting points at (STIX 2.1 §5.1, §5.2): what relationship
// closure asks the reader to see before it may see the relationship.
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
