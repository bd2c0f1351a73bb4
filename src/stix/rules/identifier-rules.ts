// Identity of an object: its `type` name, its `id` (<type>--<UUID>, STIX 2.1 §2.9) and its
// `spec_version` (§3.2). These run under every policy.
import { type UuidProblem, uuidProblem } from '../../vocabulary/stix-id';
import { pointerSegment } from '../validation-issue';
import type { Reporter, StixRule } from './rule';
import { categoryOf, isPlainObject, type StixCategory } from './spec-properties';

const UPPER_HEX = /[A-F]/;

/** `--` and a lower-case RFC 4122 UUID, at the end (sticky: tested from lastIndex, no copy). */
const LOWER_UUID_TAIL = /--[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/y;
/** `--` and the 36-character UUID. */
const UUID_TAIL = 38;

/**
 * The common case, for which the rules below have nothing to say: `id` is `type`, `--` and
 * a lower-case RFC 4122 UUID, and `type` does not end in a hyphen.
 */
function isWellFormedId(id: string, type: string): boolean {
  // identifier-format and identifier-uuid-version ask in turn about the same object.
  if (id === lastWellFormed.id && type === lastWellFormed.type) return lastWellFormed.answer;
  const n = type.length;
  let answer = id.length === n + UUID_TAIL && n > 0 && type.charCodeAt(n - 1) !== 45 && id.startsWith(type);
  if (answer) {
    LOWER_UUID_TAIL.lastIndex = n;
    answer = LOWER_UUID_TAIL.test(id);
  }
  lastWellFormed.id = id;
  lastWellFormed.type = type;
  lastWellFormed.answer = answer;
  return answer;
}
const lastWellFormed = { id: '', type: '', answer: false };

const TYPE_CHARS = /^[a-z0-9-]+$/;
const STARTS_WITH_LETTER = /^[a-z]/;

const UUID_MESSAGES: Record<UuidProblem, string> = {
  shape: 'must end in an RFC 4122 UUID (8-4-4-4-12 hexadecimal digits)',
  variant: 'must use an RFC 4122 UUID (variant digit 8, 9, a or b)',
  version: 'must use an RFC 4122 UUID of version 1 to 5',
};

/** The UUID part of an identifier, if it has the `<prefix>--<uuid>` layout. */
function splitIdentifier(id: string): { prefix: string; uuid: string } | undefined {
  const at = id.indexOf('--');
  if (at <= 0) return undefined;
  return { prefix: id.slice(0, at), uuid: id.slice(at + 2) };
}

/**
 * `id` of the object (and of each object of an observed-data container, errors only):
 * `<type>--<UUID>`. With the type checks of the schemas and of type-name, this is at least
 * as strict as common/identifier.json upstream (patch identifier-syntax-by-rules).
 */
/** `warnings`: also report what is legal but unwise (the object's own id, not those it contains). */
function checkIdentifier(id: unknown, type: unknown, path: string, report: Reporter, warnings: 'with-warnings' | 'errors-only'): void {
  if (typeof id !== 'string') return; // required and typed by the schema
  if (typeof type === 'string' && isWellFormedId(id, type)) return;
  const parts = splitIdentifier(id);
  if (parts === undefined) {
    report.error(path, 'must have the form <type>--<UUID>', 'STIX 2.1 §2.9');
    return;
  }
  if (typeof type === 'string') {
    if (type.endsWith('-')) {
      report.error(path, `must have the form <type>--<UUID>, which the type "${type}" cannot form: it ends in a hyphen`, 'STIX 2.1 §2.9');
    } else if (parts.prefix !== type) {
      report.error(path, `must start with its type "${type}--"`, 'STIX 2.1 §2.9');
    }
  }
  const problem = uuidProblem(parts.uuid);
  if (problem !== undefined) {
    report.error(path, UUID_MESSAGES[problem], 'STIX 2.1 §2.9');
  } else if (warnings === 'with-warnings' && UPPER_HEX.test(parts.uuid)) {
    // RFC 4122 §3: hex digits "are output as lower case characters and are case insensitive
    // on input", so the UUID is still compliant (all §2.9 asks). References resolve by exact
    // match (§3.3), so a reference written in lower case would miss it: a warning.
    report.warning(path, 'should write its UUID in lower-case hexadecimal', 'STIX 2.1 §2.9, RFC 4122 §3');
  }
}

export const identifierFormatRule: StixRule = {
  name: 'identifier-format',
  tier: 'identity',
  check(obj, _ctx, report) {
    checkIdentifier(obj.id, obj.type, '/id', report, 'with-warnings');
    // The objects of the deprecated observable container (§2.13) are SCOs with an id of their own.
    if (obj.type !== 'observed-data' || !isPlainObject(obj.objects)) return;
    const objects = obj.objects;
    for (const key in objects) {
      const entry = objects[key];
      if (isPlainObject(entry)) checkIdentifier(entry.id, entry.type, `/objects/${pointerSegment(key)}/id`, report, 'errors-only');
    }
  },
};

/** §2.9: which UUID versions each category SHOULD use. */
function expectedVersions(category: StixCategory): string {
  return category === 'sco' ? '45' : '4';
}

export const identifierUuidVersionRule: StixRule = {
  name: 'identifier-uuid-version',
  tier: 'identity',
  check(obj, _ctx, report) {
    const id = obj.id;
    if (typeof id !== 'string') return;
    let version: string;
    if (typeof obj.type === 'string' && isWellFormedId(id, obj.type)) {
      version = id[id.length - 22];
    } else {
      const parts = splitIdentifier(id);
      if (parts === undefined || uuidProblem(parts.uuid) !== undefined) return; // identifier-format reports it
      version = parts.uuid[14];
    }
    const category = categoryOf(obj);
    if (category === undefined) return;
    if (expectedVersions(category).includes(version)) return;
    // §2.9 says SHOULD for both cases, so these are warnings.
    if (category === 'sco') {
      report.warning('/id', `should use a UUIDv5 (deterministic) or a UUIDv4, not a UUIDv${version}`, 'STIX 2.1 §2.9');
    } else {
      report.warning('/id', `should use a UUIDv4, not a UUIDv${version}`, 'STIX 2.1 §2.9');
    }
  },
};

export const specVersionRule: StixRule = {
  name: 'spec-version',
  tier: 'identity',
  check(obj, _ctx, report) {
    const category = categoryOf(obj);
    if (category === undefined || category === 'bundle') return; // §8.1: a bundle has no spec_version
    const value = obj.spec_version;
    if (value === undefined) {
      // §3.2 table: required for SDOs, SROs and the meta objects, optional for SCOs (and for
      // custom objects of the same shape, §7.3.2.2, §11.2.1).
      if (category !== 'sco') report.error('/spec_version', 'is required and must be "2.1"', 'STIX 2.1 §3.2');
      return;
    }
    if (value !== '2.1') {
      report.error('/spec_version', `must be "2.1", not ${JSON.stringify(value)}`, 'STIX 2.1 §3.2');
    }
  },
};

export const typeNameRule: StixRule = {
  name: 'type-name',
  tier: 'identity',
  check(obj, _ctx, report) {
    const type = obj.type;
    if (typeof type !== 'string') return;
    if (type.length < 3 || type.length > 250) {
      report.error('/type', 'must be between 3 and 250 characters long', 'STIX 2.1 §3.1');
    }
    if (!TYPE_CHARS.test(type)) {
      report.error('/type', 'must contain only a-z, 0-9 and hyphens', 'STIX 2.1 §3.1, §11.2.1');
    } else if (!STARTS_WITH_LETTER.test(type)) {
      report.error('/type', 'must begin with a letter', 'STIX 2.1 §3.1');
    }
    if (type.includes('--')) {
      report.error('/type', 'must not contain two hyphens in a row', 'STIX 2.1 §7.3.2.2, §11.2.1');
    }
  },
};

export const IDENTIFIER_RULES: readonly StixRule[] = [
  identifierFormatRule,
  identifierUuidVersionRule,
  specVersionRule,
  typeNameRule,
];
