// Properties beyond what the schemas check: confidence (STIX 2.1 §3.2), empty lists and
// dictionaries (§2.12, §2.3), property names (§3.1, §3.8, §11.1.1), property values (no
// null, §2; `_hex` and `_bin`, §2.8, §2.1, §3.1), custom properties (§11.1), common
// properties that do not apply to the type, `_enc` pairing (§3.1) and language tags
// (RFC 5646).
import { pointer, pointerSegment } from '../validation-issue';
import type { Reporter, StixObject, StixRule } from './rule';
import {
  categoryOf,
  COMMON_PROPERTIES,
  declaredNewObjectType,
  isPlainObject,
  NOT_APPLICABLE_COMMON,
  SPEC_TYPES,
  type StixCategory,
  type TypeSpec,
} from './spec-properties';

export const confidenceRule: StixRule = {
  name: 'confidence-range',
  tier: 'full',
  check(obj, _ctx, report) {
    const value = obj.confidence;
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 100) {
      report.error('/confidence', 'must be an integer from 0 to 100', 'STIX 2.1 §3.2');
    }
  },
};

function pathOf(parents: readonly number[], keys: ReadonlyArray<string | number>, index: number): string {
  const segments: Array<string | number> = [];
  for (let i = index; i >= 0; i = parents[i] as number) segments.push(keys[i] as string | number);
  return pointer(...segments.reverse());
}

/**
 * §2.12 and §2.3 in one walk of every list and JSON object below the object, breadth-first
 * and without recursion (no stack limit on deep input). Parallel arrays hold each value with
 * the index of its parent entry and its key, so that a path is built only when something is
 * reported.
 */
/** Which empty collections a walk reports. */
interface EmptyCollections {
  lists: boolean;
  dictionaries: boolean;
}
const EMPTY_LISTS: EmptyCollections = { lists: true, dictionaries: false };
const EMPTY_DICTIONARIES: EmptyCollections = { lists: false, dictionaries: true };
const EMPTY_LISTS_AND_DICTIONARIES: EmptyCollections = { lists: true, dictionaries: true };

function checkCollections(obj: StixObject, report: Reporter, { lists, dictionaries }: EmptyCollections): void {
  const values: object[] = [];
  const parents: number[] = [];
  const keys: Array<string | number> = [];
  for (const key in obj) {
    const value = obj[key];
    if (typeof value === 'object' && value !== null) {
      values.push(value);
      parents.push(-1);
      keys.push(key);
    }
  }
  for (let index = 0; index < values.length; index++) {
    const value = values[index] as object;
    if (Array.isArray(value)) {
      if (value.length === 0) {
        if (lists) report.error(pathOf(parents, keys, index), 'must not be an empty list', 'STIX 2.1 §2.12');
        continue;
      }
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (typeof item === 'object' && item !== null) {
          values.push(item);
          parents.push(index);
          keys.push(i);
        }
      }
    } else {
      const record = value as Record<string, unknown>;
      let empty = true;
      for (const key in record) {
        empty = false;
        const item = record[key];
        if (typeof item === 'object' && item !== null) {
          values.push(item);
          parents.push(index);
          keys.push(key);
        }
      }
      if (empty && dictionaries) report.error(pathOf(parents, keys, index), 'must not be an empty dictionary', 'STIX 2.1 §2.3');
    }
  }
}

/** §2.12: "Empty lists are prohibited in STIX"; every list, at any depth. */
export const nonEmptyListsRule: StixRule = {
  name: 'non-empty-lists',
  tier: 'full',
  check(obj, _ctx, report) {
    checkCollections(obj, report, EMPTY_LISTS);
  },
};

/** §2.3: "Empty dictionaries are prohibited in STIX"; every JSON object below the STIX Object. */
export const nonEmptyDictionariesRule: StixRule = {
  name: 'non-empty-dictionaries',
  tier: 'full',
  check(obj, _ctx, report) {
    checkCollections(obj, report, EMPTY_DICTIONARIES);
  },
};

/** Both of the above in one walk, as the validator runs them. */
export const nonEmptyCollectionsRule: StixRule = {
  name: 'non-empty-lists-and-dictionaries',
  tier: 'full',
  check(obj, _ctx, report) {
    checkCollections(obj, report, EMPTY_LISTS_AND_DICTIONARIES);
  },
};

export interface NameProblem {
  message: string;
  source: string;
}

const NAME_CHARS_PROBLEM = 'is not a valid property name: only a-z, 0-9 and underscore are allowed';

/** a-z, 0-9 or `_` (char codes). */
function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95;
}

/**
 * What is wrong with a property name that the specification does not define, or undefined.
 * `charsSection` is the section stating the character rule for that kind of property:
 * §11.1.1 (custom properties), §7.3.2.1 (extension properties), §11.2.1 (custom objects).
 */
export function propertyNameProblem(name: string, charsSection = '§11.1.1'): NameProblem | undefined {
  const n = name.length;
  let chars = n > 0;
  for (let i = 0; i < n && chars; i++) chars = isNameChar(name.charCodeAt(i));
  if (!chars) return { message: NAME_CHARS_PROBLEM, source: `STIX 2.1 ${charsSection}` };
  const first = name.charCodeAt(0);
  if (first < 97 || first > 122) {
    return { message: 'is not a valid property name: it must begin with a letter', source: 'STIX 2.1 §3.1' };
  }
  if (n < 3 || n > 250) {
    return {
      message: 'is not a valid property name: it must be between 3 and 250 characters long',
      source: `STIX 2.1 §3.1, ${charsSection}`,
    };
  }
  return undefined;
}

/** §3.8: reserved across all STIX Objects (and `action`, typed RESERVED in §4.3.1). */
export const RESERVED_PROPERTY_NAMES: ReadonlySet<string> = new Set(['severity', 'username', 'phone_number', 'action']);

/** The properties the specification defines for the object (its type's, or its category's if custom). */
function definedProperties(obj: StixObject, category: StixCategory): ReadonlySet<string> {
  const spec = typeof obj.type === 'string' ? SPEC_TYPES.get(obj.type) : undefined;
  return spec?.properties ?? COMMON_PROPERTIES.get(category) ?? new Set<string>();
}

/**
 * The members the OASIS schema constrains with common/properties.json: those of the object
 * itself and, in observed-data, those of each object of the deprecated observable container
 * (§2.13), which the schema checks as SCOs. The patches core-properties-by-rules and
 * sco-core-properties-by-rules (schema-patches.ts) leave these checks to the `schema`-tier
 * rules below; inside extensions the schema still makes them.
 */
function forEachObjectLevel(obj: StixObject, report: Reporter, check: (level: StixObject, prefix: string, report: Reporter) => void): void {
  check(obj, '', report);
  if (obj.type !== 'observed-data') return;
  const objects = obj.objects;
  if (!isPlainObject(objects)) return;
  for (const key in objects) {
    const entry = objects[key];
    if (isPlainObject(entry)) check(entry, `/objects/${pointerSegment(key)}`, report);
  }
}

function checkPropertyNames(obj: StixObject, prefix: string, report: Reporter): void {
  const category = categoryOf(obj);
  if (category === undefined) return;
  // The names the specification defines are valid names (a test checks every one).
  const defined = definedProperties(obj, category);
  let section: string | undefined;
  for (const key in obj) {
    if (defined.has(key)) continue;
    // Property names of custom objects: §7.3.2.2 (extension objects) or §11.2.1 (deprecated).
    section ??= typeof obj.type === 'string' && SPEC_TYPES.has(obj.type) ? '§11.1.1' : declaredNewObjectType(obj) !== undefined ? '§7.3.2.2' : '§11.2.1';
    const problem = propertyNameProblem(key, section);
    if (problem !== undefined) report.error(prefix + pointer(key), problem.message, problem.source);
  }
}

/** §3.1 property names (upstream also common/properties.json, see forEachObjectLevel). */
export const propertyNameRule: StixRule = {
  name: 'property-names',
  tier: 'schema',
  check(obj, _ctx, report) {
    forEachObjectLevel(obj, report, checkPropertyNames);
  },
};

const NULL_SOURCE = 'STIX 2.1 §2';
const HEX_SOURCE = 'STIX 2.1 §2.8, §3.1';
const BINARY_SOURCE = 'STIX 2.1 §2.1, §3.1, RFC 4648 §4';

function isHexDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/**
 * §2.8 hex: an even number of hexadecimal digits, as common/hex.json checks it
 * (`^([a-fA-F0-9]{2})+$`: at least one octet; upper case is admitted, see CHANGES.md).
 */
export function isHex(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const n = value.length;
  if (n === 0 || n % 2 !== 0) return false;
  for (let i = 0; i < n; i++) if (!isHexDigit(value.charCodeAt(i))) return false;
  return true;
}

function isBase64Char(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47;
}

/**
 * §2.1 binary: base64 (RFC 4648 §4), as common/binary.json checks it
 * (`^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{4}|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2}==)$`): whole
 * groups of four, `=` padding only at the end, not empty.
 */
export function isBase64(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const n = value.length;
  if (n === 0 || n % 4 !== 0) return false;
  let end = n;
  if (value.charCodeAt(n - 1) === 61) end = value.charCodeAt(n - 2) === 61 ? n - 2 : n - 1;
  for (let i = 0; i < end; i++) if (!isBase64Char(value.charCodeAt(i))) return false;
  return true;
}

/** `hex` or `binary` for a property name that says so (§3.1: `_hex`, `_bin`), else undefined. */
function encodedType(key: string): 'hex' | 'binary' | undefined {
  const n = key.length;
  if (n < 5 || key.charCodeAt(n - 4) !== 95) return undefined; // `_`
  const suffix = key.slice(n - 3);
  const type = suffix === 'hex' ? 'hex' : suffix === 'bin' ? 'binary' : undefined;
  // As the schema's patternProperties: only valid property names (others are reported as such).
  return type !== undefined && propertyNameProblem(key) === undefined ? type : undefined;
}

function checkPropertyValues(obj: StixObject, prefix: string, report: Reporter): void {
  let spec: TypeSpec | undefined | null = null;
  for (const key in obj) {
    const value = obj[key];
    if (value === null) {
      report.error(prefix + pointer(key), 'must not be null: no STIX data type has a null value (omit the property instead)', NULL_SOURCE);
      continue;
    }
    // Reported in the same words as non-empty-lists, so that the two say it once.
    if (Array.isArray(value) && value.length === 0) report.error(prefix + pointer(key), 'must not be an empty list', 'STIX 2.1 §2.12');
    const type = encodedType(key);
    if (type === undefined) continue;
    // A property the specification defines (file magic_number_hex, artifact payload_bin) is
    // typed by its object's own schema (a test checks both).
    if (spec === null) spec = typeof obj.type === 'string' ? SPEC_TYPES.get(obj.type) : undefined;
    if (spec?.properties.has(key)) continue;
    if (type === 'hex' && !isHex(value)) {
      report.error(prefix + pointer(key), 'must be hex: an even number of hexadecimal digits 0-9, a-f, since its name ends in _hex', HEX_SOURCE);
    } else if (type === 'binary' && !isBase64(value)) {
      report.error(prefix + pointer(key), 'must be base64-encoded binary (RFC 4648: A-Z, a-z, 0-9, + and / in groups of four, = padding only at the end), since its name ends in _bin', BINARY_SOURCE);
    }
  }
}

/**
 * The values common/properties.json constrains upstream (see forEachObjectLevel): no null,
 * no empty list (§2.12), and a custom property named `*_hex` / `*_bin` holds hex (§2.8) /
 * base64 binary (§2.1), as §3.1 requires of such names.
 */
export const propertyValuesRule: StixRule = {
  name: 'property-values',
  tier: 'schema',
  check(obj, _ctx, report) {
    forEachObjectLevel(obj, report, checkPropertyValues);
  },
};

export const reservedPropertyRule: StixRule = {
  name: 'reserved-property-names',
  tier: 'full',
  check(obj, _ctx, report) {
    for (const key in obj) {
      if (RESERVED_PROPERTY_NAMES.has(key)) {
        report.error(pointer(key), 'is a reserved property name and must not be used', 'STIX 2.1 §3.8');
      }
    }
  },
};

/** Custom properties on spec-defined types need a collection that accepts them (§11.1). */
export const customPropertyRule: StixRule = {
  name: 'custom-properties',
  tier: 'full',
  check(obj, ctx, report) {
    if (ctx.allowCustom || typeof obj.type !== 'string') return;
    const spec = SPEC_TYPES.get(obj.type);
    if (spec === undefined) return; // a custom object is refused as a whole (custom-object-type)
    for (const key in obj) {
      if (spec.properties.has(key) || spec.notApplicable.has(key) || RESERVED_PROPERTY_NAMES.has(key)) continue;
      report.error(
        pointer(key),
        `is not a property of ${obj.type} objects (custom properties are not accepted in this collection)`,
        'STIX 2.1 §11.1',
      );
    }
  },
};

/** Common properties the type's property table lists as "Not Applicable". */
export const notApplicablePropertyRule: StixRule = {
  name: 'not-applicable-properties',
  tier: 'full',
  check(obj, _ctx, report) {
    const category = categoryOf(obj);
    if (category === undefined) return;
    const notApplicable = NOT_APPLICABLE_COMMON.get(category);
    if (notApplicable === undefined || notApplicable.size === 0) return;
    const spec = typeof obj.type === 'string' ? SPEC_TYPES.get(obj.type) : undefined;
    for (const key in obj) {
      if (!notApplicable.has(key)) continue;
      if (key === 'defanged') {
        // §3.2: "This property MUST NOT be used on any STIX Objects other than SCOs."
        report.error('/defanged', 'must only be used on SCOs', 'STIX 2.1 §3.2');
      } else {
        const what = spec !== undefined ? `${spec.type} objects` : `custom ${category.toUpperCase()}s`;
        report.error(pointer(key), `is not applicable to ${what}`, `STIX 2.1 ${spec?.section ?? '§3.2'}`);
      }
    }
  },
};

/** §3.1: "The encoding property MUST NOT be present when the original property is not present." */
export const encodingPropertyRule: StixRule = {
  name: 'encoding-properties',
  tier: 'full',
  check(obj, _ctx, report) {
    for (const key in obj) {
      if (key.length <= 4 || !key.endsWith('_enc')) continue;
      const base = key.slice(0, -4);
      if (obj[base] === undefined) report.error(pointer(key), `must not be present without ${base}`, 'STIX 2.1 §3.1');
    }
  },
};

// RFC 5646 §2.1 Language-Tag ABNF: langtag / privateuse / grandfathered (case-insensitive).
const LANGTAG =
  '(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4}|[a-z]{5,8})' + // language ["-" extlang]
  '(?:-[a-z]{4})?' + // script
  '(?:-(?:[a-z]{2}|[0-9]{3}))?' + // region
  '(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*' + // variant
  '(?:-[0-9a-wy-z](?:-[a-z0-9]{2,8})+)*' + // extension
  '(?:-x(?:-[a-z0-9]{1,8})+)?'; // privateuse
const PRIVATEUSE = 'x(?:-[a-z0-9]{1,8})+';
const IRREGULAR = [
  'en-gb-oed', 'i-ami', 'i-bnn', 'i-default', 'i-enochian', 'i-hak', 'i-klingon', 'i-lux', 'i-mingo', 'i-navajo',
  'i-pwn', 'i-tao', 'i-tay', 'i-tsu', 'sgn-be-fr', 'sgn-be-nl', 'sgn-ch-de',
];
const LANGUAGE_TAG = new RegExp(`^(?:${LANGTAG}|${PRIVATEUSE}|${IRREGULAR.join('|')})$`, 'i');

/** True when `value` is a syntactically valid RFC 5646 language tag. */
export function isLanguageTag(value: unknown): boolean {
  return typeof value === 'string' && LANGUAGE_TAG.test(value);
}

function warnUnlessTag(value: unknown, path: string, report: Reporter, source: string): void {
  if (value !== undefined && !isLanguageTag(value)) {
    report.warning(path, 'should be an RFC 5646 language tag such as "en" or "pt-BR"', source);
  }
}

/**
 * Language tags (RFC 5646 syntax; the registry is not consulted, hence warnings): `lang`
 * (§3.2), granular-marking `lang` (§7.2.3.1), language-content `contents` keys (§7.1.1)
 * and software `languages` (§6.14.1).
 */
export const languageTagRule: StixRule = {
  name: 'language-tags',
  tier: 'full',
  check(obj, _ctx, report) {
    warnUnlessTag(obj.lang, '/lang', report, 'STIX 2.1 §3.2, RFC 5646');
    const granular = obj.granular_markings;
    if (Array.isArray(granular)) {
      for (let i = 0; i < granular.length; i++) {
        const marking: unknown = granular[i];
        if (isPlainObject(marking)) warnUnlessTag(marking.lang, pointer('granular_markings', i, 'lang'), report, 'STIX 2.1 §7.2.3.1, RFC 5646');
      }
    }
    if (obj.type === 'language-content' && isPlainObject(obj.contents)) {
      for (const key in obj.contents) {
        if (!isLanguageTag(key)) {
          report.warning(pointer('contents', key), 'should be keyed by an RFC 5646 language tag', 'STIX 2.1 §7.1.1, RFC 5646');
        }
      }
    }
    if (obj.type === 'software' && Array.isArray(obj.languages)) {
      for (let i = 0; i < obj.languages.length; i++) {
        warnUnlessTag(obj.languages[i], pointer('languages', i), report, 'STIX 2.1 §6.14.1, RFC 5646');
      }
    }
  },
};

export const PROPERTY_RULES: readonly StixRule[] = [
  confidenceRule,
  nonEmptyCollectionsRule,
  propertyNameRule,
  propertyValuesRule,
  reservedPropertyRule,
  customPropertyRule,
  notApplicablePropertyRule,
  encodingPropertyRule,
  languageTagRule,
];
