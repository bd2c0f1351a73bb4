// How a deviation from the OASIS STIX 2.1 JSON schemas is written and applied (the patches
// themselves are the table in schema-patches.ts). Each patch rewrites the parsed JSON
// before ajv sees it and first checks that the upstream text it replaces is really there,
// so a schema update cannot silently skip a patch: it throws instead.
import { pointer } from '../validation-issue';

/** A parsed JSON schema document (or any object inside one). */
export type SchemaNode = Record<string, unknown>;
export type Segment = string | number;

/**
 * One change inside a schema file. `at` is the path of the member concerned: the value to
 * replace, the key to rename (its parent object plus the key) or the member to add/remove.
 */
export type SchemaEdit =
  | { op: 'replace'; at: Segment[]; upstream: unknown; replacement: unknown }
  | { op: 'rename-key'; at: Segment[]; upstream: string; replacement: string }
  | { op: 'add'; at: Segment[]; replacement: unknown }
  | { op: 'remove'; at: Segment[]; upstream: unknown };

export interface SchemaPatch {
  /** Short kebab-case name; the heading of its section in CHANGES.md. */
  readonly id: string;
  /** File below schemas/stix, e.g. `common/core.json`. */
  readonly file: string;
  readonly description: string;
  /** The specification text that the patched schema follows. */
  readonly spec: string;
  readonly edits: readonly SchemaEdit[];
  apply(schema: SchemaNode): void;
}

export class SchemaPatchError extends Error {
  constructor(patch: string, file: string, detail: string) {
    super(`schema patch ${patch} (${file}): ${detail}; the upstream schema changed, review the patch`);
    this.name = 'SchemaPatchError';
  }
}

function isNode(value: unknown): value is SchemaNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Deep copy, so that a replacement value is never shared between loads. */
function copy<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

function applyEdit(patch: SchemaPatch, schema: SchemaNode, edit: SchemaEdit): void {
  const fail = (detail: string): never => {
    throw new SchemaPatchError(patch.id, patch.file, `${detail} at ${pointer(...edit.at)}`);
  };
  const parentPath = edit.at.slice(0, -1);
  const last = edit.at[edit.at.length - 1];
  let parent: unknown = schema;
  for (const segment of parentPath) {
    parent = isNode(parent) || Array.isArray(parent) ? (parent as Record<string, unknown>)[segment] : undefined;
    if (parent === undefined) fail('path not found');
  }
  if (!isNode(parent) && !Array.isArray(parent)) return fail('parent is not an object or array');
  const container = parent as Record<Segment, unknown>;
  const current = container[last];
  switch (edit.op) {
    case 'replace':
      if (!sameJson(current, edit.upstream)) fail(`expected ${JSON.stringify(edit.upstream)}, found ${JSON.stringify(current)}`);
      container[last] = copy(edit.replacement);
      return;
    case 'remove':
      if (!sameJson(current, edit.upstream)) fail(`expected ${JSON.stringify(edit.upstream)}, found ${JSON.stringify(current)}`);
      delete container[last];
      return;
    case 'add':
      if (current !== undefined) fail(`expected no member, found ${JSON.stringify(current)}`);
      container[last] = copy(edit.replacement);
      return;
    case 'rename-key': {
      // `at` points at the object holding the key; rebuild it so that key order is kept.
      if (!isNode(current)) return fail('expected an object');
      if (!(edit.upstream in current)) fail(`key ${JSON.stringify(edit.upstream)} not found`);
      if (edit.replacement in current) fail(`key ${JSON.stringify(edit.replacement)} already present`);
      const renamed: SchemaNode = {};
      for (const [key, value] of Object.entries(current)) renamed[key === edit.upstream ? edit.replacement : key] = value;
      container[last] = renamed;
      return;
    }
  }
}

export function definePatch(spec: Omit<SchemaPatch, 'apply'>): SchemaPatch {
  const patch: SchemaPatch = {
    ...spec,
    apply(schema: SchemaNode): void {
      for (const edit of spec.edits) applyEdit(patch, schema, edit);
    },
  };
  return patch;
}
