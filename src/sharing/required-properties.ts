// Which parts of an object a decision may not remove: the properties each STIX 2.1 type
// requires (the OASIS JSON schemas in schemas/stix/, `required` of each type). Redaction
// and strip rules that would take one away withhold the whole object instead.
import type { StixObject } from '../stix/rules/rule';
import type { SelectorPath } from './transforms';

const ALWAYS_REQUIRED: ReadonlySet<string> = new Set(['id', 'type', 'spec_version', 'created', 'modified']);

const REQUIRED: ReadonlyMap<string, readonly string[]> = new Map<string, readonly string[]>([
  ['attack-pattern', ['name']],
  ['campaign', ['name']],
  ['course-of-action', ['name']],
  ['grouping', ['context', 'object_refs']],
  ['identity', ['name']],
  ['incident', ['name']],
  ['indicator', ['pattern', 'pattern_type', 'valid_from']],
  ['infrastructure', ['name']],
  ['intrusion-set', ['name']],
  ['malware-analysis', ['product']],
  ['malware', ['is_family']],
  ['note', ['content', 'object_refs']],
  ['observed-data', ['first_observed', 'last_observed', 'number_observed']],
  ['opinion', ['object_refs', 'opinion']],
  ['report', ['name', 'object_refs', 'published']],
  ['threat-actor', ['name']],
  ['tool', ['name']],
  ['vulnerability', ['name']],
  ['relationship', ['relationship_type', 'source_ref', 'target_ref']],
  ['sighting', ['sighting_of_ref']],
  ['autonomous-system', ['number']],
  ['directory', ['path']],
  ['domain-name', ['value']],
  ['email-addr', ['value']],
  ['ipv4-addr', ['value']],
  ['ipv6-addr', ['value']],
  ['mac-addr', ['value']],
  ['mutex', ['name']],
  ['network-traffic', ['protocols']],
  ['software', ['name']],
  ['url', ['value']],
  ['language-content', ['object_ref', 'contents']],
  ['marking-definition', ['definition_type', 'definition', 'name']],
  ['extension-definition', ['name', 'schema', 'version', 'extension_types']],
]);

/** Schema `anyOf`/`oneOf` groups: at least one of these must remain. */
const AT_LEAST_ONE: ReadonlyMap<string, ReadonlyArray<readonly string[]>> = new Map([
  ['observed-data', [['objects', 'object_refs']]],
  ['malware-analysis', [['result', 'analysis_sco_refs']]],
  ['file', [['hashes', 'name']]],
  ['network-traffic', [['src_ref', 'dst_ref']]],
]);

/** Required properties of the items of common lists (external-reference, kill-chain-phase). */
const REQUIRED_IN_ITEMS: ReadonlyMap<string, readonly string[]> = new Map([
  ['external_references', ['source_name']],
  ['kill_chain_phases', ['kill_chain_name', 'phase_name']],
  ['granular_markings', ['selectors']],
]);

function isRequired(object: StixObject, property: string): boolean {
  if (ALWAYS_REQUIRED.has(property)) return true;
  const type = object.type as string;
  if (REQUIRED.get(type)?.includes(property)) return true;
  return type === 'malware' && property === 'name' && object.is_family === true;
}

/** Why removing these parts would leave an invalid object (a required part), or undefined. */
export function requiredPartProblem(object: StixObject, paths: readonly SelectorPath[]): string | undefined {
  const removedProperties = new Set<string>();
  const removedItemsByList = new Map<string, Set<number>>();
  for (const path of paths) {
    const property = path[0];
    if (typeof property !== 'string') continue;
    if (path.length === 1) {
      if (isRequired(object, property)) return `${property} is required for ${String(object.type)}`;
      removedProperties.add(property);
      continue;
    }
    const index = path[1];
    if (path.length === 2 && typeof index === 'number') {
      let removedItems = removedItemsByList.get(property);
      if (removedItems === undefined) removedItemsByList.set(property, (removedItems = new Set()));
      removedItems.add(index);
      continue;
    }
    const itemProperty = path[2];
    if (path.length === 3 && typeof index === 'number' && typeof itemProperty === 'string') {
      if (REQUIRED_IN_ITEMS.get(property)?.includes(itemProperty)) return `${itemProperty} is required in each entry of ${property}`;
    }
  }
  for (const [property, removedItems] of removedItemsByList) {
    const list = object[property];
    if (Array.isArray(list) && isRequired(object, property) && removedItems.size >= list.length) {
      return `${property} is required for ${String(object.type)} and would be left empty`;
    }
    if (Array.isArray(list) && removedItems.size >= list.length) removedProperties.add(property);
  }
  for (const group of AT_LEAST_ONE.get(object.type as string) ?? []) {
    const present = group.filter((property) => object[property] !== undefined);
    if (present.length > 0 && present.every((property) => removedProperties.has(property))) {
      return `${String(object.type)} requires one of ${group.join(', ')}`;
    }
  }
  return undefined;
}
