// Applying a decision's transforms (decision.ts Transform) to one object: always a new
// object, the input is never mutated. The output stays a valid STIX object where the
// transforms touch it: no empty lists are left (STIX forbids them), granular marking
// selectors that pointed into removed content are dropped (or renumbered when a list item
// before them was removed), and granular_markings entries left without selectors go.
import type { StixObject } from '../stix/rules/rule';
import type { Transform } from './decision';
import { scanReferences } from './references';

type Json = unknown;
type Mutable = Record<string, Json>;
/** A parsed selector (§7.2.3.1): property names / dictionary keys, and list indexes. */
export type SelectorPath = Array<string | number>;

const INDEX = /^\[(\d+)\]$/;

/** `external_references.[0].url` → ['external_references', 0, 'url']; undefined when malformed. */
export function parseSelector(selector: string): SelectorPath | undefined {
  if (selector.length === 0) return undefined;
  const out: SelectorPath = [];
  for (const component of selector.split('.')) {
    if (component.length === 0) return undefined;
    const index = INDEX.exec(component);
    out.push(index ? Number(index[1]) : component);
  }
  return out;
}

export function formatSelector(path: SelectorPath): string {
  return path.map((component) => (typeof component === 'number' ? `[${component}]` : component)).join('.');
}

function isRecord(value: Json): value is Mutable {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasOwn(holder: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(holder, key);
}

/** The pseudonym identity object that stands for a pseudonymised provider's own identity. */
export function pseudonymIdentity(pseudonym: string, original: StixObject): Mutable {
  const uuid = pseudonym.slice(pseudonym.indexOf('--') + 2).replace(/-/g, '');
  const out: Mutable = { type: 'identity', spec_version: '2.1', id: pseudonym };
  if (original.created !== undefined) out.created = original.created;
  if (original.modified !== undefined) out.modified = original.modified;
  out.name = `Hub member ${uuid.slice(0, 8)}`;
  out.identity_class = 'organization';
  // The original's markings stay: the pseudonym must not travel less restricted than the identity it stands for.
  if (Array.isArray(original.object_marking_refs) && original.object_marking_refs.length > 0) {
    out.object_marking_refs = [...(original.object_marking_refs as unknown[])];
  }
  return out;
}

const REF_PROPERTY = /_refs?$/;

/** Every top-level reference (`*_ref`, `*_refs`) to `from` replaced by `to`. */
function replaceReferences(obj: Mutable, from: string, to: string): void {
  for (const key of Object.keys(obj)) {
    if (!REF_PROPERTY.test(key) || key === 'object_marking_refs') continue;
    const value = obj[key];
    if (value === from) obj[key] = to;
    else if (Array.isArray(value) && value.includes(from)) obj[key] = value.map((id) => (id === from ? to : id));
  }
}

/** Whether `prefix` is `path` or an ancestor of it. */
function startsWith(path: SelectorPath, prefix: SelectorPath): boolean {
  if (path.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (path[i] !== prefix[i]) return false;
  return true;
}

/**
 * After `removed` is taken out of the object: a path inside it → undefined; a path past a
 * removed list item of the same list → its index lowered by one; any other path unchanged.
 */
function remapAfterRemoval(path: SelectorPath, removed: SelectorPath): SelectorPath | undefined {
  if (startsWith(path, removed)) return undefined;
  const last = removed.length - 1;
  const at = removed[last];
  if (typeof at !== 'number' || path.length <= last) return path;
  const index = path[last];
  if (typeof index !== 'number' || index <= at || !startsWith(path, removed.slice(0, last))) return path;
  const out = path.slice();
  out[last] = index - 1;
  return out;
}

/**
 * Removes the content at `path` (a property, a dictionary key or a list item); a list or
 * dictionary left empty by the removal is removed in turn (STIX forbids empty lists; an
 * empty dictionary is as invalid for most STIX dictionaries). Returns the path actually
 * removed (possibly an ancestor), or undefined when nothing was there.
 */
function removeAt(root: Mutable, path: SelectorPath): SelectorPath | undefined {
  const parents: Json[] = [root];
  let current: Json = root;
  for (let depth = 0; depth < path.length - 1; depth++) {
    const component = path[depth];
    if (typeof component === 'number') {
      if (!Array.isArray(current) || component >= current.length) return undefined;
      current = current[component];
    } else {
      if (!isRecord(current) || !hasOwn(current, component)) return undefined;
      current = current[component];
    }
    parents.push(current);
  }
  let depth = path.length - 1;
  let removed: SelectorPath = path;
  for (;;) {
    const holder = parents[depth];
    const component = path[depth];
    if (typeof component === 'number') {
      if (!Array.isArray(holder) || component >= holder.length) return depth === path.length - 1 ? undefined : removed;
      holder.splice(component, 1);
      if (holder.length > 0 || depth === 0) return removed;
    } else {
      if (!isRecord(holder) || !hasOwn(holder, component)) return depth === path.length - 1 ? undefined : removed;
      delete holder[component];
      if (Object.keys(holder).length > 0 || depth === 0) return removed;
    }
    // The holder became empty: remove it from its own holder.
    depth -= 1;
    removed = path.slice(0, depth + 1);
  }
}

/** Removes several parts (selectors in terms of the original object) and fixes granular_markings. */
function removeParts(obj: Mutable, selectors: readonly SelectorPath[]): void {
  let pending = selectors.slice();
  let granular: Array<{ entry: Mutable; paths: Array<SelectorPath | undefined> }> | undefined;
  const rawGranular = obj.granular_markings;
  if (Array.isArray(rawGranular)) {
    granular = rawGranular.filter(isRecord).map((entry) => ({
      entry,
      paths: Array.isArray(entry.selectors)
        ? entry.selectors.map((s) => (typeof s === 'string' ? parseSelector(s) : undefined))
        : [],
    }));
  }
  while (pending.length > 0) {
    const next = pending.shift() as SelectorPath;
    if (next[0] === 'granular_markings') continue;
    const removed = removeAt(obj, next);
    if (removed === undefined) continue;
    pending = pending.map((path) => remapAfterRemoval(path, removed)).filter((path): path is SelectorPath => path !== undefined);
    if (granular) for (const marking of granular) marking.paths = marking.paths.map((path) => (path === undefined ? path : remapAfterRemoval(path, removed)));
  }
  if (granular === undefined || !Array.isArray(obj.granular_markings)) return;
  const kept: Mutable[] = [];
  for (const marking of granular) {
    const original = Array.isArray(marking.entry.selectors) ? marking.entry.selectors : [];
    const selectorsLeft: string[] = [];
    marking.paths.forEach((path, index) => {
      if (path !== undefined) selectorsLeft.push(formatSelector(path));
      else if (parseSelector(String(original[index])) === undefined && typeof original[index] === 'string') selectorsLeft.push(original[index] as string);
    });
    if (selectorsLeft.length > 0) kept.push({ ...marking.entry, selectors: selectorsLeft });
  }
  if (kept.length > 0) obj.granular_markings = kept;
  else delete obj.granular_markings;
}

/** Whether a top-level reference of the object (`created_by_ref`, `*_ref`, `*_refs`) names `id`. */
export function referencesIdentity(obj: StixObject, id: string): boolean {
  for (const key in obj) {
    if (!REF_PROPERTY.test(key) || key === 'object_marking_refs') continue;
    const value = obj[key];
    if (value === id || (Array.isArray(value) && value.includes(id))) return true;
  }
  return false;
}

/**
 * The object as the decision says the reader receives it (a new object; the input is not
 * modified). Attribution transforms apply first; the removals (strip-properties,
 * strip-references, redact-granular, redact-refs) are all expressed in terms of the original
 * object (list indexes included) and applied together, each removal renumbering the ones
 * after it. redact-refs removes the references to its ids left once attribution has
 * replaced the provider's (so a created_by_ref now naming the hub or a pseudonym stays).
 */
export function applyTransforms(object: StixObject, transforms: readonly Transform[]): StixObject {
  const obj = structuredClone(object) as Mutable;
  const removals: SelectorPath[] = [];
  let redacted: Set<string> | undefined;
  for (const transform of transforms) {
    switch (transform.kind) {
      case 'pseudonymise':
        if (object.id === transform.identityRef) return pseudonymIdentity(transform.pseudonym, object);
        replaceReferences(obj, transform.identityRef, transform.pseudonym);
        break;
      case 'attribute-to-hub':
        if (typeof obj.created_by_ref === 'string' && (transform.identityRef === undefined || obj.created_by_ref === transform.identityRef)) {
          obj.created_by_ref = transform.hubIdentity;
        }
        break;
      case 'strip-properties':
        for (const property of transform.properties) removals.push([property]);
        break;
      case 'strip-references':
        for (const index of transform.indexes) removals.push(['external_references', index]);
        break;
      case 'redact-granular':
        for (const selector of transform.selectors) {
          const path = parseSelector(selector);
          if (path !== undefined) removals.push(path);
        }
        break;
      case 'redact-refs':
        redacted ??= new Set();
        for (const id of transform.ids) redacted.add(id);
        break;
    }
  }
  if (redacted !== undefined) {
    // Attribution keeps the object's shape: these paths are the original object's too.
    for (const { path, id } of scanReferences(obj)) if (redacted.has(id)) removals.push([...path]);
  }
  if (removals.length > 0) removeParts(obj, removals);
  return obj;
}
