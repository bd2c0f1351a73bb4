// Identifier, spec_version, type-name and timestamp rules (STIX 2.1 §2.9, §2.16, §3.1, §3.2
// and the orderings of the property tables).
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { compareStixTimestamps, isStixTimestamp, versionKey } from '../../src/vocabulary/time';
import { IssueCollector, type RuleContext, type StixObject, type StixRule } from '../../src/stix/rules/rule';
import {
  IDENTIFIER_RULES,
  identifierFormatRule,
  identifierUuidVersionRule,
  specVersionRule,
  typeNameRule,
} from '../../src/stix/rules/identifier-rules';
import { uuidProblem } from '../../src/vocabulary/stix-id';
import {
  modifiedNotBeforeCreatedRule,
  TIMESTAMP_RULES,
  timestampFormatRule,
  timestampOrderRule,
  versionTimestampsRule,
} from '../../src/stix/rules/timestamp-rules';
import type { ValidationIssue } from '../../src/stix/validation-issue';

const SHARED = path.resolve(__dirname, '../../../shared');
const EXAMPLES = path.join(SHARED, 'oasis/cti-stix2-json-schemas/examples');
const DATASETS = path.join(SHARED, 'datasets');

const CUSTOM_OK: RuleContext = { allowCustom: true };

function run(rule: StixRule, obj: StixObject, ctx: RuleContext = CUSTOM_OK): ValidationIssue[] {
  const collector = new IssueCollector();
  rule.check(obj, ctx, collector);
  return collector.issues;
}

/** A copy of `base` with `patch` applied; an undefined value removes the property. */
function withProps(base: StixObject, patch: Record<string, unknown>): StixObject {
  const out: Record<string, unknown> = { ...base, ...patch };
  for (const [k, v] of Object.entries(patch)) if (v === undefined) delete out[k];
  return out;
}

// Objects from the examples of STIX 2.1 (Errata 01).
const INDICATOR: StixObject = {
  type: 'indicator',
  spec_version: '2.1',
  id: 'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',
  created: '2016-04-06T20:03:48.000Z',
  modified: '2016-04-06T20:03:48.000Z',
  indicator_types: ['malicious-activity'],
  name: 'Poison Ivy Malware',
  pattern: "[ file:hashes.'SHA-256' = '4bac27393bdd9777ce02453256c5577cd02275510b2227f473d03f533924f877' ]",
  pattern_type: 'stix',
  valid_from: '2016-01-01T00:00:00Z',
};
const SDO_BASE = { spec_version: '2.1', created: '2016-04-06T20:03:48.000Z', modified: '2016-04-06T20:03:48.000Z' };
const sdo = (type: string, props: Record<string, unknown>): StixObject => ({
  type,
  id: `${type}--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061`,
  ...SDO_BASE,
  ...props,
});
const sco = (type: string, props: Record<string, unknown>): StixObject => ({
  type,
  spec_version: '2.1',
  id: `${type}--28bb3599-77cd-5a82-a950-b5bc3caf07c4`,
  ...props,
});
const IPV4 = sco('ipv4-addr', { value: '198.51.100.3' });
const CUSTOM_SDO: StixObject = {
  type: 'x-example-com-customobject',
  spec_version: '2.1',
  id: 'x-example-com-customobject--4527e5de-8572-446a-a57a-706f15467461',
  created: '2016-08-01T00:00:00.000Z',
  modified: '2016-08-01T00:00:00.000Z',
  some_custom_stuff: 14,
};
const NEW_SCO: StixObject = {
  type: 'my-favorite-sco',
  id: 'my-favorite-sco--f9dbe89c-0030-4a9d-8b78-0dcd0a0de874',
  name: 'This is the name of my favorite SCO',
  extensions: { 'extension-definition--c5333451-c08c-4c48-be5e-9ad4c947776a': { extension_type: 'new-sco' } },
};

interface Case {
  name: string;
  rule: StixRule;
  obj: StixObject;
  severity: 'error' | 'warning';
  path: string;
  message: RegExp;
  source: RegExp;
}

function expectSingle(issues: ValidationIssue[], c: Case): void {
  expect(issues).toHaveLength(1);
  const [issue] = issues;
  expect(issue.severity).toBe(c.severity);
  expect(issue.path).toBe(c.path);
  expect(issue.message).toMatch(c.message);
  expect(issue.source).toMatch(c.source);
}

describe('identifier rules', () => {
  const failing: Case[] = [
    {
      name: 'id without the -- separator',
      rule: identifierFormatRule,
      obj: withProps(INDICATOR, { id: 'indicator-8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f' }),
      severity: 'error',
      path: '/id',
      message: /^must have the form <type>--<UUID>$/,
      source: /^STIX 2\.1 §2\.9$/,
    },
    {
      name: 'id prefix differs from type',
      rule: identifierFormatRule,
      obj: withProps(INDICATOR, { id: 'malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f' }),
      severity: 'error',
      path: '/id',
      message: /^must start with its type "indicator--"$/,
      source: /§2\.9$/,
    },
    {
      name: 'UUID of the wrong shape',
      rule: identifierFormatRule,
      obj: withProps(INDICATOR, { id: 'indicator--8e2e2d2b17d44cbf938f98ee46b3cd3f' }),
      severity: 'error',
      path: '/id',
      message: /RFC 4122 UUID \(8-4-4-4-12/,
      source: /§2\.9$/,
    },
    {
      name: 'UUID of a non-RFC 4122 variant',
      rule: identifierFormatRule,
      obj: withProps(INDICATOR, { id: 'indicator--8e2e2d2b-17d4-4cbf-c38f-98ee46b3cd3f' }),
      severity: 'error',
      path: '/id',
      message: /variant digit 8, 9, a or b/,
      source: /§2\.9$/,
    },
    {
      name: 'UUID version 0 (nil-like)',
      rule: identifierFormatRule,
      obj: withProps(INDICATOR, { id: 'indicator--8e2e2d2b-17d4-0cbf-938f-98ee46b3cd3f' }),
      severity: 'error',
      path: '/id',
      message: /version 1 to 5/,
      source: /§2\.9$/,
    },
    {
      name: 'UUID version 7 (not in RFC 4122)',
      rule: identifierFormatRule,
      obj: withProps(INDICATOR, { id: 'indicator--8e2e2d2b-17d4-7cbf-938f-98ee46b3cd3f' }),
      severity: 'error',
      path: '/id',
      message: /version 1 to 5/,
      source: /§2\.9$/,
    },
    {
      name: 'upper-case hex digits',
      rule: identifierFormatRule,
      obj: withProps(INDICATOR, { id: 'indicator--8E2E2D2B-17D4-4CBF-938F-98EE46B3CD3F' }),
      severity: 'warning',
      path: '/id',
      message: /^should write its UUID in lower-case hexadecimal$/,
      source: /§2\.9, RFC 4122 §3$/,
    },
    {
      name: 'SDO with a UUIDv1',
      rule: identifierUuidVersionRule,
      obj: withProps(INDICATOR, { id: 'indicator--1621d4d4-b67d-11e3-9670-f01faf20d111' }),
      severity: 'warning',
      path: '/id',
      message: /^should use a UUIDv4, not a UUIDv1$/,
      source: /^STIX 2\.1 §2\.9$/,
    },
    {
      name: 'SRO with a UUIDv5',
      rule: identifierUuidVersionRule,
      obj: sdo('relationship', {
        id: 'relationship--28bb3599-77cd-5a82-a950-b5bc3caf07c4',
        relationship_type: 'indicates',
        source_ref: INDICATOR.id,
        target_ref: 'malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b',
      }),
      severity: 'warning',
      path: '/id',
      message: /UUIDv4, not a UUIDv5/,
      source: /§2\.9$/,
    },
    {
      name: 'marking-definition with a UUIDv3',
      rule: identifierUuidVersionRule,
      obj: {
        type: 'marking-definition',
        spec_version: '2.1',
        id: 'marking-definition--4a0042fe-8b88-30fe-9600-dfa128ce6fbd',
        created: '2016-08-01T00:00:00.000Z',
        definition_type: 'statement',
        definition: { statement: 'Copyright 2019, Example Corp' },
      },
      severity: 'warning',
      path: '/id',
      message: /UUIDv4, not a UUIDv3/,
      source: /§2\.9$/,
    },
    {
      name: 'SCO with a UUIDv1',
      rule: identifierUuidVersionRule,
      obj: withProps(IPV4, { id: 'ipv4-addr--1621d4d4-b67d-11e3-9670-f01faf20d111' }),
      severity: 'warning',
      path: '/id',
      message: /^should use a UUIDv5 \(deterministic\) or a UUIDv4, not a UUIDv1$/,
      source: /§2\.9$/,
    },
    {
      name: 'SDO without spec_version',
      rule: specVersionRule,
      obj: withProps(INDICATOR, { spec_version: undefined }),
      severity: 'error',
      path: '/spec_version',
      message: /^is required and must be "2\.1"$/,
      source: /^STIX 2\.1 §3\.2$/,
    },
    {
      name: 'spec_version 2.0',
      rule: specVersionRule,
      obj: withProps(INDICATOR, { spec_version: '2.0' }),
      severity: 'error',
      path: '/spec_version',
      message: /^must be "2\.1", not "2\.0"$/,
      source: /§3\.2$/,
    },
    {
      name: 'SCO with spec_version 2.0',
      rule: specVersionRule,
      obj: withProps(IPV4, { spec_version: '2.0' }),
      severity: 'error',
      path: '/spec_version',
      message: /must be "2\.1"/,
      source: /§3\.2$/,
    },
    {
      name: 'marking-definition without spec_version',
      rule: specVersionRule,
      obj: {
        type: 'marking-definition',
        id: 'marking-definition--4a0042fe-8b88-40fe-9600-dfa128ce6fbd',
        created: '2016-08-01T00:00:00.000Z',
        definition_type: 'statement',
        definition: { statement: 'Copyright 2019, Example Corp' },
      },
      severity: 'error',
      path: '/spec_version',
      message: /is required/,
      source: /§3\.2$/,
    },
    {
      name: 'SDO-shaped custom object without spec_version',
      rule: specVersionRule,
      obj: withProps(CUSTOM_SDO, { spec_version: undefined }),
      severity: 'error',
      path: '/spec_version',
      message: /is required/,
      source: /§3\.2$/,
    },
    {
      name: 'type shorter than 3 characters',
      rule: typeNameRule,
      obj: { type: 'xy', id: 'xy--4527e5de-8572-446a-a57a-706f15467461' },
      severity: 'error',
      path: '/type',
      message: /^must be between 3 and 250 characters long$/,
      source: /^STIX 2\.1 §3\.1$/,
    },
    {
      name: 'type longer than 250 characters',
      rule: typeNameRule,
      obj: { type: `x-${'a'.repeat(249)}` },
      severity: 'error',
      path: '/type',
      message: /between 3 and 250/,
      source: /§3\.1$/,
    },
    {
      name: 'type with upper case',
      rule: typeNameRule,
      obj: { type: 'X-Example-Object' },
      severity: 'error',
      path: '/type',
      message: /^must contain only a-z, 0-9 and hyphens$/,
      source: /§3\.1, §11\.2\.1$/,
    },
    {
      name: 'type with an underscore',
      rule: typeNameRule,
      obj: { type: 'x_example' },
      severity: 'error',
      path: '/type',
      message: /only a-z, 0-9 and hyphens/,
      source: /§11\.2\.1$/,
    },
    {
      name: 'type starting with a digit',
      rule: typeNameRule,
      obj: { type: '1x-example' },
      severity: 'error',
      path: '/type',
      message: /^must begin with a letter$/,
      source: /§3\.1$/,
    },
    {
      name: 'type with two hyphens in a row',
      rule: typeNameRule,
      obj: { type: 'x--example' },
      severity: 'error',
      path: '/type',
      message: /^must not contain two hyphens in a row$/,
      source: /§7\.3\.2\.2, §11\.2\.1$/,
    },
  ];

  test.each(failing)('$name', (c) => {
    expectSingle(run(c.rule, c.obj), c);
  });

  const passing: Array<[string, StixObject]> = [
    ['an SDO with a UUIDv4', INDICATOR],
    ['an SCO with a UUIDv5', IPV4],
    ['an SCO with a UUIDv4', withProps(IPV4, { id: 'ipv4-addr--1e4ffad7-0b88-41d4-ba4d-77d27490b956' })],
    ['an SCO without spec_version', withProps(IPV4, { spec_version: undefined })],
    ['a custom new-sco object without spec_version', NEW_SCO],
    ['a custom SDO', CUSTOM_SDO],
    ['a bundle (no spec_version)', { type: 'bundle', id: 'bundle--5d0092c5-5f74-4287-9642-33f4c354e56d', objects: [INDICATOR] }],
    ['a 250-character type', { type: `x-${'a'.repeat(248)}` }],
  ];
  test.each(passing)('no issue for %s', (_name, obj) => {
    for (const rule of IDENTIFIER_RULES) expect(run(rule, obj)).toEqual([]);
  });

  test('uuidProblem accepts every RFC 4122 version and variant digit, either case', () => {
    for (const version of '12345') {
      for (const variant of '89abAB') {
        expect(uuidProblem(`8e2e2d2b-17d4-${version}cbf-${variant}38f-98ee46b3cd3f`)).toBeUndefined();
      }
    }
    expect(uuidProblem('00000000-0000-0000-0000-000000000000')).toBe('variant'); // the nil UUID
  });
});

// Timestamp format cases shared by created/modified and the other timestamp properties.
const BAD_TIMESTAMPS: Array<[string, unknown, RegExp, RegExp]> = [
  ['a lower-case t and z', '2016-04-06t20:03:48.000z', /^must use an upper-case "T" and "Z"$/, /^STIX 2\.1 §2\.16\.1$/],
  ['a numeric offset', '2016-04-06T20:03:48.000+01:00', /^must be in UTC with the "Z" designator/, /§2\.16\.1$/],
  ['no time zone', '2016-04-06T20:03:48.000', /^must be an RFC 3339 timestamp/, /§2\.16\.1$/],
  ['February 30', '2016-02-30T20:03:48.000Z', /^is not a real calendar date and time$/, /§2\.16\.1$/],
  ['month 13', '2016-13-06T20:03:48.000Z', /not a real calendar date/, /§2\.16\.1$/],
  ['hour 24', '2016-04-06T24:00:00.000Z', /not a real calendar date/, /§2\.16\.1$/],
  ['a leap second', '2016-12-31T23:59:60.000Z', /not a real calendar date/, /§2\.16\.1$/],
  ['a decimal point without digits', '2016-04-06T20:03:48.Z', /^must not have a decimal point without fractional digits$/, /§2\.16\.1$/],
  ['10 fractional digits', '2016-04-06T20:03:48.0000000001Z', /more than 9 fractional digits/, /§2\.16\.1 \(note\)$/],
  ['a date only', '2016-04-06', /^must be an RFC 3339 timestamp/, /§2\.16\.1$/],
  ['a number', 1459973028000, /^must be a timestamp string/, /§2\.16\.1$/],
];

describe('created and modified', () => {
  test.each(BAD_TIMESTAMPS)('created with %s', (_name, value, message, source) => {
    const obj = withProps(INDICATOR, { created: value, modified: '2016-04-06T20:03:48.000Z' });
    expectSingle(run(versionTimestampsRule, obj), { severity: 'error', path: '/created', message, source } as Case);
  });

  test.each(BAD_TIMESTAMPS)('modified with %s', (_name, value, message, source) => {
    const obj = withProps(INDICATOR, { modified: value });
    expectSingle(run(versionTimestampsRule, obj), { severity: 'error', path: '/modified', message, source } as Case);
  });

  test.each([
    ['no fractional digits', '2016-04-06T20:03:48Z'],
    ['one fractional digit', '2016-04-06T20:03:48.1Z'],
    ['two fractional digits', '2016-04-06T20:03:48.12Z'],
  ])('created with %s is less precise than the millisecond', (_name, value) => {
    const obj = withProps(INDICATOR, { created: value, modified: '2016-04-06T20:03:48.120Z' });
    expectSingle(run(versionTimestampsRule, obj), {
      severity: 'error',
      path: '/created',
      message: /^must be precise to at least the millisecond \(three fractional digits\)/,
      source: /^STIX 2\.1 §3\.2$/,
    } as Case);
  });

  test('modified less precise than the millisecond', () => {
    const obj = withProps(INDICATOR, { modified: '2016-04-07T00:00:00Z' });
    expectSingle(run(versionTimestampsRule, obj), {
      severity: 'error',
      path: '/modified',
      message: /precise to at least the millisecond/,
      source: /§3\.2$/,
    } as Case);
  });

  test.each([
    ['milliseconds', '2016-04-06T20:03:48.000Z'],
    ['microseconds', '2016-04-06T20:03:48.000123Z'],
    ['nanoseconds', '2016-04-06T20:03:48.123456789Z'],
  ])('created and modified with %s pass', (_name, value) => {
    expect(run(versionTimestampsRule, withProps(INDICATOR, { created: value, modified: value }))).toEqual([]);
  });

  test('modified earlier than created', () => {
    const obj = withProps(INDICATOR, { created: '2016-04-06T20:03:48.000Z', modified: '2016-04-06T20:03:47.999Z' });
    expectSingle(run(modifiedNotBeforeCreatedRule, obj), {
      severity: 'error',
      path: '/modified',
      message: /^must not be earlier than created$/,
      source: /^STIX 2\.1 §3\.2$/,
    } as Case);
  });

  test('modified earlier than created by a nanosecond', () => {
    const obj = withProps(INDICATOR, { created: '2016-04-06T20:03:48.000000001Z', modified: '2016-04-06T20:03:48.000Z' });
    expect(run(modifiedNotBeforeCreatedRule, obj).map((i) => i.path)).toEqual(['/modified']);
  });

  test.each([
    ['equal', '2016-04-06T20:03:48.000Z', '2016-04-06T20:03:48.000Z'],
    ['the same instant with more digits', '2016-04-06T20:03:48.000Z', '2016-04-06T20:03:48.000000Z'],
    ['later', '2016-04-06T20:03:48.000Z', '2016-05-06T20:03:48.000Z'],
  ])('modified %s passes', (_name, created, modified) => {
    expect(run(modifiedNotBeforeCreatedRule, withProps(INDICATOR, { created, modified }))).toEqual([]);
  });
});

describe('other timestamp properties', () => {
  const BAD = '2016-02-30T00:00:00Z';
  // [type, object, property path] for every timestamp the specification defines.
  const timestampProperties: Array<[string, StixObject, string[]]> = [
    ['indicator valid_from', INDICATOR, ['valid_from']],
    ['indicator valid_until', INDICATOR, ['valid_until']],
    ['campaign first_seen', sdo('campaign', { name: 'c' }), ['first_seen']],
    ['campaign last_seen', sdo('campaign', { name: 'c' }), ['last_seen']],
    ['infrastructure first_seen', sdo('infrastructure', { name: 'i' }), ['first_seen']],
    ['intrusion-set last_seen', sdo('intrusion-set', { name: 'i' }), ['last_seen']],
    ['malware first_seen', sdo('malware', { is_family: true, name: 'm' }), ['first_seen']],
    ['malware-analysis submitted', sdo('malware-analysis', { product: 'p', result: 'malicious' }), ['submitted']],
    ['malware-analysis analysis_started', sdo('malware-analysis', { product: 'p' }), ['analysis_started']],
    ['malware-analysis analysis_ended', sdo('malware-analysis', { product: 'p' }), ['analysis_ended']],
    ['observed-data first_observed', sdo('observed-data', { number_observed: 1 }), ['first_observed']],
    ['observed-data last_observed', sdo('observed-data', { number_observed: 1 }), ['last_observed']],
    ['report published', sdo('report', { name: 'r', object_refs: [INDICATOR.id] }), ['published']],
    ['threat-actor last_seen', sdo('threat-actor', { name: 't' }), ['last_seen']],
    ['relationship start_time', sdo('relationship', { relationship_type: 'uses' }), ['start_time']],
    ['relationship stop_time', sdo('relationship', { relationship_type: 'uses' }), ['stop_time']],
    ['sighting first_seen', sdo('sighting', { sighting_of_ref: INDICATOR.id }), ['first_seen']],
    ['directory ctime', sco('directory', { path: 'C:\\' }), ['ctime']],
    ['email-message date', sco('email-message', { is_multipart: false }), ['date']],
    ['file atime', sco('file', { name: 'foo.dll' }), ['atime']],
    ['file mtime', sco('file', { name: 'foo.dll' }), ['mtime']],
    ['network-traffic start', sco('network-traffic', { protocols: ['tcp'] }), ['start']],
    ['network-traffic end', sco('network-traffic', { protocols: ['tcp'] }), ['end']],
    ['process created_time', sco('process', { pid: 1 }), ['created_time']],
    ['user-account account_expires', sco('user-account', { user_id: '1001' }), ['account_expires']],
    ['user-account credential_last_changed', sco('user-account', { user_id: '1001' }), ['credential_last_changed']],
    ['windows-registry-key modified_time', sco('windows-registry-key', { key: 'HKEY_LOCAL_MACHINE\\x' }), ['modified_time']],
    ['x509-certificate validity_not_after', sco('x509-certificate', { serial_number: '1' }), ['validity_not_after']],
    [
      'x509 v3 private_key_usage_period_not_before',
      sco('x509-certificate', { serial_number: '1', x509_v3_extensions: { key_usage: 'critical' } }),
      ['x509_v3_extensions', 'private_key_usage_period_not_before'],
    ],
    [
      'windows-pebinary-ext time_date_stamp',
      sco('file', { name: 'example.exe', extensions: { 'windows-pebinary-ext': { pe_type: 'exe' } } }),
      ['extensions', 'windows-pebinary-ext', 'time_date_stamp'],
    ],
    [
      'language-content object_modified',
      sdo('language-content', { object_ref: INDICATOR.id, contents: { de: { name: 'x' } } }),
      ['object_modified'],
    ],
  ];

  function setAt(obj: StixObject, segments: string[], value: unknown): StixObject {
    const copy = JSON.parse(JSON.stringify(obj)) as Record<string, unknown>;
    let at = copy;
    for (const s of segments.slice(0, -1)) at = at[s] as Record<string, unknown>;
    at[segments[segments.length - 1]] = value;
    return copy;
  }

  test.each(timestampProperties)('%s must be a real timestamp', (_name, obj, segments) => {
    expectSingle(run(timestampFormatRule, setAt(obj, segments, BAD)), {
      severity: 'error',
      path: `/${segments.join('/')}`,
      message: /^is not a real calendar date and time$/,
      source: /^STIX 2\.1 §2\.16\.1$/,
    } as Case);
  });

  test.each(timestampProperties)('%s accepts a valid timestamp', (_name, obj, segments) => {
    expect(run(timestampFormatRule, setAt(obj, segments, '2016-01-20T14:11:25.55Z'))).toEqual([]);
  });

  test('SCOs in the deprecated observable container', () => {
    const obj = sdo('observed-data', {
      first_observed: '2015-12-21T19:00:00Z',
      last_observed: '2015-12-21T19:00:00Z',
      number_observed: 1,
      objects: { '0': { type: 'file', name: 'foo.dll', ctime: '2015-12-21t19:00:00z' } },
    });
    expectSingle(run(timestampFormatRule, obj), {
      severity: 'error',
      path: '/objects/0/ctime',
      message: /upper-case "T" and "Z"/,
      source: /§2\.16\.1$/,
    } as Case);
  });

  test('custom properties are not taken for timestamps, even when named like one', () => {
    const obj = withProps(INDICATOR, { x_acme_first_seen: 'yesterday', start_time: 'today' });
    expect(run(timestampFormatRule, obj)).toEqual([]);
  });

  test('a predefined extension on the wrong type is not read', () => {
    const obj = sco('process', { pid: 1, extensions: { 'windows-pebinary-ext': { pe_type: 'exe', time_date_stamp: 'x' } } });
    expect(run(timestampFormatRule, obj)).toEqual([]);
  });
});

describe('timestamp orderings', () => {
  // [name, object, later property, strict, source]
  const orderings: Array<[string, StixObject, string, string, boolean, RegExp]> = [
    ['indicator valid_until > valid_from', INDICATOR, 'valid_from', 'valid_until', true, /^STIX 2\.1 §4\.7\.1$/],
    ['campaign last_seen ≥ first_seen', sdo('campaign', { name: 'c' }), 'first_seen', 'last_seen', false, /§4\.2\.1$/],
    ['infrastructure last_seen ≥ first_seen', sdo('infrastructure', { name: 'i' }), 'first_seen', 'last_seen', false, /§4\.8\.1$/],
    ['intrusion-set last_seen ≥ first_seen', sdo('intrusion-set', { name: 'i' }), 'first_seen', 'last_seen', false, /§4\.9\.1$/],
    ['malware last_seen ≥ first_seen', sdo('malware', { is_family: false }), 'first_seen', 'last_seen', false, /§4\.11\.1$/],
    ['threat-actor last_seen ≥ first_seen', sdo('threat-actor', { name: 't' }), 'first_seen', 'last_seen', false, /§4\.17\.1$/],
    ['sighting last_seen ≥ first_seen', sdo('sighting', { sighting_of_ref: INDICATOR.id }), 'first_seen', 'last_seen', false, /§5\.2\.1$/],
    [
      'observed-data last_observed ≥ first_observed',
      sdo('observed-data', { number_observed: 1 }),
      'first_observed',
      'last_observed',
      false,
      /§4\.14\.1$/,
    ],
    ['relationship stop_time > start_time', sdo('relationship', { relationship_type: 'uses' }), 'start_time', 'stop_time', true, /§5\.1\.2$/],
    ['network-traffic end ≥ start', sco('network-traffic', { protocols: ['tcp'] }), 'start', 'end', false, /§6\.12\.1$/],
  ];

  test.each(orderings)('%s: earlier fails', (_name, base, earlier, later, strict, source) => {
    const obj = withProps(base, { [earlier]: '2016-01-01T00:00:00.001Z', [later]: '2016-01-01T00:00:00Z' });
    expectSingle(run(timestampOrderRule, obj), {
      severity: 'error',
      path: `/${later}`,
      message: strict ? new RegExp(`^must be later than ${earlier}$`) : new RegExp(`^must not be earlier than ${earlier}$`),
      source,
    } as Case);
  });

  test.each(orderings)('%s: equal instants', (_name, base, earlier, later, strict, source) => {
    const obj = withProps(base, { [earlier]: '2016-01-01T00:00:00Z', [later]: '2016-01-01T00:00:00.000000Z' });
    const issues = run(timestampOrderRule, obj);
    if (strict) {
      expectSingle(issues, { severity: 'error', path: `/${later}`, message: /must be later than/, source } as Case);
    } else {
      expect(issues).toEqual([]);
    }
  });

  test.each(orderings)('%s: later passes', (_name, base, earlier, later) => {
    const obj = withProps(base, { [earlier]: '2016-01-01T00:00:00Z', [later]: '2016-01-01T00:00:00.000000001Z' });
    expect(run(timestampOrderRule, obj)).toEqual([]);
  });

  test('types without an ordering requirement are not checked', () => {
    const analysis = sdo('malware-analysis', {
      product: 'p',
      result: 'malicious',
      analysis_started: '2012-02-11T08:36:14Z',
      analysis_ended: '2012-02-10T08:36:14Z',
    });
    expect(run(timestampOrderRule, analysis)).toEqual([]);
  });

  test('an invalid bound is left to timestamp-format', () => {
    expect(run(timestampOrderRule, withProps(INDICATOR, { valid_until: '2015-02-30T00:00:00Z' }))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------
// Every object of the OASIS examples and of the two benchmark datasets passes.

function objectsOf(file: string): StixObject[] {
  const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as { objects?: StixObject[] };
  return Array.isArray(doc.objects) ? doc.objects : [doc as StixObject];
}

const CORPUS: Array<[string, string]> = [
  ...fs
    .readdirSync(EXAMPLES)
    .filter((f) => f.endsWith('.json'))
    .map((f): [string, string] => [f, path.join(EXAMPLES, f)]),
  ...fs
    .readdirSync(path.join(EXAMPLES, 'threat-reports'))
    .filter((f) => f.endsWith('.json'))
    .map((f): [string, string] => [`threat-reports/${f}`, path.join(EXAMPLES, 'threat-reports', f)]),
  ['mobile-attack-17.1.json', path.join(DATASETS, 'mobile-attack-17.1.json')],
  ['fireeye-pivy-report-with-indicators.json', path.join(DATASETS, 'fireeye-pivy-report-with-indicators.json')],
];

// The only finding on the whole corpus: one OASIS example writes a UUID digit in upper case.
const EXPECTED_WARNINGS: Record<string, string[]> = {
  'infrastructure.json': [
    'relationship--81f12913-1372-4c96-85ec-E9034ac98aba: /id should write its UUID in lower-case hexadecimal',
  ],
};

describe('real content', () => {
  const rules = [...IDENTIFIER_RULES, ...TIMESTAMP_RULES];
  let total = 0;

  test.each(CORPUS)('%s: no errors', (name, file) => {
    const objects = objectsOf(file);
    total += objects.length;
    const errors: string[] = [];
    const warnings: string[] = [];
    for (const obj of objects) {
      const collector = new IssueCollector();
      for (const rule of rules) rule.check(obj, CUSTOM_OK, collector);
      for (const issue of collector.issues) {
        (issue.severity === 'error' ? errors : warnings).push(`${String(obj.id)}: ${issue.path} ${issue.message}`);
      }
    }
    expect(errors).toEqual([]);
    expect(warnings).toEqual(EXPECTED_WARNINGS[name] ?? []);
  });

  test('the corpus is the 260 example objects and the 6,948 dataset objects', () => {
    expect(total).toBe(260 + 6948);
  });
});

/** The reference reading of a STIX timestamp (§3.2), with a regular expression and Date objects. */
function referenceIsStixTimestamp(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1) return false;
  const lastDay = new Date(0);
  lastDay.setUTCFullYear(year, month, 0);
  return day <= lastDay.getUTCDate() && hour < 24 && minute < 60 && second < 60;
}

describe('STIX timestamps read with char codes: the answers of a regular expression and Date objects', () => {
  const digit = fc.constantFrom(...'0123456789');
  const num = (n: number) => fc.array(digit, { minLength: n, maxLength: n }).map((a) => a.join(''));
  // Mostly well-formed timestamps with any field values (days 29–31, month 00/13, hour 24,
  // second 60, leap years such as 0000, 1900, 2000, 2024), plus mangled ones.
  const field = (n: number, usual: string[]) => fc.oneof(num(n), fc.constantFrom(...usual));
  const year = field(4, ['0000', '1900', '2000', '2023', '2024', '9999']);
  const month = field(2, ['00', '01', '02', '04', '12', '13']);
  const day = field(2, ['00', '28', '29', '30', '31', '32']);
  const time = fc.tuple(field(2, ['00', '23', '24']), field(2, ['00', '59', '60']), field(2, ['00', '59', '60']));
  const fraction = fc.oneof(fc.constant(''), fc.constant('.'), num(1).map((d) => `.${d}`), fc.integer({ min: 1, max: 11 }).chain((k) => num(k).map((d) => `.${d}`)));
  const end = fc.constantFrom('Z', 'Z', 'Z', 'z', '+00:00', '');
  const sep = fc.constantFrom('T', 'T', 'T', 't', ' ');
  const ts = fc.oneof(
    fc.tuple(year, month, day, sep, time, fraction, end).map(([y, mo, d, t, [h, mi, s], f, e]) => `${y}-${mo}-${d}${t}${h}:${mi}:${s}${f}${e}`),
    fc.string({ maxLength: 30 }),
  );

  test('isStixTimestamp', () => {
    fc.assert(fc.property(ts, (v) => isStixTimestamp(v) === referenceIsStixTimestamp(v)), { numRuns: 20000 });
    for (const v of [undefined, null, 20160406, ['2016-04-06T20:03:48.000Z']]) expect(isStixTimestamp(v)).toBe(false);
  });

  test('compareStixTimestamps orders as versionKey does', () => {
    const sign = (n: number) => (n < 0 ? -1 : n > 0 ? 1 : 0);
    const near = fc.tuple(fc.constantFrom('2016-04-06T20:03:48', '2016-04-06T20:03:49', '2015-12-31T23:59:59'), fraction).map(([a, f]) => `${a}${f}Z`);
    const value = fc.oneof(ts, near);
    fc.assert(
      fc.property(value, value, (a, b) => {
        const ka = versionKey(a);
        const kb = versionKey(b);
        const order = compareStixTimestamps(a, b);
        if (ka === undefined || kb === undefined) return order === undefined;
        return order !== undefined && sign(order) === sign(ka < kb ? -1 : ka > kb ? 1 : 0);
      }),
      { numRuns: 20000 },
    );
    expect(compareStixTimestamps('2016-04-06T20:03:48Z', '2016-04-06T20:03:48.000000000Z')).toBe(0);
    expect(compareStixTimestamps(42, '2016-04-06T20:03:48Z')).toBeUndefined();
  });
});
