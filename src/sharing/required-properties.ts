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
  // created_by_ref: required by the prose of STIX 2.1 §7.3, though not by the schema.
  ['extension-definition', ['created_by_ref', 'name', 'schema', 'version', 'extension_types']],
]);

/** Schema `anyOf`/`oneOf` groups: at least one of these must remain. */
const AT_LEAST_ONE: ReadonlyMap<string, ReadonlyArray<readonly string[]>> = new Map([
  ['observed-data', [['objects', 'object_refs']]],
  ['malware-analysis', [['result', 'analysis_sco_refs']]],
  ['file', [['hashes', 'name']]],
  ['network-traffic', [['src_ref', 'dst_ref']]],
  // An SCO of these types must keep at least one property of its own (schema `anyOf`).
  [
    'process',
    [['extensions', 'is_hidden', 'pid', 'name', 'created', 'cwd', 'arguments', 'command_line', 'environment_variables', 'opened_connection_refs', 'creator_user_ref', 'image_ref', 'parent_ref', 'child_refs']],
  ],
  ['windows-registry-key', [['key', 'values', 'modified', 'creator_user_ref', 'number_of_subkeys']]],
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

/** Whether `path` lies in `list` (a property path) or an item of it. */
function inList(path: readonly SelectorPath[number][], list: readonly string[]): boolean {
  if (path.length < list.length) return false;
  for (let i = 0; i < list.length; i++) if (path[i] !== list[i]) return false;
  return true;
}

/**
 * requiredPartProblem, plus the nested references the schemas require: an archive's
 * `contains_refs` (file archive-ext), a non-text MIME part's `body_raw_ref` (email-message
 * body_multipart) and a Windows service's properties (process windows-service-ext).
 */
export function requiredReferenceProblem(object: StixObject, paths: readonly SelectorPath[]): string | undefined {
  const problem = requiredPartProblem(object, paths);
  if (problem !== undefined) return problem;
  const archive = ['extensions', 'archive-ext', 'contains_refs'];
  const contains = (object.extensions as Record<string, Record<string, unknown>> | undefined)?.['archive-ext']?.contains_refs;
  if (Array.isArray(contains)) {
    const removed = new Set(paths.filter((p) => inList(p, archive)).map((p) => (p.length === archive.length ? -1 : p[archive.length])));
    if (removed.has(-1) || (contains.length > 0 && removed.size >= contains.length)) return 'contains_refs is required in the archive-ext extension of a file';
  }
  const parts = object.body_multipart;
  for (const path of paths) {
    if (path.length === 3 && path[0] === 'body_multipart' && typeof path[1] === 'number' && path[2] === 'body_raw_ref' && Array.isArray(parts)) {
      const part = parts[path[1]] as Record<string, unknown> | undefined;
      if (part !== undefined && part.body === undefined) return 'body_raw_ref is required in a MIME part without body';
    }
  }
  const service = (object.extensions as Record<string, Record<string, unknown>> | undefined)?.['windows-service-ext'];
  if (service !== undefined && typeof service === 'object') {
    const at = ['extensions', 'windows-service-ext'];
    const gone = new Set(paths.filter((p) => inList(p, at) && p.length === 3).map((p) => p[2]));
    const dlls = service.service_dll_refs;
    const dllItems = paths.filter((p) => inList(p, [...at, 'service_dll_refs']) && p.length === 4).length;
    if (Array.isArray(dlls) && dlls.length > 0 && dllItems >= dlls.length) gone.add('service_dll_refs');
    if (Object.keys(service).every((key) => gone.has(key))) return 'a windows-service-ext extension must keep one of its properties';
  }
  return undefined;
}
