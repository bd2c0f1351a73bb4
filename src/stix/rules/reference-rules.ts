// Embedded relationships (STIX 2.1 §3.3): every `*_ref` / `*_refs` property holds a valid
// identifier (§2.9) of a type the specification allows for that property (tables in
// reference-types.ts), wherever it appears: top level, granular markings, predefined
// extensions, sub-objects such as email MIME parts, and properties outside the
// specification (custom properties, extension-definition extensions), whose names ending in
// `_ref` / `_refs` mark them as embedded relationships (§3.1) and which therefore must hold
// identifiers of any type.
//
// The deprecated observable container (observed-data `objects`, §2.13) is the one place
// where references are not identifiers but keys of the container; a separate rule checks
// those.
//
// Both rules stand in for common/identifier.json (patch identifier-syntax-by-rules), so they
// run under every policy; under the permissive policy they check only the identifier syntax
// of the references the schemas checked upstream.
import { pointerSegment as seg } from '../validation-issue';
import { isPlainObject } from './spec-properties';
import type { Reporter, RuleContext, StixObject, StixRule } from './rule';
import {
  CUSTOM_OBJECT_SHAPE,
  CUSTOM_SCO_SHAPE,
  EXTENSION_SHAPES,
  GENERIC_SHAPE,
  GLOBAL_REFS,
  OBJECT_SHAPES,
  STIX_SCO_TYPES,
  TARGETS,
  acceptsIdentifier,
  identifierProblem,
  identifierType,
  isReferenceName,
  isStixType,
  parseIdentifier,
  quote,
  targetAccepts,
  type RefProperty,
  type RefShape,
} from './reference-types';

const IDENTIFIER_SOURCE = 'STIX 2.1 §2.9';
const LIST_SOURCE = 'STIX 2.1 §2.12';
const NAMING_SOURCE = 'STIX 2.1 §3.1';
const CONTAINER_SOURCE = 'STIX 2.1 §2.13';

/** Nesting beyond this is not walked (no STIX layout comes close; keeps the stack bounded). */
const MAX_DEPTH = 64;

/** Properties outside the specification whose name ends in `_ref` / `_refs` (§3.1). */
const CUSTOM_REF: RefProperty = { target: TARGETS.anyIdentifier, list: false, source: NAMING_SOURCE, upstream: false };
const CUSTOM_REFS: RefProperty = { target: TARGETS.anyIdentifier, list: true, source: NAMING_SOURCE, upstream: false };


const hasOwn = Object.prototype.hasOwnProperty;

function customRef(key: string): RefProperty {
  return key.endsWith('_refs') ? CUSTOM_REFS : CUSTOM_REF;
}

/**
 * Walks one object. `container` is set when walking an object inside an observable
 * container: its references (other than the common ones) are keys of that container.
 * `upstreamOnly` (the permissive policy) checks only what the OASIS schemas check upstream:
 * the identifier syntax of the properties flagged `upstream`, not their target types.
 */
class ReferenceWalker {
  constructor(
    private readonly report: Reporter,
    private readonly container: Readonly<Record<string, unknown>> | undefined,
    private readonly upstreamOnly: boolean,
  ) {}

  /** `level`: a STIX Object itself (`object`: its extensions are walked by their own shapes) or a value inside one. */
  walkObject(obj: Readonly<Record<string, unknown>>, shape: RefShape, path: string, depth: number, level: 'object' | 'nested'): void {
    if (depth > MAX_DEPTH) return;
    for (const key in obj) {
      const value = obj[key];
      const property = shape.refs.get(key);
      if (property !== undefined) {
        if (!this.upstreamOnly || property.upstream) this.checkProperty(value, property, path, key);
        continue;
      }
      if (typeof value !== 'object' || value === null) {
        // No sub-object to walk: only a name outside the specification can make it a reference.
        if (!this.upstreamOnly && isReferenceName(key)) this.checkProperty(value, customRef(key), path, key);
        continue;
      }
      if (shape.opaque.has(key)) continue;
      // Upstream, only the granular markings below the top level hold checked references.
      if (this.upstreamOnly && key !== 'granular_markings') continue;
      if (level === 'object' && key === 'extensions') {
        if (isPlainObject(value)) this.walkExtensions(value, `${path}/extensions`, depth + 1);
        continue;
      }
      const nested = shape.nested.get(key);
      if (nested !== undefined) {
        this.walkValue(value, nested, `${path}/${seg(key)}`, depth + 1);
        continue;
      }
      if (isReferenceName(key)) {
        this.checkProperty(value, customRef(key), path, key);
        continue;
      }
      // Any other structured value (a sub-object without references of its own, or a custom
      // property) may hold `_ref` properties further down.
      this.walkValue(value, GENERIC_SHAPE, `${path}/${seg(key)}`, depth + 1);
    }
  }

  private walkValue(value: unknown, shape: RefShape, path: string, depth: number): void {
    if (depth > MAX_DEPTH) return;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (typeof item === 'object' && item !== null) this.walkValue(item, shape, `${path}/${i}`, depth + 1);
      }
    } else if (isPlainObject(value)) {
      this.walkObject(value, shape, path, depth, 'nested');
    }
  }

  private walkExtensions(extensions: Readonly<Record<string, unknown>>, path: string, depth: number): void {
    for (const name in extensions) {
      const content = extensions[name];
      if (!isPlainObject(content)) continue;
      this.walkObject(content, EXTENSION_SHAPES.get(name) ?? GENERIC_SHAPE, `${path}/${seg(name)}`, depth + 1, 'nested');
    }
  }

  /** Checks `parent/key`; pointers are only built when there is something to report. */
  private checkProperty(value: unknown, property: RefProperty, parent: string, key: string): void {
    if (property.list) {
      if (!Array.isArray(value)) {
        this.report.error(`${parent}/${seg(key)}`, `must be a list of identifiers, not ${quote(value)}`, property.source);
        return;
      }
      if (value.length === 0) {
        this.report.error(`${parent}/${seg(key)}`, 'must not be an empty list; omit the property instead', LIST_SOURCE);
        return;
      }
      for (let i = 0; i < value.length; i++) this.checkOne(value[i], property, parent, key, i);
    } else {
      if (Array.isArray(value)) {
        this.report.error(`${parent}/${seg(key)}`, 'must be a single identifier, not a list', property.source);
        return;
      }
      this.checkOne(value, property, parent, key, -1);
    }
  }

  /** `index` ≥ 0: an item of the list `parent/key`. */
  private checkOne(value: unknown, property: RefProperty, parent: string, key: string, index: number): void {
    if (typeof value === 'string' && (this.container === undefined || GLOBAL_REFS.has(property))) {
      const id = parseIdentifier(value);
      if (id !== undefined && (this.upstreamOnly || acceptsIdentifier(property.target, id))) return;
    }
    const path = index < 0 ? `${parent}/${seg(key)}` : `${parent}/${seg(key)}/${index}`;
    if (this.container !== undefined && !GLOBAL_REFS.has(property)) {
      this.checkLocal(value, property, path, this.container);
      return;
    }
    if (typeof value !== 'string') {
      this.report.error(path, `must be an identifier <type>--<UUID>, not ${quote(value)}`, IDENTIFIER_SOURCE);
      return;
    }
    const type = identifierType(value);
    if (type === undefined) {
      this.report.error(path, identifierProblem(value), IDENTIFIER_SOURCE);
      return;
    }
    if (!targetAccepts(property.target, type)) {
      this.report.error(path, `must reference ${property.target.description}, not ${value}`, property.source);
    }
  }

  private checkLocal(
    value: unknown,
    property: RefProperty,
    path: string,
    container: Readonly<Record<string, unknown>>,
  ): void {
    if (typeof value !== 'string') {
      this.report.error(path, `must be the key of an object in the same observable container, not ${quote(value)}`, CONTAINER_SOURCE);
      return;
    }
    if (!hasOwn.call(container, value)) {
      this.report.error(
        path,
        `must be the key of an object in the same observable container (/objects), but there is no object ${quote(value)}`,
        CONTAINER_SOURCE,
      );
      return;
    }
    const target = container[value];
    const type = isPlainObject(target) ? target.type : undefined;
    if (typeof type === 'string' && !targetAccepts(property.target, type)) {
      this.report.error(path, `must reference ${property.target.description}, not the ${type} object ${quote(value)}`, property.source);
    }
  }
}

/**
 * The reference layout of an object. A custom object is SDO-shaped when it carries
 * created/modified, as the schemas choose core.json or cyber-observable-core.json for it;
 * inside an observable container it is always an SCO.
 */
/** `where`: a top-level object, or one in an observed-data container (always an SCO there). */
function shapeOf(obj: Readonly<Record<string, unknown>>, where: 'top-level' | 'in-container' = 'top-level'): RefShape {
  const known = typeof obj.type === 'string' ? OBJECT_SHAPES.get(obj.type) : undefined;
  if (known !== undefined) return known;
  return where === 'top-level' && ('created' in obj || 'modified' in obj) ? CUSTOM_OBJECT_SHAPE : CUSTOM_SCO_SHAPE;
}

/** §3.2: a marking definition's markings must not reference the marking definition itself. */
function checkMarkingSelfReference(obj: StixObject, report: Reporter): void {
  const id = obj.id;
  if (typeof id !== 'string') return;
  const message = 'must not reference the marking definition itself (no circular references)';
  const refs = obj.object_marking_refs;
  if (Array.isArray(refs)) {
    for (let i = 0; i < refs.length; i++) if (refs[i] === id) report.error(`/object_marking_refs/${i}`, message, 'STIX 2.1 §3.2');
  }
  const granular = obj.granular_markings;
  if (Array.isArray(granular)) {
    for (let i = 0; i < granular.length; i++) {
      const g: unknown = granular[i];
      if (isPlainObject(g) && g.marking_ref === id) report.error(`/granular_markings/${i}/marking_ref`, message, 'STIX 2.1 §3.2');
    }
  }
}

/** §4.14.1: observed-data `object_refs` "MUST contain at least one SCO reference if defined". */
function checkObservedDataHasSco(obj: StixObject, report: Reporter): void {
  const refs = obj.object_refs;
  if (!Array.isArray(refs) || refs.length === 0) return;
  let sawValid = false;
  for (const r of refs) {
    if (typeof r !== 'string') continue;
    const type = identifierType(r);
    if (type === undefined) continue;
    sawValid = true;
    // A type outside the specification may be a custom SCO.
    if (STIX_SCO_TYPES.has(type) || !isStixType(type)) return;
  }
  if (sawValid) report.error('/object_refs', 'must contain at least one SCO reference', 'STIX 2.1 §4.14.1');
}

/**
 * Tier `schema`: the identifier syntax of references is what common/identifier.json checks
 * upstream (patch identifier-syntax-by-rules); the permissive policy checks only that.
 */
export const embeddedReferencesRule: StixRule = {
  name: 'embedded-references',
  tier: 'schema',
  check(obj: StixObject, ctx: RuleContext, report: Reporter): void {
    const upstreamOnly = ctx.permissive === true;
    new ReferenceWalker(report, undefined, upstreamOnly).walkObject(obj, shapeOf(obj), '', 0, 'object');
    if (upstreamOnly) return;
    if (obj.type === 'marking-definition') checkMarkingSelfReference(obj, report);
    else if (obj.type === 'observed-data') checkObservedDataHasSco(obj, report);
  },
};

/** Tier `schema` for the common references of the container's objects (see embeddedReferencesRule). */
export const observableContainerReferencesRule: StixRule = {
  name: 'observable-container-references',
  tier: 'schema',
  check(obj: StixObject, ctx: RuleContext, report: Reporter): void {
    if (obj.type !== 'observed-data') return;
    const objects = obj.objects;
    if (!isPlainObject(objects)) return;
    const walker = new ReferenceWalker(report, objects, ctx.permissive === true);
    for (const key in objects) {
      const entry = objects[key];
      if (!isPlainObject(entry)) continue;
      walker.walkObject(entry, shapeOf(entry, 'in-container'), `/objects/${seg(key)}`, 1, 'object');
    }
  },
};

export const referenceRules: readonly StixRule[] = [embeddedReferencesRule, observableContainerReferencesRule];
