// The OASIS STIX 2.1 JSON schemas as Concord loads them: the verbatim copy, the load-time
// patches (one test per patch, schemas/stix/CHANGES.md), the messages, the ReDoS bounds and
// the cost of compiling and validating.
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import {
  SchemaPatchError,
  type SchemaNode,
} from '../../src/stix/schemas/schema-patch';
import { applySchemaPatches, SCHEMA_PATCHES } from '../../src/stix/schemas/schema-patches';
import { isIdnHostname, ISSUE_LIMIT, StixSchemaValidator } from '../../src/stix/schemas/stix-schema-validator';
import type { ValidationIssue } from '../../src/stix/validation-issue';

const SHARED = path.resolve(__dirname, '../../../shared');
const OASIS = path.join(SHARED, 'oasis/cti-stix2-json-schemas');
const EXAMPLES = path.join(OASIS, 'examples');
const DATASETS = path.join(SHARED, 'datasets');
const SCHEMA_DIR = path.resolve(__dirname, '../../schemas/stix');
const CHANGES = path.join(SCHEMA_DIR, 'CHANGES.md');

const validator = StixSchemaValidator.load();
// Only the ReDoS patches, without which the upstream schemas do not even compile with the
// unicode flag: every other upstream defect is still in this one.
const REDOS_PATCHES = ['core-type-redos', 'core-extension-key-redos', 'sco-core-type-redos', 'sco-core-extension-key-redos'];
const upstream = StixSchemaValidator.load(SCHEMA_DIR, SCHEMA_PATCHES.filter((p) => REDOS_PATCHES.includes(p.id)));

const UUID = '8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f';
const TIME = '2016-04-06T20:03:48.000Z';
const TLP_WHITE = 'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9';

type Json = Record<string, unknown>;
const sdo = (type: string, props: Json = {}): Json => ({
  type,
  spec_version: '2.1',
  id: `${type}--${UUID}`,
  created: TIME,
  modified: TIME,
  ...props,
});
const sco = (type: string, props: Json = {}): Json => ({ type, spec_version: '2.1', id: `${type}--${UUID}`, ...props });
const campaign = (props: Json = {}): Json => sdo('campaign', { name: 'Bank Attack', ...props });

const where = (issues: ValidationIssue[]): string[] => issues.map((i) => `${i.path} ${i.message}`);
const accepts = (v: StixSchemaValidator, obj: unknown): boolean => v.validate(obj).length === 0;

function patchEdit(id: string, n = 0): { upstream?: unknown; replacement?: unknown } {
  const patch = SCHEMA_PATCHES.find((p) => p.id === id);
  if (patch === undefined) throw new Error(`no patch ${id}`);
  return patch.edits[n] as { upstream?: unknown; replacement?: unknown };
}
const upstreamRegExp = (id: string, n = 0): RegExp => new RegExp(String(patchEdit(id, n).upstream));

/** Best of `runs` timings of `fn`, in milliseconds: a single slow run is CI noise, not a backtracking blow-up. */
function bestMs(fn: () => void, runs = 3): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    fn();
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

function objectsIn(file: string): unknown[] {
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
  return Array.isArray(parsed.objects) ? parsed.objects : [parsed];
}

function jsonFilesBelow(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? jsonFilesBelow(path.join(dir, e.name)) : e.name.endsWith('.json') ? [path.join(dir, e.name)] : []))
    .sort();
}

const DATASET_FILES = ['mobile-attack-17.1.json', 'fireeye-pivy-report-with-indicators.json'];
const datasetObjects = DATASET_FILES.flatMap((f) => objectsIn(path.join(DATASETS, f)));

/** Figures measured once, so that tests can carry them in their names. */
const throughput = (() => {
  validator.validate(datasetObjects[0]); // warm-up
  const ms = bestMs(() => datasetObjects.forEach((o) => validator.validate(o)), 3);
  return { ms, perSecond: Math.round((datasetObjects.length / ms) * 1000) };
})();

describe('the vendored OASIS schemas', () => {
  test('schemas/stix is a byte-identical copy of upstream (57 files and the LICENSE)', () => {
    const copied = jsonFilesBelow(SCHEMA_DIR).map((f) => path.relative(SCHEMA_DIR, f));
    expect(copied).toHaveLength(57);
    for (const file of copied) {
      expect(fs.readFileSync(path.join(SCHEMA_DIR, file)).equals(fs.readFileSync(path.join(OASIS, 'schemas', file)))).toBe(true);
    }
    expect(fs.readFileSync(path.join(SCHEMA_DIR, 'LICENSE')).equals(fs.readFileSync(path.join(OASIS, 'LICENSE')))).toBe(true);
  });

  test(`compiles every schema once, in ${Math.round(validator.compileMs)} ms (limit 5,000 ms)`, () => {
    expect(validator.compileMs).toBeGreaterThan(0);
    expect(validator.compileMs).toBeLessThan(5000);
  });

  test('knows the 42 STIX 2.1 types that have a schema, and not bundle', () => {
    const types = validator.knownTypes();
    expect(types.size).toBe(42);
    for (const t of ['indicator', 'grouping', 'relationship', 'sighting', 'file', 'x509-certificate']) expect(types.has(t)).toBe(true);
    for (const t of ['marking-definition', 'language-content', 'extension-definition']) expect(types.has(t)).toBe(true);
    expect(types.has('bundle')).toBe(false);
  });

  test('chooses the schema by type; custom types go to core.json (SDO-shaped) or cyber-observable-core.json', () => {
    expect(validator.schemaFileFor(sdo('indicator'))).toBe('sdos/indicator.json');
    expect(validator.schemaFileFor(sdo('relationship'))).toBe('sros/relationship.json');
    expect(validator.schemaFileFor(sco('ipv4-addr'))).toBe('observables/ipv4-addr.json');
    expect(validator.schemaFileFor(sdo('marking-definition'))).toBe('common/marking-definition.json');
    expect(validator.schemaFileFor(sdo('language-content'))).toBe('common/language-content.json');
    expect(validator.schemaFileFor(sdo('extension-definition'))).toBe('common/extension-definition.json');
    expect(validator.schemaFileFor(sdo('x-mitre-tactic'))).toBe('common/core.json');
    expect(validator.schemaFileFor({ type: 'x-acme-widget', modified: TIME })).toBe('common/core.json');
    expect(validator.schemaFileFor(sco('x-acme-sensor'))).toBe('common/cyber-observable-core.json');
    expect(validator.schemaFileFor({ id: 'no-type' })).toBe('common/cyber-observable-core.json');
  });
});

describe('valid STIX 2.1 passes', () => {
  const exampleFiles = jsonFilesBelow(EXAMPLES);

  test('the OASIS examples are all there (8 files)', () => {
    expect(exampleFiles.map((f) => path.relative(EXAMPLES, f))).toHaveLength(8);
  });

  test.each(exampleFiles.map((f) => [path.relative(EXAMPLES, f), f]))('every object of examples/%s', (_name, file) => {
    const failures = objectsIn(file)
      .map((o) => ({ id: (o as Json).id, issues: validator.validate(o) }))
      .filter((r) => r.issues.length > 0);
    expect(failures).toEqual([]);
  });

  test.each(DATASET_FILES)('every object of datasets/%s', (name) => {
    const objects = objectsIn(path.join(DATASETS, name));
    const failures = objects.map((o) => ({ id: (o as Json).id, issues: validator.validate(o) })).filter((r) => r.issues.length > 0);
    expect(failures).toEqual([]);
  });

  test(`the 6,948 dataset objects validate at ${throughput.perSecond.toLocaleString('en')} objects/s (${Math.round(throughput.ms)} ms)`, () => {
    expect(datasetObjects).toHaveLength(6948);
    expect(datasetObjects.filter((o) => (o as Json).type === 'x-mitre-tactic').map((o) => validator.schemaFileFor(o as Json))).toContain(
      'common/core.json',
    );
    expect(throughput.ms).toBeLessThan(2000);
  });
});

describe('one test per patch: the upstream defect, fixed', () => {
  test('patches match their upstream text, fail loudly when it changed, and need their file', () => {
    const files = new Map<string, SchemaNode>();
    for (const patch of SCHEMA_PATCHES) {
      files.set(patch.file, JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, patch.file), 'utf8')) as SchemaNode);
    }
    expect(() => applySchemaPatches(files)).not.toThrow();
    // Applying twice means the upstream text is gone: every patch must notice.
    for (const patch of SCHEMA_PATCHES) expect(() => patch.apply(files.get(patch.file) as SchemaNode)).toThrow(SchemaPatchError);

    const core = JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, 'common/core.json'), 'utf8')) as SchemaNode;
    ((core.properties as Json).type as Json).pattern = '^[a-z]+$';
    const typePatch = SCHEMA_PATCHES.filter((p) => p.id === 'core-type-redos');
    expect(() => applySchemaPatches(new Map([['common/core.json', core]]), typePatch)).toThrow(/core-type-redos.*common\/core\.json/);
    expect(() => applySchemaPatches(new Map(), typePatch)).toThrow(/file not loaded/);
  });

  test('every patch has its section in schemas/stix/CHANGES.md, in order, with its file and its texts', () => {
    const text = fs.readFileSync(CHANGES, 'utf8');
    const headings = [...text.matchAll(/^### \d+\. (\S+)$/gm)].map((m) => m[1]);
    expect(headings).toEqual(SCHEMA_PATCHES.map((p) => p.id));
    const sections = text.split(/^### /m).slice(1);
    SCHEMA_PATCHES.forEach((patch, i) => {
      const section = sections[i];
      expect(section).toContain(`\`${patch.file}\``);
      for (const edit of patch.edits) {
        for (const value of ['upstream' in edit ? edit.upstream : undefined, 'replacement' in edit ? edit.replacement : undefined]) {
          if (value === undefined) continue;
          expect(section).toContain(typeof value === 'string' ? value : JSON.stringify(value, null, 2));
        }
      }
    });
    expect(text).toMatch(/common\/bundle\.json/);
    expect(text).toMatch(/not used/i);
  });

  describe.each([
    ['core-type-redos', 'core-extension-key-redos'],
    ['sco-core-type-redos', 'sco-core-extension-key-redos'],
  ])('%s, %s', (typeId, keyId) => {
    const typeUp = upstreamRegExp(typeId);
    const keyUp = upstreamRegExp(keyId);
    const typeFixed = new RegExp(String(patchEdit(typeId).replacement), 'u');
    const keyFixed = new RegExp(String(patchEdit(keyId).replacement), 'u');

    test('upstream: illegal with the unicode flag, and exponential', () => {
      expect(() => new RegExp(typeUp.source, 'u')).toThrow(/Invalid escape/);
      expect(() => new RegExp(keyUp.source, 'u')).toThrow(/Invalid escape/);
      // Warm up first: V8 runs a fresh expression in its (slower) bytecode interpreter.
      for (let i = 0; i < 20; i++) {
        typeUp.test(`${'a'.repeat(10)}!`);
        keyUp.test('a'.repeat(10));
      }
      // Each further character doubles the time; 22 and 26 characters were too close to the bound on slow machines.
      expect(bestMs(() => typeUp.test(`${'a'.repeat(24)}!`), 1)).toBeGreaterThan(30);
      expect(bestMs(() => keyUp.test('a'.repeat(28)), 1)).toBeGreaterThan(30);
    });

    test('the rewrite accepts exactly the same names, in linear time', () => {
      const name = fc.stringMatching(/^[a-z0-9!-]{0,14}$/);
      fc.assert(fc.property(name, (s) => typeUp.test(s) === typeFixed.test(s)), { numRuns: 2000 });
      fc.assert(fc.property(name, (s) => keyUp.test(s) === keyFixed.test(s)), { numRuns: 2000 });
      fc.assert(fc.property(name.map((s) => `${s}-ext`), (s) => keyUp.test(s) === keyFixed.test(s)), { numRuns: 2000 });
      expect(bestMs(() => typeFixed.test(`${'a'.repeat(5000)}!`))).toBeLessThan(5);
      expect(bestMs(() => keyFixed.test('a'.repeat(5000)))).toBeLessThan(5);
    });
  });

  test('the ReDoS rewrites leave the published bad cases quick, and still refuse bad names', () => {
    for (const type of [`${'a'.repeat(26)}!`, `${'a'.repeat(40)}!`]) {
      expect(bestMs(() => validator.validate({ type, id: `x--${UUID}` }))).toBeLessThan(5);
      expect(where(validator.validate({ type, id: `x--${UUID}` }))).toContain('/type must match the pattern ^[a-z][a-z0-9]*(-[a-z0-9]+)*-?$');
    }
    const obj = sco('x-acme-sensor', { extensions: { ['a'.repeat(40)]: { x_a: 1 } } });
    expect(bestMs(() => validator.validate(obj))).toBeLessThan(5);
    expect(where(validator.validate(obj))[0]).toMatch(/^\/extensions\/a{40} is not a valid extension key/);
    expect(accepts(validator, sco('x-acme-sensor', { extensions: { 'acme-sensor-ext': { reading: 1 } } }))).toBe(true);
  });

  test('properties-name-anchored: names are 3–250 of a–z, 0–9, _ from start to end', () => {
    const re = upstreamRegExp('properties-name-anchored');
    expect(re.test('abcDEF') && re.test('Xid')).toBe(true); // the defect
    // properties.json applies inside extensions (at the top level, rules check names instead).
    const extended = (props: Json) => campaign({ extensions: { [`extension-definition--${UUID}`]: { extension_type: 'property-extension', ...props } } });
    const at = `/extensions/extension-definition--${UUID}`;
    expect(accepts(upstream, extended({ x_acme_Score: 1 }))).toBe(true);
    expect(where(validator.validate(extended({ x_acme_Score: 1 })))).toEqual([
      `${at}/x_acme_Score is not a valid property name (3–250 characters of a–z, 0–9 and _, starting with a letter)`,
    ]);
    expect(accepts(validator, extended({ 'x_acme-score': 1 }))).toBe(false);
    expect(accepts(validator, extended({ x_acme_score: 1, abc: 'x' }))).toBe(true);
    expect(accepts(validator, extended({ id: `x-acme-sensor--${UUID}` }))).toBe(true); // `id` (2 characters) still allowed
    expect(accepts(validator, extended({ ab: 1 }))).toBe(false);
  });

  test('external-reference-hash-names-anchored: external-reference hash keys come from hash-algorithm-ov', () => {
    const ref = (hashes: Json) => campaign({ external_references: [{ source_name: 'acme', url: 'https://example.com/r', hashes }] });
    const sha = 'a'.repeat(64);
    expect(accepts(upstream, ref({ 'MD5-ish': 'x' }))).toBe(true);
    expect(where(validator.validate(ref({ 'MD5-ish': 'x' })))).toEqual([
      '/external_references/0/hashes/MD5-ish is not an allowed key (keys must match the pattern ^(MD5|SHA-1|SHA-256|SHA-512|SHA3-256|SHA3-512|SSDEEP|TLSH)$)',
    ]);
    expect(accepts(validator, ref({ 'SHA-256': sha, MD5: 'a'.repeat(32) }))).toBe(true);
    expect(accepts(validator, ref({ 'SHA-256': 'not-a-sha' }))).toBe(false);
  });

  test('granular-marking-lang-or-marking-ref: exactly one of marking_ref and lang', () => {
    const marked = (...markings: Json[]) => campaign({ granular_markings: markings });
    const lang = { selectors: ['name'], lang: 'de' };
    const both = { selectors: ['name'], lang: 'de', marking_ref: TLP_WHITE };
    expect(accepts(upstream, marked(lang))).toBe(false);
    expect(accepts(upstream, marked(both))).toBe(true);
    expect(accepts(validator, marked(lang))).toBe(true);
    expect(accepts(validator, marked({ selectors: ['description'], marking_ref: TLP_WHITE }))).toBe(true);
    expect(where(validator.validate(marked(both)))).toEqual(['/granular_markings/0 must contain only one of: marking_ref, lang']);
    expect(where(validator.validate(marked({ selectors: ['name'] })))).toEqual([
      '/granular_markings/0 must contain exactly one of: marking_ref, lang',
    ]);
  });

  test('granular-marking-selector-dictionary-keys: selectors may name dictionary keys with capitals', () => {
    const marked = (selector: string) =>
      sdo('malware-analysis', {
        product: 'x',
        result: 'malicious',
        external_references: [{ source_name: 'acme', url: 'https://example.com', hashes: { 'SHA-256': 'a'.repeat(64) } }],
        granular_markings: [{ selectors: [selector], marking_ref: TLP_WHITE }],
      });
    expect(accepts(upstream, marked('external_references.[0].hashes.SHA-256'))).toBe(false);
    expect(accepts(validator, marked('external_references.[0].hashes.SHA-256'))).toBe(true);
    expect(accepts(validator, marked('Product'))).toBe(false);
    expect(accepts(validator, marked('product.'))).toBe(false);
  });

  test('marking-definition-type-anchored: other definition types may start with "statement" or end with "tlp"', () => {
    const marking = (definition_type: string, definition: Json) => ({
      type: 'marking-definition',
      spec_version: '2.1',
      id: `marking-definition--${UUID}`,
      created: TIME,
      definition_type,
      definition,
    });
    expect(accepts(upstream, marking('statement-ext', { text: 'x' }))).toBe(false);
    expect(accepts(validator, marking('statement-ext', { text: 'x' }))).toBe(true);
    expect(accepts(validator, marking('acme-tlp', { level: 'x' }))).toBe(true);
    expect(accepts(validator, marking('statement', { statement: 'Copyright 2026 Acme' }))).toBe(true);
    expect(where(validator.validate(marking('statement', {})))).toEqual(['/definition/statement is required']);
    expect(accepts(validator, marking('tlp', { tlp: 'white' }))).toBe(false); // TLP only as the four predefined objects
  });

  test('observed-data-custom-sco-types-anchored: custom SCOs whose type contains a standard name', () => {
    const observed = (objects: Json) =>
      sdo('observed-data', { first_observed: TIME, last_observed: TIME, number_observed: 1, objects });
    const custom = { '0': { type: 'x-file-info', id: `x-file-info--${UUID}` } };
    expect(accepts(upstream, observed(custom))).toBe(false);
    expect(accepts(validator, observed(custom))).toBe(true);
    expect(accepts(validator, observed({ '0': sco('file', { name: 'a.exe' }) }))).toBe(true);
    // A standard type still has to satisfy its own schema, not the custom branch.
    expect(where(validator.validate(observed({ '0': sco('file', { size: 1 }) })))).toEqual(['/objects/0 must contain at least one of: hashes, name']);
  });

  test('observed-data-object-refs-sdo-prefix: SDO references are refused by type, not by prefix', () => {
    const observed = (ref: string) =>
      sdo('observed-data', { first_observed: TIME, last_observed: TIME, number_observed: 1, object_refs: [ref] });
    expect(accepts(upstream, observed(`tool-output--${UUID}`))).toBe(false);
    expect(accepts(validator, observed(`tool-output--${UUID}`))).toBe(true);
    expect(accepts(validator, observed(`file--${UUID}`))).toBe(true);
    expect(accepts(validator, observed(`tool--${UUID}`))).toBe(false);
    expect(accepts(validator, observed(`malware-analysis--${UUID}`))).toBe(false);
  });

  test('email-additional-header-fields-forbidden-names: no key may be one of the names that have a property', () => {
    const email = (fields: Json) => sco('email-message', { is_multipart: false, additional_header_fields: fields });
    expect(accepts(upstream, email({ subject: 'x', 'X-Mailer': 'Mutt' }))).toBe(true);
    expect(accepts(upstream, email({ 'X-Original-subject': 'x' }))).toBe(false);
    expect(where(validator.validate(email({ subject: 'x', 'X-Mailer': 'Mutt' })))).toEqual([
      '/additional_header_fields/subject is not an allowed key (keys must not match the pattern ^(date|received_lines|content_type|from_ref|sender_ref|to_r…)',
    ]);
    expect(accepts(validator, email({ 'X-Original-subject': 'x' }))).toBe(true);
    expect(accepts(validator, email({ 'Reply-To': ['a@example.com', 'b@example.com'], 'X-Mailer': 'Mutt' }))).toBe(true);
  });

  test('email-additional-header-fields-single-value: a one-item list is a list', () => {
    const email = (fields: Json) => sco('email-message', { is_multipart: false, additional_header_fields: fields });
    expect(accepts(upstream, email({ 'Content-Disposition': ['inline'] }))).toBe(false);
    expect(accepts(validator, email({ 'Content-Disposition': ['inline'] }))).toBe(true);
    expect(accepts(validator, email({ 'Content-Disposition': [] }))).toBe(false);
    expect(accepts(validator, email({ 'Content-Disposition': [1] }))).toBe(false);
  });

  test('ipv6-addr-escapes: \\d and \\. restored, no stray s', () => {
    const ip = (value: string) => sco('ipv6-addr', { value });
    expect(accepts(upstream, ip('::ffff:192.0.2.128'))).toBe(false);
    expect(accepts(upstream, ip('ss::1ss'))).toBe(true);
    expect(accepts(upstream, ip('::ffff:1d.2d.1dd.dx9'))).toBe(false);
    for (const ok of ['::ffff:192.0.2.128', '2001:db8::1', '2001:db8::/32', '::1', 'fe80::1%eth0', '1:2:3:4:5:6:7:8', '64:ff9b::198.51.100.7/96']) {
      expect([ok, accepts(validator, ip(ok))]).toEqual([ok, true]);
    }
    for (const bad of ['ss::1ss', ' ::1', '::1 ', '::ffff:192x0x2x128', '::ffff:256.0.2.1', '2001:db8::1/129', '1:2:3:4:5:6:7:8:9', 'hello']) {
      expect([bad, accepts(validator, ip(bad))]).toEqual([bad, false]);
    }
  });

  test('socket-ext-option-names-digits: option names with digits', () => {
    const socket = (options: Json) =>
      sco('network-traffic', { protocols: ['tcp'], src_ref: `ipv6-addr--${UUID}`, extensions: { 'socket-ext': { address_family: 'AF_INET6', options } } });
    expect(accepts(upstream, socket({ IPV6_V6ONLY: 1 }))).toBe(false);
    expect(accepts(validator, socket({ IPV6_V6ONLY: 1, SO_REUSEADDR: 1 }))).toBe(true);
    expect(accepts(validator, socket({ IPV6_V6ONLY: 'yes' }))).toBe(false);
    expect(accepts(validator, socket({ FOO_BAR: 1 }))).toBe(false);
  });

  test('process-created-time: created_time counts as a process property', () => {
    expect(accepts(upstream, sco('process', { created_time: TIME }))).toBe(false);
    expect(accepts(validator, sco('process', { created_time: TIME }))).toBe(true);
    expect(where(validator.validate(sco('process')))[0]).toMatch(/^ must contain at least one of: extensions, is_hidden, pid, name, created_time,/);
  });

  test('process-windows-process-ext-integrity-level: integrity_level counts as an extension property', () => {
    const proc = (ext: Json) => sco('process', { pid: 4, extensions: { 'windows-process-ext': ext } });
    expect(accepts(upstream, proc({ integrity_level: 'high' }))).toBe(false);
    expect(accepts(validator, proc({ integrity_level: 'high' }))).toBe(true);
    expect(accepts(validator, proc({ integrity_level: 'extreme' }))).toBe(false);
    expect(accepts(validator, proc({}))).toBe(false);
  });

  test('process-startup-info-keys-anchored: STARTUPINFO member names only, each with its own type', () => {
    const proc = (startup_info: Json) => sco('process', { extensions: { 'windows-process-ext': { startup_info } } });
    expect(accepts(upstream, proc({ lpTitleBar: 'x' }))).toBe(true);
    expect(accepts(validator, proc({ lpTitleBar: 'x' }))).toBe(false);
    expect(accepts(validator, proc({ lpTitle: 'x', cb: 68, dwXSize: 640, cbReserved2: 0 }))).toBe(true);
    expect(accepts(validator, proc({ cbReserved2: 1 }))).toBe(false);
    expect(accepts(validator, proc({ dwX: 'x' }))).toBe(false);
  });

  test('software-languages-rfc5646: RFC 5646 tags in any case, linear time', () => {
    const software = (languages: string[]) => sco('software', { name: 'Word', languages });
    expect(accepts(upstream, software(['zh-Hant', 'sr-Latn-RS', 'yue-HK']))).toBe(false);
    expect(accepts(validator, software(['en', 'zh-Hant', 'sr-Latn-RS', 'yue-HK', 'de-CH-1901', 'es-419', 'x-klingon', 'eng']))).toBe(true);
    for (const bad of ['en_US', '', 'en-', '-en', 'toolongtag', 'en--us', 'en-abcdefghi']) {
      expect([bad, accepts(validator, software([bad]))]).toEqual([bad, false]);
    }
    const adversarial = `en${'-aaaaa'.repeat(16000)}!`;
    expect(bestMs(() => upstreamRegExp('software-languages-rfc5646').test(`en${'-aaaaa'.repeat(2500)}!`), 1)).toBeGreaterThan(20);
    expect(bestMs(() => validator.validate(software([adversarial])))).toBeLessThan(5);
  });

  test('software-cpe-redos: the whole value is one CPE 2.3 formatted string, matched in linear time', () => {
    const software = (cpe: string) => sco('software', { name: 'Word', cpe });
    const word = 'cpe:2.3:a:microsoft:word:2000:*:*:*:*:*:*:*';
    expect(accepts(upstream, software(`see ${word} and more`))).toBe(true);
    expect(accepts(validator, software(word))).toBe(true);
    expect(accepts(validator, software('cpe:2.3:o:microsoft:windows_10:1607:*:*:*:*:*:x64:*'))).toBe(true);
    expect(accepts(validator, software('cpe:2.3:a:acme:w\\:x?:1.*:-:-:en-us:-:*:*:*'))).toBe(true);
    expect(accepts(validator, software(`see ${word} and more`))).toBe(false);
    expect(accepts(validator, software('cpe:/a:microsoft:word:2000'))).toBe(false); // CPE 2.2 URI binding
    const up = upstreamRegExp('software-cpe-redos');
    expect(bestMs(() => up.test(`${'cpe:2.3:a:'.repeat(3000)}!`), 1)).toBeGreaterThan(20);
    expect(bestMs(() => new RegExp(`^${up.source}$`).test(`cpe:2.3:-${':-'.repeat(20)}`), 1)).toBeGreaterThan(20);
    expect(bestMs(() => validator.validate(software(`${'cpe:2.3:a:'.repeat(10000)}!`)))).toBeLessThan(5);
    expect(bestMs(() => validator.validate(software(`cpe:2.3:-${':-'.repeat(20)}`)))).toBeLessThan(5);
    // Anchored upstream and the rewrite accept the same strings.
    const anchored = new RegExp(`^${up.source}$`, 'u');
    const fixed = new RegExp(String(patchEdit('software-cpe-redos').replacement), 'u');
    const component = fc.constantFrom('*', '-', '?', '??', 'a', 'ab', '\\:', '\\*', 'x?', '?x', '*x', 'x*', '*x*', '??x??', '**x', 'en', 'en-us', 'eng-419', '', '\\', '1.0', '-x', '*-', '-*', '?-');
    const cpe = fc
      .tuple(fc.constantFrom('a', 'o', 'h', '*', '-', 'x'), fc.array(component, { minLength: 9, maxLength: 11 }))
      .map(([part, rest]) => `cpe:2.3:${part}:${rest.join(':')}`);
    fc.assert(fc.property(cpe, (value) => anchored.test(value) === fixed.test(value)), { numRuns: 20000 });
  });

  test('windows-registry-key-abbreviated-hive: only a truncated hive is refused (STIX 2.1 §6.17.1)', () => {
    const key = (k: string) => sco('windows-registry-key', { key: k });
    const backup = 'HKEY_CURRENT_USER\\Software\\Acme\\HKCU-backup';
    expect(accepts(upstream, key(backup))).toBe(false);
    expect(accepts(upstream, key('HkLm\\Software'))).toBe(true);
    expect(accepts(validator, key(backup))).toBe(true);
    expect(accepts(validator, key('hkey_local_machine\\system\\bar\\foo'))).toBe(true);
    expect(accepts(validator, key('HKUDATA\\x'))).toBe(true);
    for (const bad of ['HKLM\\Software\\Microsoft', 'hkcu\\Console', 'HkLm\\Software', 'HKU', 'HKCR\\.exe', 'HKCC\\System']) {
      expect([bad, accepts(validator, key(bad))]).toEqual([bad, false]);
    }
    expect(where(validator.validate(key('HKLM\\Software')))[0]).toMatch(/^\/key must not match the pattern \^\[Hh\]\[Kk\]/);
  });

  test('windows-registry-key-modified-time: modified_time counts as a registry key property', () => {
    expect(accepts(upstream, sco('windows-registry-key', { modified_time: TIME }))).toBe(false);
    expect(accepts(validator, sco('windows-registry-key', { modified_time: TIME }))).toBe(true);
    expect(accepts(validator, sco('windows-registry-key'))).toBe(false);
  });

  test('hashes-tlsh-t1-prefix: TLSH digests with the T1 prefix', () => {
    const file = (tlsh: string) => sco('file', { name: 'a.exe', hashes: { TLSH: tlsh } });
    const digest = 'A'.repeat(70);
    expect(accepts(upstream, file(`T1${digest}`))).toBe(false);
    expect(accepts(validator, file(`T1${digest}`))).toBe(true);
    expect(accepts(validator, file(digest))).toBe(true);
    expect(accepts(validator, file(`T1${digest}0`))).toBe(false);
    expect(accepts(validator, file('A'.repeat(69)))).toBe(false);
  });

  test('idn-hostname (domain-name.json) accepts A-labels and U-labels, refuses what RFC 1034 does not allow', () => {
    for (const ok of ['example.com', 'xn--bcher-kva.de', 'bücher.de', 'localhost', 'example.com.', 'a-b.example']) expect([ok, isIdnHostname(ok)]).toEqual([ok, true]);
    for (const bad of ['_dmarc.example.com', '-a.example', 'a..b', '', 'a b.com', `${'a'.repeat(64)}.com`, 'a.'.repeat(200), 'ü'.repeat(2000)]) {
      expect([bad.slice(0, 20), isIdnHostname(bad)]).toEqual([bad.slice(0, 20), false]);
    }
    expect(accepts(validator, sco('domain-name', { value: 'bücher.de' }))).toBe(true);
    expect(where(validator.validate(sco('domain-name', { value: 'not a domain' })))).toEqual([
      '/value must be a valid domain name (RFC 1034, RFC 5890)',
    ]);
  });
});

describe('issues a publisher can act on', () => {
  const indicator = (props: Json = {}) =>
    sdo('indicator', { pattern: "[ipv4-addr:value = '198.51.100.1']", pattern_type: 'stix', valid_from: TIME, ...props });

  test('a missing required property points at the property', () => {
    const obj = indicator();
    delete obj.pattern;
    expect(validator.validate(obj)).toEqual([
      { severity: 'error', path: '/pattern', message: 'is required', source: 'OASIS STIX 2.1 JSON schema sdos/indicator.json' },
    ]);
    const noCreated = indicator();
    delete noCreated.created;
    expect(validator.validate(noCreated)).toEqual([
      { severity: 'error', path: '/created', message: 'is required', source: 'OASIS STIX 2.1 JSON schema common/core.json' },
    ]);
  });

  test('a wrong enumeration value lists the allowed values', () => {
    const obj = sdo('opinion', { opinion: 'maybe', object_refs: [`indicator--${UUID}`] });
    expect(where(validator.validate(obj))).toEqual(['/opinion must be one of: strongly-disagree, disagree, neutral, agree, strongly-agree']);
  });

  test('a wrong JSON type says which type', () => {
    expect(where(validator.validate(campaign({ name: 42, aliases: 'Bank' })))).toEqual(['/name must be a string', '/aliases must be a list (JSON array)']);
    expect(where(validator.validate(indicator({ confidence: 'high' })))).toEqual(['/confidence must be an integer']);
    expect(where(validator.validate(sdo('observed-data', { first_observed: TIME, last_observed: TIME, number_observed: 0, object_refs: [`file--${UUID}`] })))).toEqual([
      '/number_observed must be at least 1',
    ]);
  });

  test('patterns are quoted, long ones shortened', () => {
    expect(where(validator.validate(indicator({ valid_from: 'yesterday' })))).toEqual([
      '/valid_from must match the pattern ^[0-9]{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])T([01][0-…',
    ]);
    expect(where(validator.validate(indicator({ created: '2016-04-06T20:03:48Z' })))).toEqual([
      '/created must match the pattern T\\d{2}:\\d{2}:\\d{2}\\.\\d{3,}Z$',
    ]);
  });

  test('oneOf/anyOf branches collapse to the branch that was meant', () => {
    const ref = (r: Json) => sdo('vulnerability', { name: 'Heartbleed', external_references: [r] });
    expect(where(validator.validate(ref({ source_name: 'cve', external_id: 'CVE-14-160' })))).toEqual([
      '/external_references/0/external_id must match the pattern ^CVE-\\d{4}-(0\\d{3}|[1-9]\\d{3,})$',
    ]);
    expect(where(validator.validate(ref({ source_name: 'acme' })))).toEqual([
      '/external_references/0 must contain at least one of: external_id, description, url',
    ]);
    const tlp = { type: 'marking-definition', spec_version: '2.1', id: TLP_WHITE, created: '2017-01-20T00:00:00.000Z', definition_type: 'tlp', name: 'TLP:WHITE' };
    expect(where(validator.validate({ ...tlp, definition: { tlp: 'green' } }))).toEqual(['/definition/tlp must be white']);
    expect(accepts(validator, { ...tlp, definition: { tlp: 'white' } })).toBe(true);
    expect(where(validator.validate(sdo('malware', { is_family: true })))).toEqual(['/name is required']);
    expect(where(validator.validate(sco('email-message', { is_multipart: true, body: 'x' })))).toEqual(['/body must not be present here']);
    expect(where(validator.validate(sdo('location', { region: 'europe', latitude: 48.8 })))).toEqual(['/longitude is required']);
    const observed = sdo('observed-data', {
      first_observed: TIME,
      last_observed: TIME,
      number_observed: 1,
      objects: { '0': sco('file', { hashes: { MD5: 'not-an-md5' } }) },
    });
    expect(where(validator.validate(observed))).toEqual(['/objects/0/hashes/MD5 must match the pattern ^[a-fA-F0-9]{32}$']);
  });

  test('names that are not allowed, reserved names and extension keys', () => {
    const obj = campaign({ Severity: 1, severity: 'high', extensions: { bogus: { x: 1 } } });
    // `Severity` is left to the property-names rule (patch core-properties-by-rules).
    expect(validator.validate(obj)).toEqual([
      {
        severity: 'error',
        path: '/severity',
        message: 'is a reserved property name and must not be used',
        source: 'OASIS STIX 2.1 JSON schema common/core.json',
      },
      {
        severity: 'error',
        path: '/extensions/bogus',
        message: 'is not a valid extension key (the id of an extension-definition, or a predefined name ending in -ext)',
        source: 'OASIS STIX 2.1 JSON schema common/core.json',
      },
    ]);
    const ext = indicator({ extensions: { [`extension-definition--${UUID}`]: { rank: 5, Rank: 6 } } });
    expect(validator.validate(ext)).toEqual([
      {
        severity: 'error',
        path: `/extensions/extension-definition--${UUID}/Rank`,
        message: 'is not a valid property name (3–250 characters of a–z, 0–9 and _, starting with a letter)',
        source: 'OASIS STIX 2.1 JSON schema common/properties.json',
      },
      {
        severity: 'error',
        path: `/extensions/extension-definition--${UUID}/extension_type`,
        message: 'is required',
        source: 'OASIS STIX 2.1 JSON schema common/extension.json',
      },
    ]);
    expect(where(validator.validate(sco('file', { name: 'a', hashes: { 'SHA 256': 'x' } })))).toEqual([
      '/hashes/SHA 256 is not a valid dictionary key (up to 250 characters of a–z, A–Z, 0–9, - and _)',
      '/hashes/SHA 256 is not a valid hash algorithm name (3–250 characters of a–z, A–Z, 0–9, - and _)',
    ]);
  });

  test(`at most ${ISSUE_LIMIT} issues per object, and JSON pointers escape / and ~`, () => {
    const props: Json = { extension_type: 'property-extension' };
    for (let i = 0; i < 30; i++) props[`Bad${i}`] = i;
    expect(validator.validate(campaign({ extensions: { [`extension-definition--${UUID}`]: props } }))).toHaveLength(ISSUE_LIMIT);
    const escaped = campaign({ extensions: { [`extension-definition--${UUID}`]: { extension_type: 'property-extension', 'a/b~c': 1 } } });
    expect(where(validator.validate(escaped))[0]).toMatch(new RegExp(`^/extensions/extension-definition--${UUID}/a~1b~0c is not a valid property name`));
  });

  test('anything but a JSON object is refused as a whole', () => {
    for (const value of [null, 42, 'indicator', [sdo('campaign')]]) {
      expect(validator.validate(value)).toEqual([{ severity: 'error', path: '', message: 'must be a JSON object', source: 'STIX 2.1 §3' }]);
    }
  });
});

// --- ReDoS ------------------------------------------------------------------------------

/** The characters a pattern mentions: literals, class ranges (small ones expanded) and \d \s \w. */
function alphabetOf(pattern: string): string[] {
  const chars = new Set<string>(['a', 'A', '0', '-', '_', '.', ':', '/', ' ']);
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const n = pattern[++i];
      if (n === 'd') chars.add('9');
      else if (n === 's') chars.add('\t');
      else if (n === 'w') chars.add('z');
      else if (n !== undefined) chars.add(n);
      continue;
    }
    if (c === '-' && i > 0 && i + 1 < pattern.length) {
      const from = pattern.charCodeAt(i - 1);
      const to = pattern.charCodeAt(i + 1);
      if (to > from && to - from <= 26) for (let x = from; x <= to; x++) chars.add(String.fromCharCode(x));
    }
    if (!'^$()[]{}|*+?'.includes(c)) chars.add(c);
  }
  return [...chars];
}

/**
 * Inputs of `length` characters built from what the pattern accepts: runs of one
 * character, of two alternating ones, of separator + word pieces (the overlapping repeated
 * groups behind polynomial backtracking) and of the pattern's own literal words, after the
 * pattern's leading literal, each ended by a character that makes it fail.
 */
function adversarialInputs(pattern: string, length: number): string[] {
  const alphabet = alphabetOf(pattern);
  const separators = alphabet.filter((c) => !/[A-Za-z0-9]/.test(c));
  const units = new Set<string>(alphabet);
  for (const a of alphabet) for (const b of ['a', '0', 'A', ...separators]) if (a !== b) units.add(a + b);
  for (const sep of separators) for (let k = 1; k <= 9; k++) for (const w of ['a', '0', 'A']) units.add(sep + w.repeat(k));
  for (const word of pattern.match(/[A-Za-z0-9]{2,}/g) ?? []) for (const sep of ['', ...separators.slice(0, 4)]) units.add(word + sep);
  const lead = (/^\^?((?:[A-Za-z0-9:._-]|\\[.:-])+)/.exec(pattern)?.[1] ?? '').replace(/\\/g, '');
  const inputs: string[] = [];
  for (const prefix of new Set(['', lead])) {
    for (const unit of units) {
      const body = unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
      for (const end of ['!', '\n', '']) inputs.push(prefix + body + end);
    }
  }
  return inputs;
}

/** Does the pattern have a `|` outside every group (the `^A|B$` mistake)? */
function hasTopLevelAlternation(pattern: string): boolean {
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) return true;
  }
  return false;
}

describe('ReDoS', () => {
  const patterns = validator.allPatterns();
  const distinct = [...new Set(patterns.map((p) => p.pattern))];

  test('allPatterns() lists every pattern and patternProperties key of the 56 schemas in use', () => {
    // 143 upstream, less the identifier pattern (patch identifier-syntax-by-rules).
    expect(patterns.length).toBe(142);
    expect(patterns.some((p) => p.file === 'common/identifier.json')).toBe(false);
    expect(new Set(patterns.map((p) => p.file)).size).toBeGreaterThan(50);
    expect(patterns).toContainEqual({ file: 'common/core.json', pointer: '/properties/type/pattern', pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*-?$' });
    expect(patterns).toContainEqual({
      file: 'common/properties.json',
      pointer: '/patternProperties/^([a-z][a-z0-9_]{2,249}|id)$',
      pattern: '^([a-z][a-z0-9_]{2,249}|id)$',
    });
    expect(patterns.some((p) => p.file === 'common/bundle.json')).toBe(false);
  });

  test('every pattern is legal with the unicode flag and none has an unanchored top-level alternation', () => {
    for (const p of patterns) {
      expect(() => new RegExp(p.pattern, 'u')).not.toThrow();
      expect([p.file, p.pointer, hasTopLevelAlternation(p.pattern)]).toEqual([p.file, p.pointer, false]);
    }
  });

  test(`adversarial 5,000-character inputs match every one of the ${distinct.length} distinct patterns in under 5 ms`, () => {
    const slow: string[] = [];
    let worst = 0;
    for (const pattern of distinct) {
      const re = new RegExp(pattern, 'u');
      for (const input of adversarialInputs(pattern, 5000)) {
        const started = performance.now();
        re.test(input);
        let ms = performance.now() - started;
        if (ms > 1) ms = Math.min(ms, bestMs(() => re.test(input)));
        worst = Math.max(worst, ms);
        if (ms > 5) slow.push(`${pattern} on ${JSON.stringify(input.slice(0, 30))}… ${ms.toFixed(1)} ms`);
      }
    }
    expect(slow).toEqual([]);
    expect(worst).toBeLessThan(5);
  });

  test('the published bad cases: a 26- and a 40-character type, an extensions key of 40 × "a"', () => {
    const typeRe = new RegExp(patterns.find((p) => p.file === 'common/core.json' && p.pointer === '/properties/type/pattern')?.pattern ?? '', 'u');
    const keyRe = new RegExp(patterns.find((p) => p.file === 'common/core.json' && p.pointer.includes('ext$'))?.pattern ?? '', 'u');
    for (const input of [`${'a'.repeat(26)}!`, `${'a'.repeat(40)}!`]) expect(bestMs(() => typeRe.test(input))).toBeLessThan(1);
    expect(bestMs(() => keyRe.test('a'.repeat(40)))).toBeLessThan(1);
  });

  const HUGE = 100_000;
  const hugeStrings = [
    'a'.repeat(HUGE),
    '0'.repeat(HUGE),
    'a-'.repeat(HUGE / 2),
    `${'A'.repeat(HUGE)}!`,
    `T00:00:00.${'0'.repeat(HUGE)}`,
    `indicator--${'a'.repeat(HUGE)}`,
    'cpe:2.3:a:'.repeat(HUGE / 10),
    `http://${'a'.repeat(HUGE)}`,
    `a@${'a.'.repeat(HUGE / 2)}`,
    '%41'.repeat(HUGE / 3),
  ];
  const hugeIndicator = (s: string): Json => ({
    type: 'indicator',
    spec_version: s,
    id: s,
    created_by_ref: s,
    created: s,
    modified: s,
    lang: s,
    name: s,
    description: s,
    pattern: s,
    pattern_type: s,
    pattern_version: s,
    valid_from: s,
    valid_until: s,
    labels: [s],
    indicator_types: [s],
    object_marking_refs: [s],
    kill_chain_phases: [{ kill_chain_name: s, phase_name: s }],
    external_references: [{ source_name: s, description: s, external_id: s, url: s }],
    granular_markings: [{ selectors: [s], marking_ref: s }],
    x_acme_note: s,
  });
  const hugeScos = (s: string): Json[] => [
    sco('software', { name: s, cpe: s, languages: [s], vendor: s, version: s, swid: s }),
    sco('ipv4-addr', { value: s }),
    sco('ipv6-addr', { value: s }),
    sco('domain-name', { value: s }),
    sco('email-addr', { value: s }),
    sco('url', { value: s }),
    sco('windows-registry-key', { key: s }),
    sco('file', { name: s, name_enc: s, magic_number_hex: s, hashes: { 'SHA-256': s, SSDEEP: s, TLSH: s } }),
    sco('artifact', { payload_bin: s, mime_type: s }),
  ];
  const adversarialObjects: Array<[string, Json]> = [
    ['26-character type', { type: `${'a'.repeat(26)}!`, id: `x--${UUID}` }],
    ['40-character type', { type: `${'a'.repeat(40)}!`, id: `x--${UUID}`, created: TIME }],
    ['100 KB type', { type: `${'a'.repeat(HUGE)}!`, id: `x--${UUID}`, created: TIME }],
    [
      'long extension keys',
      sco('x-acme', {
        extensions: { ['a'.repeat(40)]: { x_a: 1 }, ['a'.repeat(5000)]: { x_a: 1 }, ['a-'.repeat(2500)]: { x_a: 1 }, [`${'a'.repeat(4990)}-ext!`]: { x_a: 1 } },
      }),
    ],
    ...hugeStrings.map((s, i): [string, Json] => [`indicator with 100 KB strings (#${i})`, hugeIndicator(s)]),
    ...hugeStrings.flatMap((s, i) => hugeScos(s).map((o): [string, Json] => [`${String(o.type)} with 100 KB strings (#${i})`, o])),
  ];
  const timings = adversarialObjects.map(([name, obj]) => ({ name, ms: bestMs(() => validator.validate(obj)), issues: validator.validate(obj) }));
  const slowest = timings.reduce((a, b) => (b.ms > a.ms ? b : a));

  test(`${adversarialObjects.length} adversarial objects validate in ${slowest.ms.toFixed(2)} ms at worst (${slowest.name}; limit 20 ms)`, () => {
    for (const t of timings) {
      expect([t.name, t.ms < 20]).toEqual([t.name, true]);
      expect(t.issues.length).toBeLessThanOrEqual(ISSUE_LIMIT);
    }
  });
});

describe('compiled once', () => {
  test('validating 5,000 objects (valid and invalid) takes well under a second', () => {
    const sample = datasetObjects.slice(0, 4000);
    const invalid = Array.from({ length: 1000 }, (_, i) => campaign({ name: i, [`Bad${i}`]: 1 }));
    const ms = bestMs(() => [...sample, ...invalid].forEach((o) => validator.validate(o)), 2);
    expect(ms).toBeLessThan(1000);
  });

  test('a second load is independent and gives the same answers', () => {
    const again = StixSchemaValidator.load(SCHEMA_DIR);
    expect(again).not.toBe(validator);
    expect(again.compileMs).toBeLessThan(5000);
    const obj = campaign({ name: 42, aliases: 'Bank' });
    expect(again.validate(obj)).toHaveLength(2);
    expect(again.validate(obj)).toEqual(validator.validate(obj));
  });
});
