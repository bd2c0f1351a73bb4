// STIX identifiers (STIX 2.1 §2.9: `<object-type>--<UUID>`) and UUIDs: the one place that
// says what an id looks like. Every reader of an id names how strict it needs to be.

/**
 * - `addressable`: `<lower-case name>--` and 8-4-4-4-12 hex digits in either case. Enough to
 *   look an object up (TAXII `match[id]`, object paths): an id that cannot be stored is
 *   simply not found.
 * - `stix`: what the gatekeeper accepts. The type part follows §3.1/§11.2.1 (a-z, 0-9 and
 *   single hyphens, starting with a letter, 3 to 250 characters); the UUID is an RFC 4122
 *   UUID of version 1 to 5 with the RFC 4122 variant, hex digits in either case (RFC 4122 §3).
 * - `canonical`: `stix`, with lower-case hex digits: what Concord writes itself (its
 *   directory's identity refs, the object lists of agreements).
 */
export type StixIdStrictness = 'addressable' | 'stix' | 'canonical';

export interface StixId {
  type: string;
  uuid: string;
}

const ANY_HEX_UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const RFC4122_ANY_CASE = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}';
const RFC4122_LOWER = '[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';
const LOOSE_TYPE = '[a-z][a-z0-9-]{0,249}';
const STIX_TYPE = '[a-z][a-z0-9]*(?:-[a-z0-9]+)*';

/** §3.1: a type name has 3 to 250 characters. */
const MIN_TYPE_LENGTH = 3;
const MAX_TYPE_LENGTH = 250;

/** The levels as regular-expression sources, for JSON schemas (the admin API's bodies). */
export const STIX_ID_PATTERN: Readonly<Record<StixIdStrictness, string>> = {
  addressable: `^${LOOSE_TYPE}--${ANY_HEX_UUID}$`,
  stix: `^${STIX_TYPE}--${RFC4122_ANY_CASE}$`,
  canonical: `^${STIX_TYPE}--${RFC4122_LOWER}$`,
};

const ID_REGEX: Readonly<Record<StixIdStrictness, RegExp>> = {
  addressable: new RegExp(STIX_ID_PATTERN.addressable),
  stix: new RegExp(STIX_ID_PATTERN.stix),
  canonical: new RegExp(STIX_ID_PATTERN.canonical),
};

/** The parts of `value` if it is an identifier at this strictness, else undefined. */
export function parseStixId(value: unknown, strictness: StixIdStrictness): StixId | undefined {
  if (typeof value !== 'string') return undefined;
  if (!ID_REGEX[strictness].test(value)) return undefined;
  // The UUID part has no `--`, so the last one separates it.
  const at = value.length - 38;
  const type = value.slice(0, at);
  if (type.length > MAX_TYPE_LENGTH) return undefined;
  if (strictness !== 'addressable' && type.length < MIN_TYPE_LENGTH) return undefined;
  return { type, uuid: value.slice(at + 2) };
}

export function isStixId(value: unknown, strictness: StixIdStrictness): boolean {
  return parseStixId(value, strictness) !== undefined;
}

const TYPE_NAME = new RegExp(`^${STIX_TYPE}$`);

/** A STIX type name as §3.1/§11.2.1 writes it (the type part of a `stix` identifier). */
export function isStixTypeName(value: string): boolean {
  return value.length >= MIN_TYPE_LENGTH && value.length <= MAX_TYPE_LENGTH && TYPE_NAME.test(value);
}

/** A lower-case RFC 4122 UUID, version 1 to 5 (collection ids, TAXII 2.1 §5.2.1). */
export const UUID_PATTERN = `^${RFC4122_LOWER}$`;
const UUID = new RegExp(UUID_PATTERN);

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

const UUID_SHAPE = new RegExp(`^${ANY_HEX_UUID}$`);
const RFC4122_VARIANT = /^[89ab]$/i;
const RFC4122_VERSION = /^[1-5]$/;

export type UuidProblem = 'shape' | 'variant' | 'version';

/**
 * What keeps `uuid` from being an RFC 4122 UUID, or undefined. RFC 4122 §3 reads hex digits
 * case-insensitively, so upper case is not a problem here.
 */
export function uuidProblem(uuid: string): UuidProblem | undefined {
  if (!UUID_SHAPE.test(uuid)) return 'shape';
  // RFC 4122 §4.1.1: the variant bits 10x, the first digit of clock_seq_hi 8, 9, a or b.
  if (!RFC4122_VARIANT.test(uuid[19] as string)) return 'variant';
  // RFC 4122 §4.1.3 defines versions 1 to 5.
  if (!RFC4122_VERSION.test(uuid[14] as string)) return 'version';
  return undefined;
}
