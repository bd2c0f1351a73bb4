// Property, extension and TLP rules (STIX 2.1 §2.3, §2.12, §3.1, §3.2, §3.8, §7.2.1.4, §7.3,
// §11) and the property tables they rely on.
import fs from 'node:fs';
import path from 'node:path';
import {
  customObjectTypeRule,
  EXTENSION_RULES,
  extensionDefinitionRule,
  extensionKeysRule,
  extensionPropertiesRule,
  extensionTypeRule,
} from '../../src/stix/rules/extension-rules';
import {
  confidenceRule,
  customPropertyRule,
  encodingPropertyRule,
  isLanguageTag,
  languageTagRule,
  nonEmptyCollectionsRule,
  nonEmptyDictionariesRule,
  nonEmptyListsRule,
  notApplicablePropertyRule,
  PROPERTY_RULES,
  propertyNameRule,
  reservedPropertyRule,
} from '../../src/stix/rules/property-rules';
import { IssueCollector, type RuleContext, type StixObject, type StixRule } from '../../src/stix/rules/rule';
import { categoryOf, PREDEFINED_EXTENSIONS, SPEC_TYPES } from '../../src/stix/rules/spec-properties';
import {
  standardTlpObject,
  TLP_2_0_EXTENSION_ID,
  TLP_MARKINGS,
  TLP_RULES,
  tlpOtherInstancesRule,
  tlpStandardMarkingRule,
} from '../../src/stix/rules/tlp-rules';
import type { ValidationIssue } from '../../src/stix/validation-issue';

const SHARED = path.resolve(__dirname, '../../../shared');
const EXAMPLES = path.join(SHARED, 'oasis/cti-stix2-json-schemas/examples');
const DATASETS = path.join(SHARED, 'datasets');

const CUSTOM_OK: RuleContext = { allowCustom: true };
const NO_CUSTOM: RuleContext = { allowCustom: false };

function run(rule: StixRule, obj: StixObject, ctx: RuleContext = CUSTOM_OK): ValidationIssue[] {
  const collector = new IssueCollector();
  rule.check(obj, ctx, collector);
  return collector.issues;
}

function withProps(base: StixObject, patch: Record<string, unknown>): StixObject {
  const out: Record<string, unknown> = { ...base, ...patch };
  for (const [k, v] of Object.entries(patch)) if (v === undefined) delete out[k];
  return out;
}

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
const FILE: StixObject = {
  type: 'file',
  spec_version: '2.1',
  id: 'file--1b40e321-ae73-5637-bd97-33c35a86b80d',
  hashes: { MD5: '3773a88f65a5e780c8dff9cdc3a056f3' },
  size: 25537,
  extensions: { 'ntfs-ext': { sid: '1234567' } },
};
const PROCESS: StixObject = {
  type: 'process',
  spec_version: '2.1',
  id: 'process--65a99d8a-e5b2-44bb-8311-963a580ee9a1',
  pid: 314,
};
const COURSE_OF_ACTION: StixObject = {
  type: 'course-of-action',
  spec_version: '2.1',
  id: 'course-of-action--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',
  created: '2016-04-06T20:03:48.000Z',
  modified: '2016-04-06T20:03:48.000Z',
  name: 'Add TCP port 80 Filter Rule to the existing Block UDP 1434 Filter',
};
const STATEMENT_MARKING: StixObject = {
  type: 'marking-definition',
  spec_version: '2.1',
  id: 'marking-definition--4a0042fe-8b88-40fe-9600-dfa128ce6fbd',
  created: '2016-08-01T00:00:00.000Z',
  definition_type: 'statement',
  definition: { statement: 'Copyright 2019, Example Corp' },
};
// §7.3 examples.
const NEW_SDO_DEFINITION: StixObject = {
  id: 'extension-definition--9c59fd79-4215-4ba2-920d-3e4f320e1e62',
  type: 'extension-definition',
  spec_version: '2.1',
  name: 'New SDO 1',
  description: 'This schema creates a new object type called my-favorite-sdo-1',
  created: '2014-02-20T09:16:08.989000Z',
  modified: '2014-02-20T09:16:08.989000Z',
  created_by_ref: 'identity--11b76a96-5d2b-45e0-8a5a-f6994f370731',
  schema: 'https://www.example.com/schema-my-favorite-sdo-1/v1/',
  version: '1.2.1',
  extension_types: ['new-sdo'],
};
const TOPLEVEL_DEFINITION: StixObject = {
  ...NEW_SDO_DEFINITION,
  id: 'extension-definition--71736db5-10db-43d3-b0e3-65cf81601fe1',
  name: 'Extension Foo 1a',
  extension_types: ['toplevel-property-extension'],
  extension_properties: ['toxicity', 'rank'],
};
const NEW_SDO: StixObject = {
  type: 'my-favorite-sdo',
  spec_version: '2.1',
  id: 'my-favorite-sdo--ac97aae4-83f1-46ca-a351-7aeb76678189',
  created: '2014-02-20T09:16:08.989000Z',
  modified: '2014-02-20T09:16:08.989000Z',
  name: 'This is the name of my favorite',
  some_property_name1: 'value1',
  some_property_name2: 'value2',
  extensions: { 'extension-definition--9c59fd79-4215-4ba2-920d-3e4f320e1e62': { extension_type: 'new-sdo' } },
};
const PROPERTY_EXTENDED_INDICATOR: StixObject = withProps(INDICATOR, {
  extensions: {
    'extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e': { extension_type: 'property-extension', rank: 5, toxicity: 8 },
  },
});
const TOPLEVEL_EXTENDED_INDICATOR: StixObject = withProps(INDICATOR, {
  rank: 1,
  toxicity: 2,
  extensions: { 'extension-definition--71736db5-10db-43d3-b0e3-65cf81601fe1': { extension_type: 'toplevel-property-extension' } },
});
const X_CUSTOM: StixObject = {
  type: 'x-example-com-customobject',
  spec_version: '2.1',
  id: 'x-example-com-customobject--4527e5de-8572-446a-a57a-706f15467461',
  created: '2016-08-01T00:00:00.000Z',
  modified: '2016-08-01T00:00:00.000Z',
  some_custom_stuff: 14,
  other_custom_stuff: 'hello',
};

interface Case {
  name: string;
  rule: StixRule;
  obj: StixObject;
  ctx?: RuleContext;
  severity?: 'error' | 'warning';
  path: string;
  message: RegExp;
  source: RegExp;
}

function expectSingle(c: Case): void {
  const issues = run(c.rule, c.obj, c.ctx);
  expect(issues).toHaveLength(1);
  const [issue] = issues;
  expect(issue.severity).toBe(c.severity ?? 'error');
  expect(issue.path).toBe(c.path);
  expect(issue.message).toMatch(c.message);
  expect(issue.source).toMatch(c.source);
}

describe('property tables', () => {
  test('every STIX 2.1 object type is listed with its category', () => {
    const byCategory = (category: string): string[] =>
      [...SPEC_TYPES.values()].filter((t) => t.category === category).map((t) => t.type).sort();
    expect(byCategory('sdo')).toHaveLength(19);
    expect(byCategory('sro')).toEqual(['relationship', 'sighting']);
    expect(byCategory('sco')).toHaveLength(18);
    expect(SPEC_TYPES.get('extension-definition')?.section).toBe('§7.3.1');
    expect(PREDEFINED_EXTENSIONS.size).toBe(12);
  });

  test('categories of custom objects', () => {
    expect(categoryOf(NEW_SDO)).toBe('sdo');
    expect(categoryOf(X_CUSTOM)).toBe('sdo');
    expect(categoryOf({ type: 'x-foo', id: 'x-foo--4527e5de-8572-446a-a57a-706f15467461', value: 'v' })).toBe('sco');
  });
});

describe('property rules', () => {
  const failing: Case[] = [
    {
      name: 'confidence above 100',
      rule: confidenceRule,
      obj: withProps(INDICATOR, { confidence: 101 }),
      path: '/confidence',
      message: /^must be an integer from 0 to 100$/,
      source: /^STIX 2\.1 §3\.2$/,
    },
    { name: 'negative confidence', rule: confidenceRule, obj: withProps(INDICATOR, { confidence: -1 }), path: '/confidence', message: /0 to 100/, source: /§3\.2$/ },
    { name: 'fractional confidence', rule: confidenceRule, obj: withProps(INDICATOR, { confidence: 50.5 }), path: '/confidence', message: /integer/, source: /§3\.2$/ },
    { name: 'confidence as a string', rule: confidenceRule, obj: withProps(INDICATOR, { confidence: '50' }), path: '/confidence', message: /integer/, source: /§3\.2$/ },
    {
      name: 'an empty required list',
      rule: nonEmptyListsRule,
      obj: withProps(INDICATOR, { indicator_types: [] }),
      path: '/indicator_types',
      message: /^must not be an empty list$/,
      source: /^STIX 2\.1 §2\.12$/,
    },
    {
      name: 'an empty nested list',
      rule: nonEmptyListsRule,
      obj: withProps(INDICATOR, { granular_markings: [{ selectors: [], marking_ref: STATEMENT_MARKING.id }] }),
      path: '/granular_markings/0/selectors',
      message: /empty list/,
      source: /§2\.12$/,
    },
    {
      name: 'an empty list in a custom property',
      rule: nonEmptyListsRule,
      obj: withProps(INDICATOR, { x_acme_tags: [['a'], []] }),
      path: '/x_acme_tags/1',
      message: /empty list/,
      source: /§2\.12$/,
    },
    {
      name: 'an empty hashes dictionary',
      rule: nonEmptyDictionariesRule,
      obj: withProps(INDICATOR, { external_references: [{ source_name: 'capec', external_id: 'CAPEC-163', hashes: {} }] }),
      path: '/external_references/0/hashes',
      message: /^must not be an empty dictionary$/,
      source: /^STIX 2\.1 §2\.3$/,
    },
    {
      name: 'an empty extensions dictionary',
      rule: nonEmptyDictionariesRule,
      obj: withProps(FILE, { extensions: {} }),
      path: '/extensions',
      message: /empty dictionary/,
      source: /§2\.3$/,
    },
    {
      name: 'an empty predefined extension',
      rule: nonEmptyDictionariesRule,
      obj: withProps(FILE, { extensions: { 'ntfs-ext': {} } }),
      path: '/extensions/ntfs-ext',
      message: /empty dictionary/,
      source: /§2\.3$/,
    },
    {
      name: 'a custom property name with upper case',
      rule: propertyNameRule,
      obj: withProps(INDICATOR, { x_Acme_score: 10 }),
      path: '/x_Acme_score',
      message: /^is not a valid property name: only a-z, 0-9 and underscore are allowed$/,
      source: /^STIX 2\.1 §11\.1\.1$/,
    },
    {
      name: 'a custom property name with a hyphen',
      rule: propertyNameRule,
      obj: withProps(INDICATOR, { 'x-acme-score': 10 }),
      path: '/x-acme-score',
      message: /only a-z, 0-9 and underscore/,
      source: /§11\.1\.1$/,
    },
    {
      name: 'a custom property name starting with an underscore',
      rule: propertyNameRule,
      obj: withProps(INDICATOR, { _acme_score: 10 }),
      path: '/_acme_score',
      message: /must begin with a letter/,
      source: /^STIX 2\.1 §3\.1$/,
    },
    {
      name: 'a two-character custom property name',
      rule: propertyNameRule,
      obj: withProps(INDICATOR, { xs: 10 }),
      path: '/xs',
      message: /between 3 and 250 characters/,
      source: /^STIX 2\.1 §3\.1, §11\.1\.1$/,
    },
    {
      name: 'a 251-character custom property name',
      rule: propertyNameRule,
      obj: withProps(INDICATOR, { [`x_${'a'.repeat(249)}`]: 1 }),
      path: `/x_${'a'.repeat(249)}`,
      message: /between 3 and 250 characters/,
      source: /§3\.1, §11\.1\.1$/,
    },
    {
      name: 'a property name with a slash is escaped in the pointer',
      rule: propertyNameRule,
      obj: withProps(INDICATOR, { 'x_a/b': 1 }),
      path: '/x_a~1b',
      message: /only a-z, 0-9 and underscore/,
      source: /§11\.1\.1$/,
    },
    {
      name: 'a property of a deprecated custom object',
      rule: propertyNameRule,
      obj: withProps(X_CUSTOM, { 'Other-Stuff': 1 }),
      path: '/Other-Stuff',
      message: /only a-z, 0-9 and underscore/,
      source: /^STIX 2\.1 §11\.2\.1$/,
    },
    {
      name: 'a property of an extension-defined object',
      rule: propertyNameRule,
      obj: withProps(NEW_SDO, { 'Some.Field': 1 }),
      path: '/Some.Field',
      message: /only a-z, 0-9 and underscore/,
      source: /^STIX 2\.1 §7\.3\.2\.2$/,
    },
    {
      name: 'a reserved property name',
      rule: reservedPropertyRule,
      obj: withProps(INDICATOR, { severity: 'high' }),
      path: '/severity',
      message: /^is a reserved property name and must not be used$/,
      source: /^STIX 2\.1 §3\.8$/,
    },
    {
      name: 'the RESERVED action of course-of-action',
      rule: reservedPropertyRule,
      obj: withProps(COURSE_OF_ACTION, { action: 'block' }),
      path: '/action',
      message: /reserved/,
      source: /§3\.8$/,
    },
    {
      name: 'a custom property where custom content is refused',
      rule: customPropertyRule,
      obj: withProps(INDICATOR, { x_acme_org_risk_score: 10 }),
      ctx: NO_CUSTOM,
      path: '/x_acme_org_risk_score',
      message: /^is not a property of indicator objects \(custom properties are not accepted in this collection\)$/,
      source: /^STIX 2\.1 §11\.1$/,
    },
    {
      name: 'a property of another type, where custom content is refused',
      rule: customPropertyRule,
      obj: withProps(INDICATOR, { aliases: ['Poison Ivy'] }),
      ctx: NO_CUSTOM,
      path: '/aliases',
      message: /is not a property of indicator objects/,
      source: /§11\.1$/,
    },
    {
      name: 'a top-level extension property, where custom content is refused',
      rule: customPropertyRule,
      obj: withProps(TOPLEVEL_EXTENDED_INDICATOR, { toxicity: undefined }),
      ctx: NO_CUSTOM,
      path: '/rank',
      message: /custom properties are not accepted/,
      source: /§11\.1$/,
    },
    {
      name: 'defanged on an SDO',
      rule: notApplicablePropertyRule,
      obj: withProps(INDICATOR, { defanged: true }),
      path: '/defanged',
      message: /^must only be used on SCOs$/,
      source: /^STIX 2\.1 §3\.2$/,
    },
    {
      name: 'modified on a marking-definition',
      rule: notApplicablePropertyRule,
      obj: withProps(STATEMENT_MARKING, { modified: '2016-08-01T00:00:00.000Z' }),
      path: '/modified',
      message: /^is not applicable to marking-definition objects$/,
      source: /^STIX 2\.1 §7\.2\.1\.1$/,
    },
    {
      name: 'lang on an SCO',
      rule: notApplicablePropertyRule,
      obj: withProps(FILE, { lang: 'en' }),
      path: '/lang',
      message: /not applicable to file objects/,
      source: /§6\.7\.1$/,
    },
    {
      name: 'created_by_ref on an SCO',
      rule: notApplicablePropertyRule,
      obj: withProps(PROCESS, { created_by_ref: 'identity--f431f809-377b-45e0-aa1c-6a4751cae5ff' }),
      path: '/created_by_ref',
      message: /not applicable to process objects/,
      source: /§6\.13\.1$/,
    },
    {
      name: 'extensions on an extension-definition',
      rule: notApplicablePropertyRule,
      obj: withProps(NEW_SDO_DEFINITION, { extensions: { 'extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e': { extension_type: 'property-extension', rank: 1 } } }),
      path: '/extensions',
      message: /not applicable to extension-definition objects/,
      source: /§7\.3\.1$/,
    },
    {
      name: 'lang on a language-content',
      rule: notApplicablePropertyRule,
      obj: {
        type: 'language-content',
        spec_version: '2.1',
        id: 'language-content--b86bd89f-98bb-4fa9-8cb2-9ad421da981d',
        created: '2017-02-08T21:31:22.007Z',
        modified: '2017-02-08T21:31:22.007Z',
        object_ref: 'campaign--12a111f0-b824-4baf-a224-83b80237a094',
        contents: { de: { name: 'Bank Angriff' } },
        lang: 'en',
      },
      path: '/lang',
      message: /not applicable to language-content objects/,
      source: /§7\.1\.1$/,
    },
    {
      name: 'defanged on a custom SDO',
      rule: notApplicablePropertyRule,
      obj: withProps(X_CUSTOM, { defanged: false }),
      path: '/defanged',
      message: /only be used on SCOs/,
      source: /§3\.2$/,
    },
    {
      name: 'an encoding property without its property',
      rule: encodingPropertyRule,
      obj: withProps(FILE, { name_enc: 'windows-1252' }),
      path: '/name_enc',
      message: /^must not be present without name$/,
      source: /^STIX 2\.1 §3\.1$/,
    },
    {
      name: 'a lang that is not a language tag',
      rule: languageTagRule,
      obj: withProps(INDICATOR, { lang: 'en_US' }),
      severity: 'warning',
      path: '/lang',
      message: /^should be an RFC 5646 language tag/,
      source: /^STIX 2\.1 §3\.2, RFC 5646$/,
    },
    {
      name: 'a granular-marking lang that is not a language tag',
      rule: languageTagRule,
      obj: withProps(INDICATOR, { granular_markings: [{ selectors: ['description'], lang: 'de-' }] }),
      severity: 'warning',
      path: '/granular_markings/0/lang',
      message: /RFC 5646/,
      source: /§7\.2\.3\.1, RFC 5646$/,
    },
    {
      name: 'a language-content key that is not a language tag',
      rule: languageTagRule,
      obj: {
        type: 'language-content',
        id: 'language-content--b86bd89f-98bb-4fa9-8cb2-9ad421da981d',
        object_ref: 'campaign--12a111f0-b824-4baf-a224-83b80237a094',
        contents: { de: { name: 'Bank Angriff' }, 'Français!': { name: 'Attaque Bank' } },
      },
      severity: 'warning',
      path: '/contents/Français!',
      message: /^should be keyed by an RFC 5646 language tag$/,
      source: /§7\.1\.1, RFC 5646$/,
    },
    {
      name: 'a software language that is not a language tag',
      rule: languageTagRule,
      obj: {
        type: 'software',
        id: 'software--710b0b41-d4d0-5d6c-a400-fc9254554ffc',
        name: 'Word',
        languages: ['en', 'english language'],
      },
      severity: 'warning',
      path: '/languages/1',
      message: /RFC 5646/,
      source: /§6\.14\.1, RFC 5646$/,
    },
  ];

  test.each(failing)('$name', (c) => expectSingle(c));

  const passing: Array<[string, StixObject, RuleContext]> = [
    ['confidence 0', withProps(INDICATOR, { confidence: 0 }), NO_CUSTOM],
    ['confidence 100', withProps(INDICATOR, { confidence: 100 }), NO_CUSTOM],
    ['x_ custom properties where allowed (§11.1.1 example)', withProps(INDICATOR, { x_acme_org_risk_score: 10, x_acme_org_scoring: { impact: 'high', probability: 'low' } }), CUSTOM_OK],
    ['an SCO with defanged and extensions', withProps(FILE, { defanged: true }), NO_CUSTOM],
    ['name_enc with name', withProps(FILE, { name: 'quêry.dll', name_enc: 'windows-1252' }), NO_CUSTOM],
    ['a property-extension (no custom property)', PROPERTY_EXTENDED_INDICATOR, NO_CUSTOM],
    ['a deprecated custom object', X_CUSTOM, CUSTOM_OK],
    ['an extension-defined object', NEW_SDO, CUSTOM_OK],
    ['a lang tag with script and region', withProps(INDICATOR, { lang: 'zh-Hant-TW' }), NO_CUSTOM],
    ['a language-content with empty-string list items', {
      type: 'language-content',
      spec_version: '2.1',
      id: 'language-content--0911f616-727f-48cb-a4c5-9420299562a4',
      created: '2019-06-08T21:31:22.007Z',
      modified: '2019-07-08T21:31:22.007Z',
      object_ref: 'threat-actor--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',
      contents: { de: { goals: ['Bankgeld stehlen', 'Kreditkarten stehlen'] }, fr: { goals: ["Voler de l'argent en banque", ''] } },
    }, NO_CUSTOM],
  ];
  test.each(passing)('no issue for %s', (_name, obj, ctx) => {
    for (const rule of PROPERTY_RULES) expect(run(rule, obj, ctx)).toEqual([]);
  });

  test.each([
    'en', 'de', 'pt-BR', 'zh-Hant-TW', 'sr-Latn-RS', 'de-CH-1996', 'es-419', 'zh-yue-HK', 'en-a-bbb-x-a-ccc',
    'x-klingon', 'i-klingon', 'sgn-BE-FR', 'en-GB-oed', 'EN-us',
  ])('%s is a language tag', (tag) => {
    expect(isLanguageTag(tag)).toBe(true);
  });

  test.each(['', 'e', 'en_US', 'en-', '-en', 'en--US', 'en-US-', 'english language', 'de-x', 'abcdefghi', 'en-a'])(
    '%j is not a language tag',
    (tag) => {
      expect(isLanguageTag(tag)).toBe(false);
    },
  );

  test('deeply nested input does not exhaust the stack', () => {
    let deep: unknown = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const issues = run(nonEmptyListsRule, withProps(INDICATOR, { x_deep: deep }));
    expect(issues).toHaveLength(1);
    expect(issues[0].path.startsWith('/x_deep/0/0/0')).toBe(true);
  });

  test('the validator runs non-empty-lists and non-empty-dictionaries as one walk, with the same findings', () => {
    expect(PROPERTY_RULES).toContain(nonEmptyCollectionsRule);
    expect(PROPERTY_RULES).not.toContain(nonEmptyListsRule);
    expect(PROPERTY_RULES).not.toContain(nonEmptyDictionariesRule);
    const obj = withProps(FILE, {
      extensions: { 'ntfs-ext': {} },
      x_acme: { a: [], b: [{}, { c: [[], {}] }], 'd/e': {} },
      hashes: {},
    });
    const both = run(nonEmptyCollectionsRule, obj);
    const key = (i: ValidationIssue) => `${i.path} ${i.message} (${i.source})`;
    expect(both.map(key).sort()).toEqual([...run(nonEmptyListsRule, obj), ...run(nonEmptyDictionariesRule, obj)].map(key).sort());
    expect(both.map((i) => i.path)).toEqual([
      '/hashes',
      '/extensions/ntfs-ext',
      '/x_acme/a',
      '/x_acme/d~1e',
      '/x_acme/b/0',
      '/x_acme/b/1/c/0',
      '/x_acme/b/1/c/1',
    ]);
  });
});

describe('extension rules', () => {
  const failing: Case[] = [
    {
      name: 'a predefined extension on another type',
      rule: extensionKeysRule,
      obj: withProps(PROCESS, { extensions: { 'ntfs-ext': { sid: '1234567' } } }),
      path: '/extensions/ntfs-ext',
      message: /^is a predefined extension of file objects only$/,
      source: /^STIX 2\.1 §6\.7\.3$/,
    },
    {
      name: 'a predefined extension on an SDO',
      rule: extensionKeysRule,
      obj: withProps(INDICATOR, { extensions: { 'tcp-ext': { src_flags_hex: '00000002' } } }),
      path: '/extensions/tcp-ext',
      message: /predefined extension of network-traffic objects only/,
      source: /§6\.12\.5$/,
    },
    {
      name: 'a custom extension on an SDO',
      rule: extensionKeysRule,
      obj: withProps(INDICATOR, { extensions: { 'x-acme-score-ext': { score: 5 } } }),
      path: '/extensions/x-acme-score-ext',
      message: /^must be the id of an extension-definition \(custom extensions exist only for SCOs\)$/,
      source: /^STIX 2\.1 §3\.2, §11\.3$/,
    },
    {
      name: 'a custom extension name without -ext',
      rule: extensionKeysRule,
      obj: withProps(FILE, { extensions: { 'x-example-com-foo': { foo_val: 'foo' } } }),
      path: '/extensions/x-example-com-foo',
      message: /not a valid custom extension name/,
      source: /^STIX 2\.1 §11\.3\.1$/,
    },
    {
      name: 'a custom extension name with upper case',
      rule: extensionKeysRule,
      obj: withProps(FILE, { extensions: { 'X-Foo-ext': { foo_val: 'foo' } } }),
      path: '/extensions/X-Foo-ext',
      message: /not a valid custom extension name/,
      source: /§11\.3\.1$/,
    },
    {
      name: 'a custom extension where custom content is refused',
      rule: extensionKeysRule,
      obj: withProps(FILE, { extensions: { 'x-example-com-foo-ext': { foo_val: 'foo' } } }),
      ctx: NO_CUSTOM,
      path: '/extensions/x-example-com-foo-ext',
      message: /^is a custom extension \(custom extensions are not accepted in this collection\)$/,
      source: /^STIX 2\.1 §11\.3$/,
    },
    {
      name: 'an extension-definition key with a bad UUID',
      rule: extensionKeysRule,
      obj: withProps(INDICATOR, { extensions: { 'extension-definition--d83fce45': { extension_type: 'property-extension', rank: 1 } } }),
      path: '/extensions/extension-definition--d83fce45',
      message: /^is not a valid extension-definition identifier$/,
      source: /^STIX 2\.1 §2\.9$/,
    },
    {
      name: 'an extension without extension_type',
      rule: extensionTypeRule,
      obj: withProps(INDICATOR, { extensions: { 'extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e': { rank: 5 } } }),
      path: '/extensions/extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e/extension_type',
      message: /^is required when the extension is defined by an extension-definition$/,
      source: /^STIX 2\.1 §3\.2$/,
    },
    {
      name: 'an extension_type outside the enumeration',
      rule: extensionTypeRule,
      obj: withProps(INDICATOR, {
        extensions: { 'extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e': { extension_type: 'property', rank: 5 } },
      }),
      path: '/extensions/extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e/extension_type',
      message: /^must be one of new-sdo, new-sco, new-sro, property-extension, toplevel-property-extension$/,
      source: /^STIX 2\.1 §3\.2, §10\.5$/,
    },
    {
      name: 'a new-sdo extension on a STIX type',
      rule: extensionTypeRule,
      obj: withProps(INDICATOR, { extensions: { 'extension-definition--9c59fd79-4215-4ba2-920d-3e4f320e1e62': { extension_type: 'new-sdo' } } }),
      path: '/extensions/extension-definition--9c59fd79-4215-4ba2-920d-3e4f320e1e62/extension_type',
      message: /^must not be new-sdo on indicator objects: extensions must not redefine STIX types$/,
      source: /^STIX 2\.1 §7\.3$/,
    },
    {
      name: 'an extension property name with upper case',
      rule: extensionPropertiesRule,
      obj: withProps(INDICATOR, {
        extensions: { 'extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e': { extension_type: 'property-extension', Rank: 5 } },
      }),
      path: '/extensions/extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e/Rank',
      message: /only a-z, 0-9 and underscore/,
      source: /^STIX 2\.1 §7\.3\.2\.1$/,
    },
    {
      name: 'a two-character extension property name',
      rule: extensionPropertiesRule,
      obj: withProps(INDICATOR, {
        extensions: { 'extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e': { extension_type: 'property-extension', rk: 5 } },
      }),
      path: '/extensions/extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e/rk',
      message: /between 3 and 250/,
      source: /§3\.1, §7\.3\.2\.1$/,
    },
    {
      name: 'a reserved name in an extension',
      rule: extensionPropertiesRule,
      obj: withProps(INDICATOR, {
        extensions: { 'extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e': { extension_type: 'property-extension', severity: 5 } },
      }),
      path: '/extensions/extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e/severity',
      message: /reserved property name/,
      source: /^STIX 2\.1 §3\.8$/,
    },
    {
      name: 'a custom property in a predefined extension where custom content is refused',
      rule: extensionPropertiesRule,
      obj: withProps(FILE, { extensions: { 'ntfs-ext': { sid: '1234567', x_acme_flag: true } } }),
      ctx: NO_CUSTOM,
      path: '/extensions/ntfs-ext/x_acme_flag',
      message: /^is not a property of the ntfs-ext extension \(custom properties are not accepted in this collection\)$/,
      source: /^STIX 2\.1 §11\.1$/,
    },
    {
      name: 'a badly named custom property in a predefined extension',
      rule: extensionPropertiesRule,
      obj: withProps(FILE, { extensions: { 'ntfs-ext': { sid: '1234567', 'X-Flag': true } } }),
      path: '/extensions/ntfs-ext/X-Flag',
      message: /only a-z, 0-9 and underscore/,
      source: /§11\.1\.1$/,
    },
    {
      name: 'a badly named property of a custom extension',
      rule: extensionPropertiesRule,
      obj: withProps(FILE, { extensions: { 'x-example-com-foo-ext': { 'foo-val': 'foo' } } }),
      path: '/extensions/x-example-com-foo-ext/foo-val',
      message: /only a-z, 0-9 and underscore/,
      source: /§11\.3\.1$/,
    },
    {
      name: 'a custom object where custom content is refused',
      rule: customObjectTypeRule,
      obj: X_CUSTOM,
      ctx: NO_CUSTOM,
      path: '/type',
      message: /^"x-example-com-customobject" is not a STIX 2\.1 object type \(custom objects are not accepted in this collection\)$/,
      source: /^STIX 2\.1 §3\.2, §11\.2$/,
    },
    {
      name: 'an extension-defined object where custom content is refused',
      rule: customObjectTypeRule,
      obj: NEW_SDO,
      ctx: NO_CUSTOM,
      path: '/type',
      message: /custom objects are not accepted in this collection/,
      source: /§11\.2$/,
    },
    {
      name: 'an unknown type that is neither x- nor declared',
      rule: customObjectTypeRule,
      obj: withProps(NEW_SDO, { extensions: undefined }),
      path: '/type',
      message: /^"my-favorite-sdo" is not a STIX 2\.1 object type: a custom type must start with "x-" or be declared by a new-sdo, new-sco or new-sro extension$/,
      source: /^STIX 2\.1 §7\.3, §11\.2\.1$/,
    },
    {
      name: 'an unknown type with only a property-extension',
      rule: customObjectTypeRule,
      obj: withProps(NEW_SDO, {
        extensions: { 'extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e': { extension_type: 'property-extension', rank: 1 } },
      }),
      path: '/type',
      message: /must start with "x-" or be declared/,
      source: /§7\.3, §11\.2\.1$/,
    },
    {
      name: 'a bundle as an object',
      rule: customObjectTypeRule,
      obj: { type: 'bundle', id: 'bundle--5d0092c5-5f74-4287-9642-33f4c354e56d', objects: [INDICATOR] },
      path: '/type',
      message: /^bundle is not a STIX Object and cannot be stored as one$/,
      source: /^STIX 2\.1 §8$/,
    },
    {
      name: 'an extension_types value outside the enumeration',
      rule: extensionDefinitionRule,
      obj: withProps(NEW_SDO_DEFINITION, { extension_types: ['new-sdo', 'new-marking'] }),
      path: '/extension_types/1',
      message: /^must be one of new-sdo, new-sco, new-sro, property-extension, toplevel-property-extension$/,
      source: /^STIX 2\.1 §7\.3\.1, §10\.5$/,
    },
    {
      name: 'extension_properties without toplevel-property-extension',
      rule: extensionDefinitionRule,
      obj: withProps(TOPLEVEL_DEFINITION, { extension_types: ['property-extension'] }),
      path: '/extension_properties',
      message: /^must only be used when extension_types includes toplevel-property-extension$/,
      source: /^STIX 2\.1 §7\.3\.1$/,
    },
    {
      name: 'toplevel-property-extension without extension_properties',
      rule: extensionDefinitionRule,
      obj: withProps(TOPLEVEL_DEFINITION, { extension_properties: undefined }),
      severity: 'warning',
      path: '/extension_properties',
      message: /^should list the property names a toplevel-property-extension adds$/,
      source: /^STIX 2\.1 §7\.3\.1$/,
    },
    {
      name: 'a badly named extension property',
      rule: extensionDefinitionRule,
      obj: withProps(TOPLEVEL_DEFINITION, { extension_properties: ['toxicity', 'Rank'] }),
      path: '/extension_properties/1',
      message: /only a-z, 0-9 and underscore/,
      source: /^STIX 2\.1 §7\.3\.2\.1$/,
    },
  ];

  test.each(failing)('$name', (c) => expectSingle(c));

  const HYBRID_DEFINITION = withProps(NEW_SDO_DEFINITION, {
    id: 'extension-definition--c5333451-c08c-4c48-be5e-9ad4c947776a',
    extension_types: ['new-sdo', 'new-sco', 'property-extension'],
  });
  const passing: Array<[string, StixObject, RuleContext]> = [
    ['the §7.3 new-sdo extension-definition', NEW_SDO_DEFINITION, NO_CUSTOM],
    ['the §7.3 toplevel-property-extension definition', TOPLEVEL_DEFINITION, NO_CUSTOM],
    ['the §7.3 hybrid extension-definition', HYBRID_DEFINITION, NO_CUSTOM],
    ['the §7.3 new-sdo object', NEW_SDO, CUSTOM_OK],
    ['the §7.3 property-extension indicator', PROPERTY_EXTENDED_INDICATOR, NO_CUSTOM],
    ['the §7.3 toplevel-property-extension indicator', TOPLEVEL_EXTENDED_INDICATOR, CUSTOM_OK],
    ['a new-sco object', {
      type: 'my-favorite-sco',
      spec_version: '2.1',
      id: 'my-favorite-sco--f9dbe89c-0030-4a9d-8b78-0dcd0a0de874',
      name: 'This is the name of my favorite SCO',
      some_network_protocol_field: 'value',
      extensions: { 'extension-definition--c5333451-c08c-4c48-be5e-9ad4c947776a': { extension_type: 'new-sco' } },
    }, CUSTOM_OK],
    ['the §3.10 NTFS file', FILE, NO_CUSTOM],
    ['a custom SCO extension where allowed', withProps(FILE, { extensions: { 'x-example-com-foo-ext': { foo_val: 'foo', bar_val: 'bar' } } }), CUSTOM_OK],
    ['the §11.2.1 custom object where allowed', X_CUSTOM, CUSTOM_OK],
    ['the §6.7.6 PE file', {
      type: 'file',
      spec_version: '2.1',
      id: 'file--9af228db-9a04-5787-ad43-ccadc137a0e2',
      name: 'example.exe',
      extensions: {
        'windows-pebinary-ext': {
          pe_type: 'exe',
          machine_hex: '014c',
          time_date_stamp: '2016-01-22T12:31:12Z',
          optional_header: { magic_hex: '010b' },
          sections: [{ name: 'CODE', entropy: 0.061089 }],
        },
      },
    }, NO_CUSTOM],
    ['a network-traffic with http-request-ext and tcp-ext', {
      type: 'network-traffic',
      spec_version: '2.1',
      id: 'network-traffic--fdd6dbda-a206-52fe-b19b-64d908748850',
      dst_ref: 'ipv4-addr--165070a8-c561-58a8-8659-fce2f255c2c0',
      protocols: ['tcp', 'http'],
      extensions: {
        'http-request-ext': { request_method: 'get', request_value: '/download.html' },
        'tcp-ext': { src_flags_hex: '00000002' },
      },
    }, NO_CUSTOM],
  ];
  test.each(passing)('no issue for %s', (_name, obj, ctx) => {
    for (const rule of EXTENSION_RULES) expect(run(rule, obj, ctx)).toEqual([]);
  });
});

describe('TLP rules', () => {
  const WHITE = 'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9';
  const AMBER_2 = 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421';
  const white = standardTlpObject(WHITE) as StixObject;
  const amber2 = standardTlpObject(AMBER_2) as StixObject;

  test('TLP_MARKINGS: the four TLP 1.0 and five TLP 2.0 ids', () => {
    expect(Object.fromEntries(TLP_MARKINGS)).toEqual({
      'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9': { version: '1.0', level: 'white' },
      'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da': { version: '1.0', level: 'green' },
      'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82': { version: '1.0', level: 'amber' },
      'marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed': { version: '1.0', level: 'red' },
      'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487': { version: '2.0', level: 'clear' },
      'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb': { version: '2.0', level: 'green' },
      'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421': { version: '2.0', level: 'amber' },
      'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003': { version: '2.0', level: 'amber+strict' },
      'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1': { version: '2.0', level: 'red' },
    });
  });

  test('the standard objects are those of STIX 2.1 §7.2.1.4 and the TLP 2.0 extension', () => {
    expect(white).toEqual({
      type: 'marking-definition',
      spec_version: '2.1',
      id: WHITE,
      created: '2017-01-20T00:00:00.000Z',
      definition_type: 'tlp',
      name: 'TLP:WHITE',
      definition: { tlp: 'white' },
    });
    expect(standardTlpObject('marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003')).toEqual({
      type: 'marking-definition',
      spec_version: '2.1',
      id: 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003',
      created: '2022-10-01T00:00:00.000Z',
      name: 'TLP:AMBER+STRICT',
      extensions: { [TLP_2_0_EXTENSION_ID]: { extension_type: 'property-extension', tlp_2_0: 'amber+strict' } },
    });
  });

  test.each([...TLP_MARKINGS.keys()])('the standard %s passes every rule', (id) => {
    const obj = standardTlpObject(id) as StixObject;
    for (const rule of [...TLP_RULES, ...PROPERTY_RULES, ...EXTENSION_RULES]) expect(run(rule, obj, NO_CUSTOM)).toEqual([]);
  });

  const failing: Case[] = [
    {
      name: 'TLP 1.0 WHITE id with the GREEN name',
      rule: tlpStandardMarkingRule,
      obj: withProps(white, { name: 'TLP:GREEN' }),
      path: '/name',
      message: /^must be "TLP:WHITE" as in the standard TLP 1\.0 TLP:WHITE marking definition$/,
      source: /^STIX 2\.1 §7\.2\.1\.4$/,
    },
    {
      name: 'TLP 1.0 WHITE id with the green definition',
      rule: tlpStandardMarkingRule,
      obj: withProps(white, { definition: { tlp: 'green' } }),
      path: '/definition',
      message: /^must be \{"tlp":"white"\} as in the standard/,
      source: /§7\.2\.1\.4$/,
    },
    {
      name: 'TLP 1.0 without a name (as in STIX 2.0)',
      rule: tlpStandardMarkingRule,
      obj: withProps(white, { name: undefined }),
      path: '/name',
      message: /must be "TLP:WHITE"/,
      source: /§7\.2\.1\.4$/,
    },
    {
      name: 'TLP 1.0 with another created',
      rule: tlpStandardMarkingRule,
      obj: withProps(white, { created: '2017-01-20T00:00:00.001Z' }),
      path: '/created',
      message: /must be "2017-01-20T00:00:00\.000Z"/,
      source: /§7\.2\.1\.4$/,
    },
    {
      name: 'TLP 1.0 with an extra definition property',
      rule: tlpStandardMarkingRule,
      obj: withProps(white, { definition: { tlp: 'white', note: 'x' } }),
      path: '/definition',
      message: /must be \{"tlp":"white"\}/,
      source: /§7\.2\.1\.4$/,
    },
    {
      name: 'TLP 1.0 with the TLP 2.0 extension',
      rule: tlpStandardMarkingRule,
      obj: withProps(white, { extensions: { [TLP_2_0_EXTENSION_ID]: { extension_type: 'property-extension', tlp_2_0: 'clear' } } }),
      path: '/extensions',
      message: /^must not be present: the standard TLP 1\.0 TLP:WHITE marking definition has no extensions$/,
      source: /§7\.2\.1\.4$/,
    },
    {
      name: 'TLP 2.0 AMBER id with tlp_2_0 red',
      rule: tlpStandardMarkingRule,
      obj: withProps(amber2, { extensions: { [TLP_2_0_EXTENSION_ID]: { extension_type: 'property-extension', tlp_2_0: 'red' } } }),
      path: '/extensions',
      message: /must be \{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":\{"extension_type":"property-extension","tlp_2_0":"amber"\}\} as in the standard TLP 2\.0 TLP:AMBER/,
      source: /^TLP 2\.0 marking definitions/,
    },
    {
      name: 'TLP 2.0 with the TLP 1.0 definition',
      rule: tlpStandardMarkingRule,
      obj: withProps(amber2, { definition_type: 'tlp' }),
      path: '/definition_type',
      message: /^must not be present: the standard TLP 2\.0 TLP:AMBER marking definition has no definition_type$/,
      source: /^TLP 2\.0 marking definitions/,
    },
    {
      name: 'TLP 2.0 with spec_version 2.0',
      rule: tlpStandardMarkingRule,
      obj: withProps(amber2, { spec_version: '2.0' }),
      path: '/spec_version',
      message: /must be "2\.1"/,
      source: /^TLP 2\.0 marking definitions/,
    },
    {
      name: 'another TLP 1.0 instance',
      rule: tlpOtherInstancesRule,
      obj: withProps(white, { id: 'marking-definition--4a0042fe-8b88-40fe-9600-dfa128ce6fbd' }),
      path: '/id',
      message: /^is not one of the four standard TLP 1\.0 marking definitions: other instances of TLP markings must not be created$/,
      source: /^STIX 2\.1 §7\.2\.1\.4$/,
    },
    {
      name: 'a TLP 1.0 instance with a commonly mistyped id',
      rule: tlpOtherInstancesRule,
      obj: withProps(white, { id: 'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc8' }),
      path: '/id',
      message: /four standard TLP 1\.0 marking definitions/,
      source: /§7\.2\.1\.4$/,
    },
    {
      name: 'another TLP 2.0 instance',
      rule: tlpOtherInstancesRule,
      obj: withProps(amber2, { id: 'marking-definition--4a0042fe-8b88-40fe-9600-dfa128ce6fbd' }),
      path: '/id',
      message: /^is not one of the five standard TLP 2\.0 marking definitions/,
      source: /^TLP 2\.0 marking definitions/,
    },
  ];

  test.each(failing)('$name', (c) => expectSingle(c));

  test('created written with more digits is the same instant', () => {
    expect(run(tlpStandardMarkingRule, withProps(white, { created: '2017-01-20T00:00:00.000000Z' }))).toEqual([]);
  });

  test('a statement marking is not a TLP marking', () => {
    for (const rule of TLP_RULES) expect(run(rule, STATEMENT_MARKING)).toEqual([]);
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

describe('real content', () => {
  const rules = [...PROPERTY_RULES, ...EXTENSION_RULES, ...TLP_RULES];
  let total = 0;

  test.each(CORPUS)('%s: no errors and no warnings', (_name, file) => {
    const objects = objectsOf(file);
    total += objects.length;
    const issues: string[] = [];
    for (const obj of objects) {
      const collector = new IssueCollector();
      for (const rule of rules) rule.check(obj, CUSTOM_OK, collector);
      for (const i of collector.issues) issues.push(`${String(obj.id)}: ${i.severity} ${i.path} ${i.message}`);
    }
    expect(issues).toEqual([]);
  });

  test('the corpus is the 260 example objects and the 6,948 dataset objects', () => {
    expect(total).toBe(260 + 6948);
  });

  test('ATT&CK custom objects and x_mitre_ properties are refused where custom content is not accepted', () => {
    const objects = objectsOf(path.join(DATASETS, 'mobile-attack-17.1.json'));
    const refused = new Set<string>();
    for (const obj of objects) {
      const collector = new IssueCollector();
      for (const rule of rules) rule.check(obj, NO_CUSTOM, collector);
      if (collector.issues.some((i) => i.severity === 'error')) refused.add(String(obj.type));
    }
    expect(refused.has('x-mitre-tactic')).toBe(true);
    expect(refused.has('attack-pattern')).toBe(true); // x_mitre_* properties
    expect(refused.has('marking-definition')).toBe(false);
  });
});
