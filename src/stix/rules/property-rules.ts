// Properties beyond what the schemas check: confidence (STIX 2.1 §3.2), empty lists and
// dictionaries (§2.12, §2.3), property names (§3.1, §3.8, §11.1.1), custom properties
// (§11.1), common properties that do not apply to the type, `_enc` pairing (§3.1) and
// language tags (RFC 5646).
import { pointer } from '../validation-issue';
import type { Reporter, StixObject, StixRule } from './rule';
import {
  categoryOf,
  COMMON_PROPERTIES,
  declaredNewObjectType,
  isPlainObject,
  NOT_APPLICABLE_COMMON,
  SPEC_TYPES,
  type StixCategory,
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

/** Walks every value below the object breadth-first, without recursion (no stack limit on deep input). */
function walk(obj: StixObject, visit: (value: object, path: () => string) => void): void {
  // Parallel arrays: each value with the index of its parent entry and its key, so that a
  // path is built only when something is reported.
  const values: unknown[] = [];
  const parents: number[] = [];
  const keys: Array<string | number> = [];
  const pathOf = (index: number): string => {
    const segments: Array<string | number> = [];
    for (let i = index; i >= 0; i = parents[i]) segments.push(keys[i]);
    return pointer(...segments.reverse());
  };
  for (const key in obj) {
    values.push(obj[key]);
    parents.push(-1);
    keys.push(key);
  }
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    if (typeof value !== 'object' || value === null) continue;
    visit(value, () => pathOf(index));
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        values.push(value[i]);
        parents.push(index);
        keys.push(i);
      }
    } else {
      const record = value as Record<string, unknown>;
      for (const key in record) {
        values.push(record[key]);
        parents.push(index);
        keys.push(key);
      }
    }
  }
}

function isEmptyRecord(value: object): boolean {
  for (const _key in value) return false;
  return true;
}

/** §2.12: "Empty lists are prohibited in STIX"; every list, at any depth. */
export const nonEmptyListsRule: StixRule = {
  name: 'non-empty-lists',
  tier: 'full',
  check(obj, _ctx, report) {
    walk(obj, (value, path) => {
      if (Array.isArray(value) && value.length === 0) report.error(path(), 'must not be an empty list', 'STIX 2.1 §2.12');
    });
  },
};

/** §2.3: "Empty dictionaries are prohibited in STIX"; every JSON object below the STIX Object. */
export const nonEmptyDictionariesRule: StixRule = {
  name: 'non-empty-dictionaries',
  tier: 'full',
  check(obj, _ctx, report) {
    walk(obj, (value, path) => {
      if (!Array.isArray(value) && isEmptyRecord(value)) {
        report.error(path(), 'must not be an empty dictionary', 'STIX 2.1 §2.3');
      }
    });
  },
};

const NAME_CHARS = /^[a-z0-9_]+$/;
const STARTS_WITH_LETTER = /^[a-z]/;

export interface NameProblem {
  message: string;
  source: string;
}

/**
 * What is wrong with a property name that the specification does not define, or undefined.
 * `charsSection` is the section stating the character rule for that kind of property:
 * §11.1.1 (custom properties), §7.3.2.1 (extension properties), §11.2.1 (custom objects).
 */
export function propertyNameProblem(name: string, charsSection = '§11.1.1'): NameProblem | undefined {
  if (!NAME_CHARS.test(name)) {
    return { message: 'is not a valid property name: only a-z, 0-9 and underscore are allowed', source: `STIX 2.1 ${charsSection}` };
  }
  if (!STARTS_WITH_LETTER.test(name)) {
    return { message: 'is not a valid property name: it must begin with a letter', source: 'STIX 2.1 §3.1' };
  }
  if (name.length < 3 || name.length > 250) {
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

export const propertyNameRule: StixRule = {
  name: 'property-names',
  tier: 'full',
  check(obj, _ctx, report) {
    const category = categoryOf(obj);
    if (category === undefined) return;
    const defined = definedProperties(obj, category);
    const custom = typeof obj.type === 'string' && !SPEC_TYPES.has(obj.type);
    // Property names of custom objects: §7.3.2.2 (extension objects) or §11.2.1 (deprecated).
    const section = !custom ? '§11.1.1' : declaredNewObjectType(obj) !== undefined ? '§7.3.2.2' : '§11.2.1';
    for (const key in obj) {
      if (defined.has(key)) continue;
      const problem = propertyNameProblem(key, section);
      if (problem !== undefined) report.error(pointer(key), problem.message, problem.source);
    }
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
  nonEmptyListsRule,
  nonEmptyDictionariesRule,
  propertyNameRule,
  reservedPropertyRule,
  customPropertyRule,
  notApplicablePropertyRule,
  encodingPropertyRule,
  languageTagRule,
];
