// The objects a relationship or sighting points at (STIX 2.1 §5.1, §5.2): what relationship
// closure asks the reader to see before it may see the relationship.
import type { StixObject } from '../stix/rules/rule';

export function referencedIds(object: StixObject): string[] {
  const ids: string[] = [];
  const add = (v: unknown) => {
    if (typeof v === 'string') ids.push(v);
    else if (Array.isArray(v)) for (const x of v) if (typeof x === 'string') ids.push(x);
  };
  if (object.type === 'relationship') {
    add(object.source_ref);
    add(object.target_ref);
  } else if (object.type === 'sighting') {
    add(object.sighting_of_ref);
    add(object.observed_data_refs);
    add(object.where_sighted_refs);
  }
  return [...new Set(ids)];
}
