// The schema checks that the patches core-properties-by-rules, sco-core-properties-by-rules
// and identifier-syntax-by-rules (schemas/stix/CHANGES.md) leave to rules: the rules make
// them, at least as strictly, under every policy; the whole validator (schemas and rules)
// still accepts all real content, and says each defect once, at its exact path.
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { SCHEMA_PATCHES } from '../../src/stix/schemas/schema-patches';
import { StixSchemaValidator } from '../../src/stix/schemas/stix-schema-validator';
import { isBase64, isHex, propertyNameProblem } from '../../src/stix/rules/property-rules';
import { EXTENSION_SHAPES, identifierType, OBJECT_SHAPES } from '../../src/stix/rules/reference-types';
import { PREDEFINED_EXTENSIONS, SPEC_TYPES } from '../../src/stix/rules/spec-properties';
import type { StixObject } from '../../src/stix/rules/rule';
import { StixValidator, type ValidationOptions } from '../../src/stix/stix-validator';

const SHARED = path.resolve(__dirname, '../../../shared');
const EXAMPLES = path.join(SHARED, 'oasis/cti-stix2-json-schemas/examples');
const DATASETS = path.join(SHARED, 'datasets');
const SCHEMA_DIR = path.resolve(__dirname, '../../schemas/stix');

const BY_RULES = ['core-properties-by-rules', 'sco-core-properties-by-rules', 'identifier-syntax-by-rules'];
const schemas = StixSchemaValidator.load();
/** The schemas with every patch but the three above: what they checked. */
const before = StixSchemaValidator.load(SCHEMA_DIR, SCHEMA_PATCHES.filter((p) => !BY_RULES.includes(p.id)));
const validator = new StixValidator(schemas);

const UUID = '8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f';
const UUID2 = '4527e5de-8572-446a-a57a-706f15467461';
const TIME = '2016-04-06T20:03:48.000Z';

type Json = Record<string, unknown>;
const POLICIES: ValidationOptions[] = [
  { policy: 'strict', allowCustom: true },
  { policy: 'standard', allowCustom: true },
  { policy: 'permissive', allowCustom: true },
];
const STANDARD = POLICIES[1] as ValidationOptions;
const PERMISSIVE = POLICIES[2] as ValidationOptions;

const campaign = (props: Json = {}): Json => ({
  type: 'campaign',
  spec_version: '2.1',
  id: `campaign--${UUID}`,
  created: TIME,
  modified: TIME,
  name: 'Bank Attack',
  ...props,
});
const file = (props: Json = {}): Json => ({ type: 'file', spec_version: '2.1', id: `file--${UUID}`, name: 'a.exe', ...props });
const observed = (objects: Json): Json => ({
  type: 'observed-data',
  spec_version: '2.1',
  id: `observed-data--${UUID}`,
  created: TIME,
  modified: TIME,
  first_observed: TIME,
  last_observed: TIME,
  number_observed: 1,
  objects,
});

/** The errors of the whole validator, as `path message (source)`. */
function errors(obj: Json, options: ValidationOptions = STANDARD): string[] {
  return validator.validate(obj as StixObject, options).errors.map((i) => `${i.path} ${i.message} (${i.source})`);
}
const schemaPaths = (v: StixSchemaValidator, obj: Json): string[] => v.validate(obj).map((i) => i.path);

/** Every policy refuses `obj` with exactly `expected` (the rule's findings) and the schemas alone now accept it. */
function refusedByRules(obj: Json, expected: string[]): void {
  expect(schemaPaths(before, obj).length).toBeGreaterThan(0); // what the schemas refused upstream
  expect(schemas.validate(obj)).toEqual([]);
  for (const options of POLICIES) expect([options.policy, errors(obj, options)]).toEqual([options.policy, expected]);
}

const NAME_CHARS = 'is not a valid property name: only a-z, 0-9 and underscore are allowed';
const HEX = 'must be hex: an even number of hexadecimal digits 0-9, a-f, since its name ends in _hex (STIX 2.1 §2.8, §3.1)';
const BINARY =
  'must be base64-encoded binary (RFC 4648: A-Z, a-z, 0-9, + and / in groups of four, = padding only at the end), since its name ends in _bin (STIX 2.1 §2.1, §3.1, RFC 4648 §4)';
const NULL = 'must not be null: no STIX data type has a null value (omit the property instead) (STIX 2.1 §2)';

describe('common/properties.json at the top level: property-names and property-values', () => {
  test('custom property names: 3–250 of a–z, 0–9 and _, starting with a letter', () => {
    refusedByRules(campaign({ x_acme_Score: 1 }), [`/x_acme_Score ${NAME_CHARS} (STIX 2.1 §11.1.1)`]);
    refusedByRules(campaign({ 'x-acme-score': 1 }), [`/x-acme-score ${NAME_CHARS} (STIX 2.1 §11.1.1)`]);
    refusedByRules(campaign({ _acme: 1 }), ['/_acme is not a valid property name: it must begin with a letter (STIX 2.1 §3.1)']);
    refusedByRules(campaign({ '9_acme': 1 }), ['/9_acme is not a valid property name: it must begin with a letter (STIX 2.1 §3.1)']);
    refusedByRules(campaign({ ab: 1 }), [
      '/ab is not a valid property name: it must be between 3 and 250 characters long (STIX 2.1 §3.1, §11.1.1)',
    ]);
    refusedByRules(campaign({ [`x_${'a'.repeat(249)}`]: 1 }), [
      `/x_${'a'.repeat(249)} is not a valid property name: it must be between 3 and 250 characters long (STIX 2.1 §3.1, §11.1.1)`,
    ]);
    refusedByRules(campaign({ 'a/b~c': 1 }), [`/a~1b~0c ${NAME_CHARS} (STIX 2.1 §11.1.1)`]);
    refusedByRules({ type: 'x-acme-sensor', spec_version: '2.1', id: `x-acme-sensor--${UUID}`, Reading: 1 }, [
      `/Reading ${NAME_CHARS} (STIX 2.1 §11.2.1)`,
    ]);
    for (const options of POLICIES) {
      expect(errors(campaign({ x_acme_score: 1, abc: 'x', [`x_${'a'.repeat(248)}`]: true }), options)).toEqual([]);
    }
  });

  test('the objects of an observed-data container are checked as well', () => {
    refusedByRules(observed({ 0: file({ 'Bad-Name': 1 }) }), [`/objects/0/Bad-Name ${NAME_CHARS} (STIX 2.1 §11.1.1)`]);
    refusedByRules(observed({ 0: file({ x_acme_note: null }) }), [`/objects/0/x_acme_note ${NULL}`]);
    refusedByRules(observed({ 0: file({ x_acme_magic_hex: 'xyz' }) }), [`/objects/0/x_acme_magic_hex ${HEX}`]);
  });

  test('null is no value, at any property', () => {
    refusedByRules(campaign({ x_acme_note: null }), [`/x_acme_note ${NULL}`]);
    refusedByRules(file({ x_acme_note: null }), [`/x_acme_note ${NULL}`]);
    // A property the object's own schema types is refused by that schema as well.
    expect(errors(campaign({ description: null }))).toEqual([
      '/description must be a string (OASIS STIX 2.1 JSON schema sdos/campaign.json)',
      `/description ${NULL}`,
    ]);
  });

  test('an empty list is reported once, under every policy', () => {
    refusedByRules(campaign({ x_acme_tags: [] }), ['/x_acme_tags must not be an empty list (STIX 2.1 §2.12)']);
    expect(errors(campaign({ x_acme_tags: [[]] }), PERMISSIVE)).toEqual([]); // deeper lists: non-empty-lists (standard, strict)
    expect(errors(campaign({ x_acme_tags: [[]] }))).toEqual(['/x_acme_tags/0 must not be an empty list (STIX 2.1 §2.12)']);
  });

  test('custom *_hex properties hold hex, *_bin properties base64', () => {
    for (const bad of ['abc', 'zz', '0x00', '', 12, ['00']]) refusedByRules(campaign({ x_acme_key_hex: bad }), [`/x_acme_key_hex ${HEX}`]);
    for (const bad of ['abc', 'ab=c', 'a===', '====', 'aGVsbG8', 'aGVs bG8=', '', true]) {
      refusedByRules(file({ x_acme_blob_bin: bad }), [`/x_acme_blob_bin ${BINARY}`]);
    }
    for (const options of POLICIES) {
      expect(errors(campaign({ x_acme_key_hex: 'DEADbeef00', x_acme_blob_bin: 'aGVsbG8=', x_two_bin: 'aGk=', x_four_bin: 'aGV5IQ==' }), options)).toEqual(
        [],
      );
    }
    // Not a valid property name: reported as such, and the value is not looked at (as upstream).
    refusedByRules(campaign({ X_hex: 'zz' }), [`/X_hex ${NAME_CHARS} (STIX 2.1 §11.1.1)`]);
  });

  test('the _hex / _bin properties the specification defines are typed by their own schemas, and said once', () => {
    expect(errors(file({ magic_number_hex: 'xyz' }))).toEqual([
      '/magic_number_hex must match the pattern ^([a-fA-F0-9]{2})+$ (OASIS STIX 2.1 JSON schema common/hex.json)',
    ]);
    const artifact = { type: 'artifact', spec_version: '2.1', id: `artifact--${UUID}`, mime_type: 'text/plain', payload_bin: 'abc' };
    expect(errors(artifact)).toEqual([
      '/payload_bin must match the pattern ^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{4}|[A-Za-z0-9+/]{3}=|[A-… (OASIS STIX 2.1 JSON schema common/binary.json)',
    ]);
    for (const [type, spec] of SPEC_TYPES) {
      for (const name of spec.properties) if (/_(hex|bin)$/.test(name)) expect([type, name]).toEqual([type, expect.stringMatching(/^(magic_number_hex|payload_bin)$/)]);
    }
  });

  test('inside extensions properties.json still applies', () => {
    const ext = (props: Json) => campaign({ extensions: { [`extension-definition--${UUID2}`]: { extension_type: 'property-extension', ...props } } });
    const at = `/extensions/extension-definition--${UUID2}`;
    expect(schemas.validate(ext({ Rank: 1 })).map((i) => i.path)).toEqual([`${at}/Rank`]);
    expect(schemas.validate(ext({ rank_hex: 'x' })).map((i) => i.path)).toEqual([`${at}/rank_hex`]);
    expect(schemas.validate(ext({ rank: null })).map((i) => i.path)).toEqual([`${at}/rank`]);
  });

  test('the rules accept exactly the names and values properties.json accepts', () => {
    const nameUpstream = /^([a-z][a-z0-9_]{2,249}|id)$/;
    const hexUpstream = /^([a-fA-F0-9]{2})+$/;
    const binUpstream = /^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{4}|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2}==)$/;
    const name = fc.oneof(fc.stringMatching(/^[a-zA-Z0-9_-]{0,8}$/), fc.string({ maxLength: 6 }), fc.constantFrom('a'.repeat(250), 'a'.repeat(251)));
    fc.assert(fc.property(name, (n) => n === 'id' || (propertyNameProblem(n) === undefined) === nameUpstream.test(n)), { numRuns: 5000 });
    const hex = fc.oneof(fc.stringMatching(/^[0-9a-fA-Fg-]{0,9}$/), fc.string({ maxLength: 5 }));
    fc.assert(fc.property(hex, (h) => isHex(h) === hexUpstream.test(h)), { numRuns: 5000 });
    const bin = fc.oneof(fc.stringMatching(/^[A-Za-z0-9+/=.-]{0,13}$/), fc.stringMatching(/^[a-c]{0,6}={0,3}$/), fc.string({ maxLength: 9 }));
    fc.assert(fc.property(bin, (b) => isBase64(b) === binUpstream.test(b)), { numRuns: 10000 });
  });

  test('every property name the specification defines is a valid name (property-names skips them)', () => {
    const names = [...SPEC_TYPES.values()].flatMap((t) => [...t.properties]);
    const extensionNames = [...PREDEFINED_EXTENSIONS.values()].flatMap((e) => [...e.properties]);
    for (const n of [...names, ...extensionNames]) expect([n, n === 'id' || propertyNameProblem(n) === undefined]).toEqual([n, true]);
  });
});

describe('common/identifier.json: identifier-format and the reference rules', () => {
  const upstream = /^[a-z][a-z0-9-]+[a-z0-9]--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$/;

  test('every identifier the reference rules accept, the upstream pattern accepts', () => {
    const hex = fc.constantFrom(...'0123456789abcdefABCDEFg-');
    const part = (n: number) => fc.array(hex, { minLength: n, maxLength: n }).map((a) => a.join(''));
    const uuid = fc.tuple(part(8), part(4), part(4), part(4), part(12)).map((p) => p.join('-'));
    const type = fc.oneof(fc.stringMatching(/^[a-z0-9-]{1,12}$/), fc.constantFrom('indicator', 'x-acme', 'a--b', 'abc-', 'ab'));
    const id = fc.oneof(fc.tuple(type, uuid).map(([t, u]) => `${t}--${u}`), fc.tuple(type, fc.uuid()).map(([t, u]) => `${t}--${u}`));
    fc.assert(fc.property(id, (s) => identifierType(s) === undefined || upstream.test(s)), { numRuns: 20000 });
  });

  test('a bad id is refused under every policy', () => {
    refusedByRules(campaign({ id: 'campaign--1234' }), ['/id must end in an RFC 4122 UUID (8-4-4-4-12 hexadecimal digits) (STIX 2.1 §2.9)']);
    refusedByRules(campaign({ id: `campaign--${UUID.replace('4cbf', '4cbz')}` }), [
      '/id must end in an RFC 4122 UUID (8-4-4-4-12 hexadecimal digits) (STIX 2.1 §2.9)',
    ]);
    refusedByRules(campaign({ id: `campaign--${UUID.replace('-4cbf', '-7cbf')}` }), [
      '/id must use an RFC 4122 UUID of version 1 to 5 (STIX 2.1 §2.9)',
    ]);
    // A type ending in a hyphen (which the type pattern admits) cannot form an identifier.
    refusedByRules({ type: 'x-acme-', spec_version: '2.1', id: `x-acme---${UUID}`, created: TIME, modified: TIME }, [
      '/id must have the form <type>--<UUID>, which the type "x-acme-" cannot form: it ends in a hyphen (STIX 2.1 §2.9)',
      '/id must end in an RFC 4122 UUID (8-4-4-4-12 hexadecimal digits) (STIX 2.1 §2.9)',
    ]);
    refusedByRules(observed({ 0: file({ id: 'file--x' }) }), [
      '/objects/0/id must end in an RFC 4122 UUID (8-4-4-4-12 hexadecimal digits) (STIX 2.1 §2.9)',
    ]);
  });

  test('references the schemas checked are checked under every policy; their targets only under standard and strict', () => {
    const bad = 'identity--1234';
    const problem = `must be an identifier <type>--<UUID>; the UUID part of "${bad}" is not a UUID (STIX 2.1 §2.9)`;
    refusedByRules(campaign({ created_by_ref: bad }), [`/created_by_ref ${problem}`]);
    refusedByRules(campaign({ object_marking_refs: [`marking-definition--${UUID2}`, bad] }), [`/object_marking_refs/1 ${problem}`]);
    const badMarking = 'marking-definition--1234';
    refusedByRules(campaign({ granular_markings: [{ selectors: ['name'], marking_ref: badMarking }] }), [
      `/granular_markings/0/marking_ref must be an identifier <type>--<UUID>; the UUID part of "${badMarking}" is not a UUID (STIX 2.1 §2.9)`,
    ]);
    const relationship = {
      type: 'relationship',
      spec_version: '2.1',
      id: `relationship--${UUID}`,
      created: TIME,
      modified: TIME,
      relationship_type: 'uses',
      source_ref: `campaign--${UUID2}`,
      target_ref: 'Malware--4527e5de-8572-446a-a57a-706f15467461',
    };
    refusedByRules(relationship, [
      '/target_ref must be an identifier <type>--<UUID>; the type part of "Malware--4527e5de-8572-446a-a57a-706f15467461" is not a STIX type name (lowercase a-z, 0-9 and single hyphens, 3 to 250 characters) (STIX 2.1 §2.9)',
    ]);
    refusedByRules(observed({ 0: file({ object_marking_refs: [bad] }) }), [`/objects/0/object_marking_refs/0 ${problem}`]);
    // The target type is a rule of its own, beyond the schemas.
    const wrongTarget = campaign({ created_by_ref: `indicator--${UUID2}` });
    expect(errors(wrongTarget, PERMISSIVE)).toEqual([]);
    expect(errors(wrongTarget)).toEqual([`/created_by_ref must reference an identity, not indicator--${UUID2} (STIX 2.1 §3.2)`]);
    // SCO references, custom references and local container keys were never identifier.json's.
    for (const obj of [file({ parent_directory_ref: 'dir' }), campaign({ x_acme_ref: 'nope' }), observed({ 0: file({ parent_directory_ref: '9' }) })]) {
      expect(errors(obj, PERMISSIVE)).toEqual([]);
      expect(errors(obj).length).toBeGreaterThan(0);
    }
  });

  test('the `upstream` flag of every reference property says whether identifier.json checked it', () => {
    const mismatches: string[] = [];
    const check = (where: string, obj: Json, name: string, list: boolean, flagged: boolean, at: string) => {
      const value = list ? ['not-an-identifier'] : 'not-an-identifier';
      const target = `${at}/${name}${list ? '/0' : ''}`;
      const refused = before.validate({ ...obj, [name]: value }).some((i) => i.path === target && i.message.includes('--[0-9a-fA-F]{8}'));
      if (refused !== flagged) mismatches.push(`${where} ${name}: flag ${flagged}, upstream ${refused}`);
    };
    for (const [type, shape] of OBJECT_SHAPES) {
      const category = SPEC_TYPES.get(type)?.category;
      const obj: Json = { type, spec_version: '2.1', id: `${type}--${UUID}` };
      if (category !== 'sco') Object.assign(obj, { created: TIME, modified: TIME });
      for (const [name, property] of shape.refs) check(type, obj, name, property.list, property.upstream, '');
    }
    expect(mismatches).toEqual([]);
    for (const [name, shape] of EXTENSION_SHAPES) for (const property of shape.refs.values()) expect([name, property.upstream]).toEqual([name, false]);
  });
});

describe('the whole validator', () => {
  function objectsIn(file: string): Json[] {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
    return Array.isArray(parsed.objects) ? (parsed.objects as Json[]) : [parsed];
  }
  const files = [
    ...fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.json')).map((f) => path.join(EXAMPLES, f)),
    ...fs.readdirSync(path.join(EXAMPLES, 'threat-reports')).filter((f) => f.endsWith('.json')).map((f) => path.join(EXAMPLES, 'threat-reports', f)),
    path.join(DATASETS, 'mobile-attack-17.1.json'),
    path.join(DATASETS, 'fireeye-pivy-report-with-indicators.json'),
  ];

  test.each(files.map((f) => [path.relative(SHARED, f), f]))('accepts every object of %s under every policy', (_name, f) => {
    const refused: string[] = [];
    for (const obj of objectsIn(f)) {
      for (const options of POLICIES.slice(1)) {
        const verdict = validator.validate(obj as StixObject, options);
        if (!verdict.accepted) refused.push(`${options.policy} ${String(obj.id)}: ${verdict.errors.map((e) => `${e.path} ${e.message}`).join('; ')}`);
      }
    }
    expect(refused).toEqual([]);
  });

  test('a verdict without issues has arrays of its own', () => {
    const a = validator.validate(campaign() as StixObject, STANDARD);
    const b = validator.validate(campaign() as StixObject, STANDARD);
    expect(a).toEqual({ accepted: true, errors: [], warnings: [] });
    expect(a.errors).not.toBe(b.errors);
    a.errors.push({ severity: 'error', path: '', message: 'x', source: 'y' });
    expect(b.errors).toEqual([]);
  });
});
