// Timestamps (STIX 2.1 §2.16): the format of every timestamp property the specification
// defines, the millisecond precision of created/modified (§3.2), and the orderings the
// property tables require.
import { pointer } from '../validation-issue';
import { compareStixTimestamps, isStixTimestamp } from '../../vocabulary/time';
import type { Reporter, StixObject, StixRule } from './rule';
import { isPlainObject, PREDEFINED_EXTENSIONS, SPEC_TYPES, type PropertyPath } from './spec-properties';

const FORMAT_SOURCE = 'STIX 2.1 §2.16.1';
const EXAMPLE = 'e.g. 2016-05-12T08:17:27.000Z';

// Shapes used only to explain why a value is not a STIX timestamp.
const RFC3339_ANY_CASE = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;
const NUMERIC_OFFSET = /[+-]\d{2}:\d{2}$/;
const EMPTY_FRACTION = /:\d{2}\.Z$/;
const LONG_FRACTION = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{10,}Z$/;
const STIX_SHAPE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;

/** Reports `value` at `path` unless it is a STIX timestamp; true when it is one. */
function checkTimestamp(value: unknown, path: string, report: Reporter): value is string {
  if (isStixTimestamp(value)) return true;
  if (typeof value !== 'string') {
    report.error(path, `must be a timestamp string, ${EXAMPLE}`, FORMAT_SOURCE);
  } else if (LONG_FRACTION.test(value)) {
    // The specification allows any number of digits but warns about more than nanoseconds;
    // Concord keeps timestamps to the nanosecond.
    report.error(path, 'must not have more than 9 fractional digits (nanoseconds)', `${FORMAT_SOURCE} (note)`);
  } else if (EMPTY_FRACTION.test(value)) {
    report.error(path, 'must not have a decimal point without fractional digits', FORMAT_SOURCE);
  } else if (NUMERIC_OFFSET.test(value) && RFC3339_ANY_CASE.test(value)) {
    report.error(path, 'must be in UTC with the "Z" designator, not a numeric offset', FORMAT_SOURCE);
  } else if (RFC3339_ANY_CASE.test(value) && !STIX_SHAPE.test(value)) {
    report.error(path, 'must use an upper-case "T" and "Z"', FORMAT_SOURCE);
  } else if (STIX_SHAPE.test(value)) {
    report.error(path, 'is not a real calendar date and time', FORMAT_SOURCE);
  } else {
    report.error(path, `must be an RFC 3339 timestamp YYYY-MM-DDTHH:mm:ss[.s+]Z, ${EXAMPLE}`, FORMAT_SOURCE);
  }
  return false;
}

function fractionDigits(timestamp: string): number {
  const dot = timestamp.indexOf('.');
  return dot < 0 ? 0 : timestamp.length - dot - 2; // minus the dot and the trailing Z
}

/** created/modified: format and §3.2 "The minimum precision MUST be milliseconds". */
export const versionTimestampsRule: StixRule = {
  name: 'version-timestamps',
  tier: 'identity',
  check(obj, _ctx, report) {
    for (const property of ['created', 'modified'] as const) {
      const value = obj[property];
      if (value === undefined) continue;
      // A first version has modified === created (§3.6); one check covers both.
      if (property === 'modified' && value === obj.created) continue;
      const path = property === 'created' ? '/created' : '/modified';
      if (checkTimestamp(value, path, report) && fractionDigits(value) < 3) {
        report.error(path, `must be precise to at least the millisecond (three fractional digits), ${EXAMPLE}`, 'STIX 2.1 §3.2');
      }
    }
  },
};

/** §3.2 modified: "MUST be later than or equal to the value of the created property" (also §3.6.1). */
export const modifiedNotBeforeCreatedRule: StixRule = {
  name: 'modified-not-before-created',
  tier: 'identity',
  check(obj, _ctx, report) {
    if (typeof obj.created !== 'string' || typeof obj.modified !== 'string' || obj.created === obj.modified) return;
    // Undefined when one is not a timestamp: reported by version-timestamps.
    const order = compareStixTimestamps(obj.modified, obj.created);
    if (order !== undefined && order < 0) report.error('/modified', 'must not be earlier than created', 'STIX 2.1 §3.2');
  },
};

function valueAt(obj: StixObject, path: PropertyPath): unknown {
  let value: unknown = obj;
  for (const segment of path) {
    if (!isPlainObject(value)) return undefined;
    value = value[segment];
  }
  return value;
}

function checkPaths(obj: StixObject, paths: readonly PropertyPath[], prefix: readonly string[], report: Reporter): void {
  for (const path of paths) {
    const value = valueAt(obj, path);
    if (value !== undefined) checkTimestamp(value, pointer(...prefix, ...path), report);
  }
}

/** The spec-defined timestamps of one object (top level and predefined extensions). */
function checkObjectTimestamps(obj: StixObject, prefix: readonly string[], report: Reporter): void {
  if (typeof obj.type !== 'string') return;
  const spec = SPEC_TYPES.get(obj.type);
  if (spec === undefined) return; // custom types: their timestamps are not known
  checkPaths(obj, spec.timestamps, prefix, report);
  const extensions = obj.extensions;
  if (spec.category === 'sco' && isPlainObject(extensions)) {
    for (const name in extensions) {
      const ext = PREDEFINED_EXTENSIONS.get(name);
      const value = extensions[name];
      if (ext === undefined || ext.objectType !== obj.type || !isPlainObject(value)) continue;
      checkPaths(value, ext.timestamps, [...prefix, 'extensions', name], report);
    }
  }
}

/** Every other timestamp property the specification defines for the object's type. */
export const timestampFormatRule: StixRule = {
  name: 'timestamp-format',
  tier: 'full',
  check(obj, _ctx, report) {
    checkObjectTimestamps(obj, [], report);
    // SCOs in the deprecated observable container of observed-data (§2.13, §4.14.1).
    if (obj.type === 'observed-data' && isPlainObject(obj.objects)) {
      for (const key in obj.objects) {
        const sco = obj.objects[key];
        if (isPlainObject(sco)) checkObjectTimestamps(sco, ['objects', key], report);
      }
    }
  },
};

interface Ordering {
  earlier: string;
  later: string;
  /** true: `later` MUST be later than `earlier`; false: later than or equal to. */
  strict: boolean;
  source: string;
}

function seen(section: string): Ordering {
  return { earlier: 'first_seen', later: 'last_seen', strict: false, source: `STIX 2.1 ${section}` };
}

// Each entry quotes the requirement of the type's property table.
const ORDERINGS: ReadonlyMap<string, Ordering> = new Map<string, Ordering>([
  // "This MUST be greater than the timestamp in the valid_from property."
  ['indicator', { earlier: 'valid_from', later: 'valid_until', strict: true, source: 'STIX 2.1 §4.7.1' }],
  // "... then this property MUST be greater than or equal to the timestamp in the first_seen property."
  ['campaign', seen('§4.2.1')],
  ['infrastructure', seen('§4.8.1')],
  ['intrusion-set', seen('§4.9.1')],
  ['malware', seen('§4.11.1')],
  ['threat-actor', seen('§4.17.1')],
  ['sighting', seen('§5.2.1')],
  // "This MUST be greater than or equal to the timestamp in the first_observed property."
  [
    'observed-data',
    { earlier: 'first_observed', later: 'last_observed', strict: false, source: 'STIX 2.1 §4.14.1' },
  ],
  // "If start_time and stop_time are both defined, then stop_time MUST be later than the start_time value."
  ['relationship', { earlier: 'start_time', later: 'stop_time', strict: true, source: 'STIX 2.1 §5.1.2' }],
  // "... then this property MUST be greater than or equal to the timestamp in the start property."
  ['network-traffic', { earlier: 'start', later: 'end', strict: false, source: 'STIX 2.1 §6.12.1' }],
]);
// malware-analysis (submitted, analysis_started, analysis_ended), x509-certificate
// (validity_not_before/after) and user-account have no ordering requirement; incident has no
// timestamps.

export const timestampOrderRule: StixRule = {
  name: 'timestamp-order',
  tier: 'full',
  check(obj, _ctx, report) {
    if (typeof obj.type !== 'string') return;
    const ordering = ORDERINGS.get(obj.type);
    if (ordering === undefined) return;
    const earlierValue = obj[ordering.earlier];
    const laterValue = obj[ordering.later];
    if (typeof earlierValue !== 'string' || typeof laterValue !== 'string') return;
    const order = compareStixTimestamps(laterValue, earlierValue);
    if (order === undefined) return; // timestamp-format reports it
    const path = `/${ordering.later}`;
    if (ordering.strict && order <= 0) {
      report.error(path, `must be later than ${ordering.earlier}`, ordering.source);
    } else if (!ordering.strict && order < 0) {
      report.error(path, `must not be earlier than ${ordering.earlier}`, ordering.source);
    }
  },
};

export const TIMESTAMP_RULES: readonly StixRule[] = [
  versionTimestampsRule,
  modifiedNotBeforeCreatedRule,
  timestampFormatRule,
  timestampOrderRule,
];
