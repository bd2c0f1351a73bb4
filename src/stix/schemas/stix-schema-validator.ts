// Validates one STIX object against the OASIS STIX 2.1 JSON schema of its type (patched at
// load time, see schema-patches.ts), and turns ajv's errors into a few issues a publisher
// can act on. The envelope (bundle, TAXII envelope) is validated elsewhere: common/bundle.json
// is not used, its oneOf refuses every bundle holding a custom SDO.
import fs from 'node:fs';
import path from 'node:path';
import { domainToASCII } from 'node:url';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { pointer, type ValidationIssue } from '../validation-issue';
import type { SchemaNode, SchemaPatch } from './schema-patch';
import { applySchemaPatches, SCHEMA_PATCHES } from './schema-patches';

const FOLDERS = ['common', 'sdos', 'sros', 'observables'] as const;
/** Neither loaded nor compiled: see the header comment and schemas/stix/CHANGES.md. */
const NOT_USED = new Set(['common/bundle.json']);
/** Object types whose schema lives in common/. */
const COMMON_TYPES = ['marking-definition', 'language-content', 'extension-definition'];
const CUSTOM_SDO_SCHEMA = 'common/core.json';
const CUSTOM_SCO_SCHEMA = 'common/cyber-observable-core.json';

/** Where a schema object sits: its file below schemas/stix, the file's `$id`, a JSON pointer. */
interface SchemaLocation {
  file: string;
  id: string;
  pointer: string;
}

export interface SchemaPattern {
  file: string;
  /** JSON pointer to the `pattern` value, or to the `patternProperties` member whose key is the pattern. */
  pointer: string;
  pattern: string;
}

interface TypeSchema {
  file: string;
  validate: ValidateFunction;
}

/**
 * The schema folder of the repository: `<repo>/schemas/stix`. This file runs as
 * src/stix/schemas/*.ts (ts-jest, ts-node) and as dist/src/stix/schemas/*.js (after tsc),
 * one level deeper.
 */
function defaultSchemaDir(): string {
  const candidates = [path.resolve(__dirname, '../../../schemas/stix'), path.resolve(__dirname, '../../../../schemas/stix')];
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'common', 'core.json'))) ?? candidates[0];
}

function isNode(value: unknown): value is SchemaNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const HOSTNAME =
  /^(?=.{1,253}\.?$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

/**
 * `idn-hostname` (RFC 5890, as domain-name.json asks): the A-label form must be an RFC 1034
 * host name. A valid name has at most 253 ASCII characters, so its Unicode form stays far
 * below 1,024 UTF-16 units; longer input is refused before any conversion.
 */
export function isIdnHostname(value: string): boolean {
  if (value.length > 1024) return false;
  // eslint-disable-next-line no-control-regex
  const ascii = /^[\x00-\x7f]*$/.test(value) ? value : domainToASCII(value);
  return ascii !== '' && HOSTNAME.test(ascii);
}

function readSchemas(schemaDir: string): Map<string, SchemaNode> {
  const files = new Map<string, SchemaNode>();
  for (const folder of FOLDERS) {
    for (const name of fs.readdirSync(path.join(schemaDir, folder)).sort()) {
      const file = `${folder}/${name}`;
      if (!name.endsWith('.json') || NOT_USED.has(file)) continue;
      const parsed: unknown = JSON.parse(fs.readFileSync(path.join(schemaDir, folder, name), 'utf8'));
      if (!isNode(parsed) || typeof parsed.$id !== 'string') throw new Error(`${file}: not a JSON schema with an $id`);
      files.set(file, parsed);
    }
  }
  return files;
}

/** Calls `visit` for every object in the document with its JSON pointer. */
function walkObjects(node: unknown, at: string, visit: (obj: SchemaNode, at: string) => void): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => walkObjects(item, `${at}/${i}`, visit));
  } else if (isNode(node)) {
    visit(node, at);
    for (const [key, value] of Object.entries(node)) walkObjects(value, `${at}${pointer(key)}`, visit);
  }
}

/** A JSON pointer as a URI fragment (`^.*$` → `%5E.*%24`). */
function fragment(jsonPointer: string): string {
  return jsonPointer.split('/').map(encodeURIComponent).join('/');
}

export class StixSchemaValidator {
  private readonly byType = new Map<string, TypeSchema>();
  private readonly custom: { sdo: TypeSchema; sco: TypeSchema };
  private readonly locations = new WeakMap<object, SchemaLocation>();
  /** Validators of single anyOf/oneOf branches, compiled on first need to explain a failure. */
  private readonly branches = new Map<string, ValidateFunction>();
  private readonly patterns: SchemaPattern[] = [];
  private readonly types: ReadonlySet<string>;
  /** Milliseconds spent reading, patching and compiling the schemas. */
  readonly compileMs: number;

  private constructor(
    private readonly ajv: Ajv2020,
    files: ReadonlyMap<string, SchemaNode>,
    started: number,
  ) {
    for (const [file, schema] of files) {
      const id = schema.$id as string;
      walkObjects(schema, '', (obj, at) => {
        this.locations.set(obj, { file, id, pointer: at });
        if (typeof obj.pattern === 'string') this.patterns.push({ file, pointer: `${at}/pattern`, pattern: obj.pattern });
        if (isNode(obj.patternProperties)) {
          for (const key of Object.keys(obj.patternProperties)) {
            this.patterns.push({ file, pointer: `${at}/patternProperties${pointer(key)}`, pattern: key });
          }
        }
      });
    }
    const compile = (file: string): TypeSchema => {
      const validate = ajv.getSchema(files.get(file)?.$id as string);
      if (validate === undefined) throw new Error(`${file}: schema not registered`);
      return { file, validate };
    };
    for (const [file] of files) {
      const [folder, name] = file.split('/');
      const type = name.replace(/\.json$/, '');
      if (folder === 'sdos' || folder === 'sros' || folder === 'observables' || COMMON_TYPES.includes(type)) {
        this.byType.set(type, compile(file));
      }
    }
    this.custom = { sdo: compile(CUSTOM_SDO_SCHEMA), sco: compile(CUSTOM_SCO_SCHEMA) };
    this.types = new Set(this.byType.keys());
    this.compileMs = performance.now() - started;
  }

  /**
   * Reads, patches and compiles every schema once; call at start-up, never per object.
   * `patches` is for tests that show an upstream defect; production uses all of them.
   */
  static load(schemaDir: string = defaultSchemaDir(), patches: readonly SchemaPatch[] = SCHEMA_PATCHES): StixSchemaValidator {
    const started = performance.now();
    const files = readSchemas(schemaDir);
    applySchemaPatches(files, patches);
    const ajv = new Ajv2020({
      // Many allOf branches carry `pattern` or `properties` without `type`.
      strictTypes: false,
      // Every problem of an object at once (bounded below), not one per attempt.
      allErrors: true,
      // Errors carry their schema and data, which the messages and the oneOf/anyOf
      // explanation need.
      verbose: true,
    });
    addFormats(ajv, { mode: 'full', formats: ['uri', 'email'] });
    ajv.addFormat('idn-hostname', { type: 'string', validate: isIdnHostname });
    for (const schema of files.values()) ajv.addSchema(schema);
    return new StixSchemaValidator(ajv, files, started);
  }

  /** The STIX types that have a schema of their own. */
  knownTypes(): ReadonlySet<string> {
    return this.types;
  }

  /** Every `pattern` value and `patternProperties` key, after patching (for the ReDoS tests). */
  allPatterns(): SchemaPattern[] {
    return this.patterns.map((p) => ({ ...p }));
  }

  /** The schema file an object is checked against, e.g. `sdos/indicator.json`. */
  schemaFileFor(obj: SchemaNode): string {
    return this.schemaFor(obj).file;
  }

  validate(obj: unknown): ValidationIssue[] {
    if (!isNode(obj)) {
      return [{ severity: 'error', path: '', message: 'must be a JSON object', source: 'STIX 2.1 §3' }];
    }
    const schema = this.schemaFor(obj);
    if (schema.validate(obj)) return [];
    const findings = this.explain(schema.validate.errors ?? [], '', schema.file);
    const seen = new Set<string>();
    const issues: ValidationIssue[] = [];
    for (const f of findings) {
      const key = `${f.path}\u0000${f.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      issues.push({ severity: 'error', path: f.path, message: f.message, source: `OASIS STIX 2.1 JSON schema ${f.file}` });
      if (issues.length === ISSUE_LIMIT) break;
    }
    return issues;
  }

  private schemaFor(obj: SchemaNode): TypeSchema {
    const known = typeof obj.type === 'string' ? this.byType.get(obj.type) : undefined;
    if (known !== undefined) return known;
    // Custom (or unknown) types: the lead decides elsewhere whether they are welcome at all.
    return 'created' in obj || 'modified' in obj ? this.custom.sdo : this.custom.sco;
  }

  /**
   * Turns ajv's error list into findings. The list is in evaluation order: the errors of
   * every branch of a failed anyOf/oneOf come right before the anyOf/oneOf error itself.
   * Each such group is replaced by the explanation of the combinator, which re-validates
   * the branches one by one; that also says how many of the preceding errors are its own.
   */
  private explain(errors: readonly ErrorObject[], base: string, fallbackFile: string): Finding[] {
    const findings: Finding[] = [];
    let k = errors.length - 1;
    while (k >= 0) {
      const e = errors[k];
      if (e.keyword === 'anyOf' || e.keyword === 'oneOf') {
        const { explained, consumed } = this.explainCombinator(e, base, fallbackFile);
        findings.unshift(...explained);
        k -= consumed + 1;
        continue;
      }
      // `if` only says "must match then"; the `then` errors precede it. Errors that carry a
      // propertyName belong to the propertyNames error that follows them.
      if (e.keyword !== 'if' && (e.propertyName === undefined || e.keyword === 'propertyNames')) {
        findings.unshift(...describeError(e, base, this.locationOf(e.parentSchema), fallbackFile));
      }
      k--;
    }
    return findings;
  }

  private explainCombinator(e: ErrorObject, base: string, fallbackFile: string): { explained: Finding[]; consumed: number } {
    const location = this.locationOf(e.parentSchema);
    const where = location?.file ?? fallbackFile;
    const branches = Array.isArray(e.schema) ? (e.schema as unknown[]) : [];
    const passing = e.keyword === 'oneOf' ? passingBranches(e.params.passingSchemas) : [];
    const path = base + e.instancePath;
    if (location === undefined) {
      // Not from our schemas (cannot happen): say it generically, keep the branch errors.
      return { explained: [{ path, message: 'does not match any of the allowed forms', file: where, weight: 1 }], consumed: 0 };
    }
    const results: Finding[][] = [];
    let consumed = 0;
    branches.forEach((branch, i) => {
      if (passing.includes(i)) {
        results.push([]);
        return;
      }
      const validate = this.branchValidator(location, e.keyword, branch, i);
      const errs = validate(e.data) ? [] : (validate.errors ?? []);
      consumed += errs.length;
      results.push(this.explain(errs, path, location.file));
    });
    return { explained: describeAlternatives(e.keyword, branches, results, passing, path, where), consumed };
  }

  private branchValidator(location: SchemaLocation, keyword: string, branch: unknown, index: number): ValidateFunction {
    // A branch that is only a $ref to another file (observed-data `objects`) is that
    // file's validator, compiled at load; any other branch is compiled on first need.
    const ref = isNode(branch) && typeof branch.$ref === 'string' && Object.keys(branch).length === 1 ? branch.$ref : undefined;
    const uri =
      ref !== undefined && !ref.startsWith('#')
        ? new URL(ref, location.id).href
        : `${location.id}#${fragment(`${location.pointer}/${keyword}/${index}`)}`;
    let validate = this.branches.get(uri);
    if (validate === undefined) {
      validate = this.ajv.getSchema(uri);
      if (validate === undefined) throw new Error(`cannot resolve ${uri}`);
      this.branches.set(uri, validate);
    }
    return validate;
  }

  private locationOf(schema: object | undefined): SchemaLocation | undefined {
    return schema === undefined ? undefined : this.locations.get(schema);
  }
}

function passingBranches(value: unknown): number[] {
  if (Array.isArray(value)) return value.filter((v): v is number => typeof v === 'number');
  return typeof value === 'number' ? [value] : [];
}

// --- messages ------------------------------------------------------------------------

/** At most this many issues per object: one broken object must not make a huge status. */
export const ISSUE_LIMIT = 10;

/** An issue before it becomes a ValidationIssue; `weight` ranks the branches of a failed anyOf/oneOf. */
interface Finding {
  path: string;
  message: string;
  file: string;
  weight: number;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list (JSON array)',
  object: 'a JSON object',
  null: 'null',
};

const FORMAT_NAMES: Record<string, string> = {
  uri: 'URI (RFC 3986)',
  email: 'email address',
  'idn-hostname': 'domain name (RFC 1034, RFC 5890)',
};

const MAX_PATTERN = 60;
const MAX_LISTED = 10;

function shorten(pattern: string): string {
  return pattern.length <= MAX_PATTERN ? pattern : `${pattern.slice(0, MAX_PATTERN - 1)}…`;
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function listOf(values: readonly unknown[]): string {
  const shown = values.slice(0, MAX_LISTED).map(show).join(', ');
  return values.length > MAX_LISTED ? `${shown}, … (${values.length} in all)` : shown;
}

function plural(n: unknown, word: string): string {
  return `${show(n)} ${word}${n === 1 ? '' : 's'}`;
}

/** Whether an anyOf/oneOf branch only asks for properties to be present (or absent). */
function isRequiredOnly(branch: unknown): branch is { required: string[] } {
  return (
    isNode(branch) &&
    Array.isArray(branch.required) &&
    Object.keys(branch).every((k) => k === 'required' || k === 'not' || k === 'description' || k === 'title')
  );
}

function alternatives(branches: readonly unknown[]): string {
  return listOf(branches.map((b) => (isRequiredOnly(b) ? b.required.join(' and ') : '…')));
}

/** The message for a member that no `properties`/`patternProperties` admits. */
function unknownMemberMessage(location: SchemaLocation | undefined, parentSchema: unknown): string {
  switch (location?.file) {
    case 'common/properties.json':
      return 'is not a valid property name (3–250 characters of a–z, 0–9 and _, starting with a letter)';
    case 'common/dictionary.json':
      return 'is not a valid dictionary key (up to 250 characters of a–z, A–Z, 0–9, - and _)';
    case 'common/hashes-type.json':
      return 'is not a valid hash algorithm name (3–250 characters of a–z, A–Z, 0–9, - and _)';
  }
  if (location?.pointer.endsWith('/properties/extensions')) {
    return 'is not a valid extension key (the id of an extension-definition, or a predefined name ending in -ext)';
  }
  const patterns = isNode(parentSchema) && isNode(parentSchema.patternProperties) ? Object.keys(parentSchema.patternProperties) : [];
  return patterns.length === 0 ? 'is not allowed here' : `is not an allowed key here (keys must match ${listOf(patterns.map(shorten))})`;
}

function describeNot(e: ErrorObject, at: string, location: SchemaLocation | undefined): Array<[string, string]> {
  const s = e.schema;
  if (!isNode(s)) return [[at, 'is not allowed here']];
  if (typeof s.pattern === 'string') return [[at, `must not match the pattern ${shorten(s.pattern)}`]];
  if (Array.isArray(s.enum)) return [[at, `must not be one of: ${listOf(s.enum)}`]];
  if (isRequiredOnly(s)) return s.required.map((name) => [at + pointer(name), 'must not be present here']);
  if (Array.isArray(s.anyOf) && s.anyOf.every(isRequiredOnly) && isNode(e.data)) {
    const data = e.data;
    const reserved = location?.pointer === '' && (location.file === CUSTOM_SDO_SCHEMA || location.file === CUSTOM_SCO_SCHEMA);
    const present = s.anyOf.flatMap((b) => b.required).filter((name) => name in data);
    if (present.length > 0) {
      return present.map((name) => [at + pointer(name), reserved ? 'is a reserved property name and must not be used' : 'must not be present here']);
    }
  }
  return [[at, 'is not allowed here']];
}

/**
 * How strongly a finding says "the data was meant for another branch": a wrong `type`
 * value most, then a `not` (except "must not be present"), then any other wrong constant.
 */
function weightOf(e: ErrorObject, path: string): number {
  const constant = e.keyword === 'enum' || e.keyword === 'const';
  if (constant && path.endsWith('/type')) return 4;
  if (e.keyword === 'not') return isRequiredOnly(e.schema) ? 1 : 3;
  return constant ? 2 : 1;
}

function describeError(e: ErrorObject, base: string, location: SchemaLocation | undefined, fallbackFile: string): Finding[] {
  const at = base + e.instancePath;
  const p = e.params as Record<string, unknown>;
  const file = location?.file ?? fallbackFile;
  const finding = (path: string, message: string): Finding => ({ path, message, file, weight: weightOf(e, path) });
  switch (e.keyword) {
    case 'required':
      return [finding(at + pointer(String(p.missingProperty)), 'is required')];
    case 'additionalProperties':
      return [finding(at + pointer(String(p.additionalProperty)), unknownMemberMessage(location, e.parentSchema))];
    case 'propertyNames': {
      const s = e.schema;
      const rule = !isNode(s)
        ? ''
        : typeof s.pattern === 'string'
          ? ` (keys must match the pattern ${shorten(s.pattern)})`
          : isNode(s.not) && typeof s.not.pattern === 'string'
            ? ` (keys must not match the pattern ${shorten(s.not.pattern)})`
            : '';
      return [finding(at + pointer(String(p.propertyName)), `is not an allowed key${rule}`)];
    }
    case 'type': {
      const types = Array.isArray(p.type) ? p.type : [p.type];
      return [finding(at, `must be ${types.map((t) => TYPE_NAMES[String(t)] ?? show(t)).join(' or ')}`)];
    }
    case 'enum': {
      const allowed = Array.isArray(p.allowedValues) ? p.allowedValues : [];
      return [finding(at, allowed.length === 1 ? `must be ${show(allowed[0])}` : `must be one of: ${listOf(allowed)}`)];
    }
    case 'const':
      return [finding(at, `must be ${show(p.allowedValue)}`)];
    case 'pattern':
      return [finding(at, `must match the pattern ${shorten(String(p.pattern))}`)];
    case 'format':
      return [finding(at, `must be a valid ${FORMAT_NAMES[String(p.format)] ?? String(p.format)}`)];
    case 'minItems':
      return [finding(at, `must have at least ${plural(p.limit, 'item')}`)];
    case 'maxItems':
      return [finding(at, `must have at most ${plural(p.limit, 'item')}`)];
    case 'minProperties':
      return [finding(at, p.limit === 1 ? 'must not be empty' : `must have at least ${plural(p.limit, 'member')}`)];
    case 'maxProperties':
      return [finding(at, `must have at most ${plural(p.limit, 'member')}`)];
    case 'minLength':
      return [finding(at, `must be at least ${plural(p.limit, 'character')} long`)];
    case 'maxLength':
      return [finding(at, `must be at most ${plural(p.limit, 'character')} long`)];
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const words: Record<string, string> = { '>=': 'at least', '<=': 'at most', '>': 'greater than', '<': 'less than' };
      return [finding(at, `must be ${words[String(p.comparison)] ?? String(p.comparison)} ${show(p.limit)}`)];
    }
    case 'not':
      return describeNot(e, at, location).map(([path, message]) => finding(path, message));
    case 'false schema':
      return [finding(at, 'is not allowed here')];
    default:
      return [finding(at, e.message ?? `fails the ${e.keyword} rule`)];
  }
}

/**
 * The explanation of a failed anyOf/oneOf from the findings of each branch. Branches that
 * only list required properties become one sentence; otherwise the branch that fails the
 * least (by weight: a wrong `type` or a `not` says "this is the wrong branch") speaks.
 */
function describeAlternatives(
  keyword: string,
  branches: readonly unknown[],
  results: readonly Finding[][],
  passing: readonly number[],
  path: string,
  file: string,
): Finding[] {
  const pure = branches.length > 0 && branches.every(isRequiredOnly);
  if (passing.length > 1) {
    const message = pure
      ? `must contain only one of: ${alternatives(branches.filter((_, i) => passing.includes(i)))}`
      : `matches ${passing.length} alternatives that exclude each other`;
    return [{ path, message, file, weight: 1 }];
  }
  if (pure) {
    const quantity = keyword === 'anyOf' ? 'at least' : 'exactly';
    return [{ path, message: `must contain ${quantity} one of: ${alternatives(branches)}`, file, weight: 1 }];
  }
  let best = -1;
  let bestScore = Infinity;
  results.forEach((findings, i) => {
    if (findings.length === 0) return;
    const score = findings.reduce((sum, f) => sum + f.weight, 0) + findings.length / 1000;
    if (score < bestScore) {
      best = i;
      bestScore = score;
    }
  });
  if (best < 0) return [{ path, message: 'does not match any of the allowed forms', file, weight: 1 }];
  return results[best];
}
