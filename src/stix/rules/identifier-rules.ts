// Identity of an object: its `type` name, its `id` (<type>--<UUID>, STIX 2.1 §2.9) and its
// `spec_version` (§3.2). These run under every policy.
import type { StixRule } from './rule';
import { categoryOf, type StixCategory } from './spec-properties';

const UUID_SHAPE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const UPPER_HEX = /[A-F]/;
/** RFC 4122 §4.1.1: the variant bits 10x, i.e. the first digit of clock_seq_hi is 8, 9, a or b. */
const RFC4122_VARIANT = /^[89ab]$/i;
/** RFC 4122 §4.1.3 defines versions 1 to 5. */
const RFC4122_VERSION = /^[1-5]$/;

/** The common case: a well-formed identifier with a lower-case RFC 4122 UUID (version at length-22). */
const WELL_FORMED_ID = /^[a-z0-9-]+--[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const TYPE_CHARS = /^[a-z0-9-]+$/;
const STARTS_WITH_LETTER = /^[a-z]/;

export type UuidProblem = 'shape' | 'variant' | 'version';

/**
 * What keeps `uuid` from being an RFC 4122 UUID, or undefined. RFC 4122 §3 reads hex digits
 * case-insensitively, so upper case is not a problem here (identifier-format warns about it).
 */
export function uuidProblem(uuid: string): UuidProblem | undefined {
  if (!UUID_SHAPE.test(uuid)) return 'shape';
  if (!RFC4122_VARIANT.test(uuid[19])) return 'variant';
  if (!RFC4122_VERSION.test(uuid[14])) return 'version';
  return undefined;
}

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

export const identifierFormatRule: StixRule = {
  name: 'identifier-format',
  tier: 'identity',
  check(obj, _ctx, report) {
    const id = obj.id;
    if (typeof id !== 'string') return; // required and typed by the schema
    if (WELL_FORMED_ID.test(id) && typeof obj.type === 'string' && id.length === obj.type.length + 38 && id.startsWith(obj.type)) {
      return;
    }
    const parts = splitIdentifier(id);
    if (parts === undefined) {
      report.error('/id', 'must have the form <type>--<UUID>', 'STIX 2.1 §2.9');
      return;
    }
    if (typeof obj.type === 'string' && parts.prefix !== obj.type) {
      report.error('/id', `must start with its type "${obj.type}--"`, 'STIX 2.1 §2.9');
    }
    const problem = uuidProblem(parts.uuid);
    if (problem !== undefined) {
      report.error('/id', UUID_MESSAGES[problem], 'STIX 2.1 §2.9');
    } else if (UPPER_HEX.test(parts.uuid)) {
      // RFC 4122 §3: hex digits "are output as lower case characters and are case insensitive
      // on input", so the UUID is still compliant (all §2.9 asks). References resolve by exact
      // match (§3.3), so a reference written in lower case would miss it: a warning.
      report.warning('/id', 'should write its UUID in lower-case hexadecimal', 'STIX 2.1 §2.9, RFC 4122 §3');
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
    if (WELL_FORMED_ID.test(id)) {
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
