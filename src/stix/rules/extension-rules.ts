// Extensions and custom objects: the keys and contents of `extensions` (STIX 2.1 §3.2,
// §3.10, §7.3, §11.3), which object types are acceptable (§3.2 type, §7.3, §11.2), and
// extension-definition objects themselves (§7.3.1).
import { pointer } from '../validation-issue';
import { uuidProblem } from '../../vocabulary/stix-id';
import { propertyNameProblem, RESERVED_PROPERTY_NAMES } from './property-rules';
import type { Reporter, StixRule } from './rule';
import {
  categoryOf,
  declaredNewObjectType,
  EXTENSION_DEFINITION_PREFIX,
  EXTENSION_TYPES,
  isPlainObject,
  PREDEFINED_EXTENSIONS,
  SPEC_TYPES,
} from './spec-properties';

const EXTENSION_TYPE_LIST = [...EXTENSION_TYPES].join(', ');
const NEW_OBJECT_TYPES: ReadonlySet<string> = new Set(['new-sdo', 'new-sco', 'new-sro']);
const CUSTOM_EXTENSION_NAME = /^[a-z0-9-]+$/;

function isExtensionDefinitionKey(key: string): boolean {
  return key.startsWith(EXTENSION_DEFINITION_PREFIX);
}

/** Which keys `extensions` may have on this object (§3.2 extensions, §3.10, §11.3). */
export const extensionKeysRule: StixRule = {
  name: 'extension-keys',
  tier: 'full',
  check(obj, ctx, report) {
    const extensions = obj.extensions;
    if (!isPlainObject(extensions) || typeof obj.type !== 'string') return;
    const category = categoryOf(obj);
    for (const key in extensions) {
      const path = pointer('extensions', key);
      if (isExtensionDefinitionKey(key)) {
        if (uuidProblem(key.slice(EXTENSION_DEFINITION_PREFIX.length)) !== undefined) {
          report.error(path, 'is not a valid extension-definition identifier', 'STIX 2.1 §2.9');
        }
        continue;
      }
      const predefined = PREDEFINED_EXTENSIONS.get(key);
      if (predefined !== undefined) {
        if (predefined.objectType !== obj.type) {
          report.error(path, `is a predefined extension of ${predefined.objectType} objects only`, `STIX 2.1 ${predefined.section}`);
        }
        continue;
      }
      // Anything else is a (deprecated) custom extension, which only SCOs may carry.
      if (category !== 'sco') {
        report.error(
          path,
          'must be the id of an extension-definition (custom extensions exist only for SCOs)',
          'STIX 2.1 §3.2, §11.3',
        );
        continue;
      }
      if (!CUSTOM_EXTENSION_NAME.test(key) || !key.endsWith('-ext') || key.length < 3 || key.length > 250) {
        report.error(
          path,
          'is not a valid custom extension name: a-z, 0-9 and hyphens, 3 to 250 characters, ending in "-ext"',
          'STIX 2.1 §11.3.1',
        );
      }
      if (!ctx.allowCustom) {
        report.error(path, 'is a custom extension (custom extensions are not accepted in this collection)', 'STIX 2.1 §11.3');
      }
    }
  },
};

/** Extensions keyed by an extension-definition id: `extension_type` (§3.2, §10.5, §7.3). */
export const extensionTypeRule: StixRule = {
  name: 'extension-type',
  tier: 'full',
  check(obj, _ctx, report) {
    const extensions = obj.extensions;
    if (!isPlainObject(extensions) || typeof obj.type !== 'string') return;
    for (const key in extensions) {
      if (!isExtensionDefinitionKey(key)) continue;
      const value = extensions[key];
      if (!isPlainObject(value)) continue; // the schema reports the type
      const path = pointer('extensions', key, 'extension_type');
      const extensionType = value.extension_type;
      if (extensionType === undefined) {
        report.error(path, 'is required when the extension is defined by an extension-definition', 'STIX 2.1 §3.2');
      } else if (typeof extensionType !== 'string' || !EXTENSION_TYPES.has(extensionType)) {
        report.error(path, `must be one of ${EXTENSION_TYPE_LIST}`, 'STIX 2.1 §3.2, §10.5');
      } else if (NEW_OBJECT_TYPES.has(extensionType) && SPEC_TYPES.has(obj.type)) {
        report.error(path, `must not be ${extensionType} on ${obj.type} objects: extensions must not redefine STIX types`, 'STIX 2.1 §7.3');
      }
    }
  },
};

function checkExtensionPropertyName(key: string, path: string, charsSection: string, report: Reporter): void {
  const problem = propertyNameProblem(key, charsSection);
  if (problem !== undefined) report.error(path, problem.message, problem.source);
  if (RESERVED_PROPERTY_NAMES.has(key)) {
    report.error(path, 'is a reserved property name and must not be used', 'STIX 2.1 §3.8');
  }
}

/** Property names inside extension instances, and custom properties in predefined extensions. */
export const extensionPropertiesRule: StixRule = {
  name: 'extension-properties',
  tier: 'full',
  check(obj, ctx, report) {
    const extensions = obj.extensions;
    if (!isPlainObject(extensions) || typeof obj.type !== 'string') return;
    for (const name in extensions) {
      const value = extensions[name];
      if (!isPlainObject(value)) continue;
      if (isExtensionDefinitionKey(name)) {
        // §7.3.2.1 Requirements for Extension Properties.
        for (const key in value) {
          if (key !== 'extension_type') checkExtensionPropertyName(key, pointer('extensions', name, key), '§7.3.2.1', report);
        }
        continue;
      }
      const predefined = PREDEFINED_EXTENSIONS.get(name);
      if (predefined !== undefined) {
        if (predefined.objectType !== obj.type) continue; // extension-keys reports it
        // §11.1: custom properties may be added to SCO extensions as well.
        for (const key in value) {
          if (predefined.properties.has(key)) continue;
          const path = pointer('extensions', name, key);
          checkExtensionPropertyName(key, path, '§11.1.1', report);
          if (!ctx.allowCustom) {
            report.error(
              path,
              `is not a property of the ${name} extension (custom properties are not accepted in this collection)`,
              'STIX 2.1 §11.1',
            );
          }
        }
        continue;
      }
      if (categoryOf(obj) === 'sco') {
        // §11.3.1: properties of a custom extension.
        for (const key in value) checkExtensionPropertyName(key, pointer('extensions', name, key), '§11.3.1', report);
      }
    }
  },
};

/**
 * Object types the specification does not define are custom objects: accepted only where
 * the collection allows custom content, and only when they are recognisably custom —
 * an "x-" type (§11.2.1) or a type declared by a new-sdo/new-sco/new-sro extension (§7.3).
 */
export const customObjectTypeRule: StixRule = {
  name: 'custom-object-type',
  // Whether a collection takes custom objects at all is its choice, under every policy.
  tier: 'identity',
  check(obj, ctx, report) {
    const type = obj.type;
    if (typeof type !== 'string') return;
    if (type === 'bundle') {
      report.error('/type', 'bundle is not a STIX Object and cannot be stored as one', 'STIX 2.1 §8');
      return;
    }
    if (SPEC_TYPES.has(type)) return;
    if (!ctx.allowCustom) {
      report.error(
        '/type',
        `"${type}" is not a STIX 2.1 object type (custom objects are not accepted in this collection)`,
        'STIX 2.1 §3.2, §11.2',
      );
      return;
    }
    if (!type.startsWith('x-') && declaredNewObjectType(obj) === undefined) {
      report.error(
        '/type',
        `"${type}" is not a STIX 2.1 object type: a custom type must start with "x-" or be declared by a new-sdo, new-sco or new-sro extension`,
        'STIX 2.1 §7.3, §11.2.1',
      );
    }
  },
};

/** extension-definition objects (§7.3.1). */
export const extensionDefinitionRule: StixRule = {
  name: 'extension-definition',
  tier: 'full',
  check(obj, _ctx, report) {
    if (obj.type !== 'extension-definition') return;
    const types = obj.extension_types;
    let toplevel = false;
    if (Array.isArray(types)) {
      for (let i = 0; i < types.length; i++) {
        const value: unknown = types[i];
        if (typeof value !== 'string' || !EXTENSION_TYPES.has(value)) {
          report.error(pointer('extension_types', i), `must be one of ${EXTENSION_TYPE_LIST}`, 'STIX 2.1 §7.3.1, §10.5');
        } else if (value === 'toplevel-property-extension') {
          toplevel = true;
        }
      }
    }
    const properties = obj.extension_properties;
    if (properties !== undefined && Array.isArray(types) && !toplevel) {
      report.error(
        '/extension_properties',
        'must only be used when extension_types includes toplevel-property-extension',
        'STIX 2.1 §7.3.1',
      );
    }
    if (toplevel && properties === undefined) {
      report.warning(
        '/extension_properties',
        'should list the property names a toplevel-property-extension adds',
        'STIX 2.1 §7.3.1',
      );
    }
    if (Array.isArray(properties)) {
      for (let i = 0; i < properties.length; i++) {
        const name: unknown = properties[i];
        if (typeof name === 'string') checkExtensionPropertyName(name, pointer('extension_properties', i), '§7.3.2.1', report);
      }
    }
  },
};

export const EXTENSION_RULES: readonly StixRule[] = [
  extensionKeysRule,
  extensionTypeRule,
  extensionPropertiesRule,
  customObjectTypeRule,
  extensionDefinitionRule,
];
