// Reference, granular-marking and vocabulary rules (STIX 2.1 §2.9, §3.1–§3.3, §4–§7, §10).
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { IssueCollector, type StixObject, type StixRule } from '../../src/stix/rules/rule';
import type { ValidationIssue } from '../../src/stix/validation-issue';
import { formatIssue } from '../../src/stix/validation-issue';
import {
  embeddedReferencesRule,
  observableContainerReferencesRule,
  referenceRules,
} from '../../src/stix/rules/reference-rules';
import { granularMarkingRules, granularMarkingsRule } from '../../src/stix/rules/granular-marking-rules';
import {
  enumerationsRule,
  openVocabulariesRule,
  relationshipTypeRule,
  vocabularyRules,
} from '../../src/stix/rules/vocabulary-rules';
import {
  STIX_META_TYPES,
  STIX_SCO_TYPES,
  STIX_SDO_TYPES,
  STIX_SRO_TYPES,
  identifierType,
} from '../../src/stix/rules/reference-types';
import { VOCABULARIES } from '../../src/stix/rules/vocabularies';

const SHARED = path.resolve(__dirname, '../../../shared');
const EXAMPLES = path.join(SHARED, 'oasis/cti-stix2-json-schemas/examples');
const DATASETS = path.join(SHARED, 'datasets');

const ALL_RULES: StixRule[] = [...referenceRules, ...granularMarkingRules, ...vocabularyRules];
const CTX = { allowCustom: true };

const U1 = '8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f';
const U2 = 'f431f809-377b-45e0-aa1c-6a4751cae5ff';
const id = (type: string, uuid = U1): string => `${type}--${uuid}`;
const TLP_GREEN = 'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da';

type Obj = Record<string, unknown>;

function run(rules: StixRule | StixRule[], obj: Obj): ValidationIssue[] {
  const c = new IssueCollector();
  for (const r of Array.isArray(rules) ? rules : [rules]) r.check(obj as StixObject, CTX, c);
  return c.issues;
}

function errors(rules: StixRule | StixRule[], obj: Obj): ValidationIssue[] {
  return run(rules, obj).filter((i) => i.severity === 'error');
}

function sdo(type: string, extra: Obj = {}): Obj {
  return {
    type,
    spec_version: '2.1',
    id: id(type, U2),
    created: '2016-04-06T20:03:00.000Z',
    modified: '2016-04-06T20:03:00.000Z',
    ...extra,
  };
}

function sco(type: string, extra: Obj = {}): Obj {
  return { type, spec_version: '2.1', id: id(type, U2), ...extra };
}

function relationship(source: string, target: string, relationshipType = 'related-to'): Obj {
  return sdo('relationship', { relationship_type: relationshipType, source_ref: source, target_ref: target });
}

/** Asserts exactly one error, at `at`, whose message matches `message` and renders well. */
function expectOneError(issues: ValidationIssue[], at: string, message: RegExp, source?: RegExp): void {
  const errs = issues.filter((i) => i.severity === 'error');
  expect(errs.map((e) => e.path)).toEqual([at]);
  const e = errs[0] as ValidationIssue;
  expect(e.message).toMatch(message);
  expect(e.source).toMatch(source ?? /^STIX 2\.1 §\d+(\.\d+)*$/);
  expect(formatIssue('x--1', e)).toBe(`x--1: ${at === '' ? '' : `${at} `}${e.message} (${e.source})`);
}

// ---------------------------------------------------------------------------------------

describe('type category lists', () => {
  test('categories are disjoint and complete (§4, §5, §6, §7)', () => {
    expect(STIX_SDO_TYPES.size).toBe(19);
    expect(STIX_SRO_TYPES.size).toBe(2);
    expect(STIX_SCO_TYPES.size).toBe(18);
    expect(STIX_META_TYPES.size).toBe(3);
    const all = [...STIX_SDO_TYPES, ...STIX_SRO_TYPES, ...STIX_SCO_TYPES, ...STIX_META_TYPES];
    expect(new Set(all).size).toBe(all.length);
  });

  test('every vocabulary has unique values and the right kind', () => {
    for (const v of VOCABULARIES) {
      expect(new Set(v.values).size).toBe(v.values.length);
      expect(v.kind).toBe(v.name.endsWith('-enum') ? 'enum' : 'ov');
      expect(v.source).toMatch(/^STIX 2\.1 §10\.\d+$/);
    }
  });

  test.each([
    ['identity--f431f809-377b-45e0-aa1c-6a4751cae5ff', 'identity'],
    ['x-mitre-tactic--8E2E2D2B-17D4-4CBF-938F-98EE46B3CD3F', 'x-mitre-tactic'],
    ['ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4', 'ipv4-addr'],
    ['identity--f431f809-377b-05e0-aa1c-6a4751cae5ff', undefined], // version 0
    ['identity--f431f809-377b-45e0-7a1c-6a4751cae5ff', undefined], // variant 0xxx
    ['Identity--f431f809-377b-45e0-aa1c-6a4751cae5ff', undefined],
    ['a--b--f431f809-377b-45e0-aa1c-6a4751cae5ff', undefined],
    ['ab--f431f809-377b-45e0-aa1c-6a4751cae5ff', undefined], // type shorter than 3
    ['identity-f431f809-377b-45e0-aa1c-6a4751cae5ff', undefined],
    ['identity--f431f809377b45e0aa1c6a4751cae5ff', undefined],
  ])('identifierType(%s) = %s (§2.9)', (value, type) => {
    expect(identifierType(value)).toBe(type);
  });
});

// ---------------------------------------------------------------------------------------

describe('embedded references (§2.9, §3.1, §3.2, property tables of §4–§7)', () => {
  const ref = [embeddedReferencesRule, observableContainerReferencesRule];

  const failing: Array<[string, Obj, string, RegExp]> = [
    // common properties §3.2
    ['created_by_ref to malware', sdo('indicator', { created_by_ref: id('malware') }), '/created_by_ref', /^must reference an identity, not malware--8e2e2d2b/],
    ['created_by_ref malformed', sdo('indicator', { created_by_ref: 'identity-123' }), '/created_by_ref', /^must be an identifier <type>--<UUID>, not "identity-123"$/],
    ['created_by_ref not a string', sdo('indicator', { created_by_ref: 42 }), '/created_by_ref', /^must be an identifier <type>--<UUID>, not 42$/],
    ['created_by_ref bad UUID version', sdo('indicator', { created_by_ref: 'identity--f431f809-377b-05e0-aa1c-6a4751cae5ff' }), '/created_by_ref', /UUID part .* is not an RFC 4122 UUID/],
    ['created_by_ref bad UUID shape', sdo('indicator', { created_by_ref: 'identity--1234' }), '/created_by_ref', /UUID part .* is not a UUID/],
    ['created_by_ref bad type part', sdo('indicator', { created_by_ref: `Identity--${U1}` }), '/created_by_ref', /type part of "Identity--.*" is not a STIX type name/],
    ['created_by_ref is a list', sdo('indicator', { created_by_ref: [id('identity')] }), '/created_by_ref', /^must be a single identifier, not a list$/],
    ['object_marking_refs to identity', sdo('indicator', { object_marking_refs: [TLP_GREEN, id('identity')] }), '/object_marking_refs/1', /^must reference a marking-definition, not identity--/],
    ['object_marking_refs not a list', sdo('indicator', { object_marking_refs: TLP_GREEN }), '/object_marking_refs', /^must be a list of identifiers, not "marking-definition--/],
    ['object_marking_refs empty', sdo('indicator', { object_marking_refs: [] }), '/object_marking_refs', /^must not be an empty list/],
    ['granular marking_ref to identity', sdo('indicator', { granular_markings: [{ selectors: ['type'], marking_ref: TLP_GREEN }, { selectors: ['id'], marking_ref: id('identity') }] }), '/granular_markings/1/marking_ref', /^must reference a marking-definition, not identity--/],
    ['object_marking_refs on an SCO', sco('ipv4-addr', { value: '10.0.0.1', object_marking_refs: [id('tool')] }), '/object_marking_refs/0', /^must reference a marking-definition/],
    ['created_by_ref on a custom object', sdo('x-acme-thing', { created_by_ref: id('location') }), '/created_by_ref', /^must reference an identity, not location--/],
    ['marking definition marking itself', { ...sdo('marking-definition'), object_marking_refs: [id('marking-definition', U2)] }, '/object_marking_refs/0', /^must not reference the marking definition itself/],
    // §4 SDOs
    ['grouping object_refs to bundle', sdo('grouping', { context: 'unspecified', object_refs: [id('indicator'), id('bundle')] }), '/object_refs/1', /^must reference a STIX Object .*, not bundle--/],
    ['note object_refs to bundle', sdo('note', { content: 'x', object_refs: [id('bundle')] }), '/object_refs/0', /^must reference a STIX Object/],
    ['opinion object_refs malformed', sdo('opinion', { opinion: 'agree', object_refs: ['campaign'] }), '/object_refs/0', /^must be an identifier/],
    ['report object_refs to bundle', sdo('report', { object_refs: [id('campaign'), id('bundle')] }), '/object_refs/1', /^must reference a STIX Object/],
    ['observed-data object_refs to an SDO', sdo('observed-data', { object_refs: [id('ipv4-addr'), id('indicator')] }), '/object_refs/1', /^must reference an SCO or SRO, not indicator--/],
    ['observed-data object_refs without SCO', sdo('observed-data', { object_refs: [id('relationship')] }), '/object_refs', /^must contain at least one SCO reference$/],
    ['malware sample_refs to url', sdo('malware', { is_family: false, sample_refs: [id('file'), id('url')] }), '/sample_refs/1', /^must reference a file or artifact, not url--/],
    ['malware operating_system_refs to tool', sdo('malware', { is_family: true, operating_system_refs: [id('tool')] }), '/operating_system_refs/0', /^must reference a software, not tool--/],
    ['malware-analysis host_vm_ref to file', sdo('malware-analysis', { product: 'x', host_vm_ref: id('file') }), '/host_vm_ref', /^must reference a software, not file--/],
    ['malware-analysis operating_system_ref to identity', sdo('malware-analysis', { product: 'x', operating_system_ref: id('identity') }), '/operating_system_ref', /^must reference a software/],
    ['malware-analysis installed_software_refs to file', sdo('malware-analysis', { product: 'x', installed_software_refs: [id('software'), id('file')] }), '/installed_software_refs/1', /^must reference a software/],
    ['malware-analysis analysis_sco_refs to SDO', sdo('malware-analysis', { product: 'x', analysis_sco_refs: [id('indicator')] }), '/analysis_sco_refs/0', /^must reference an SCO, not indicator--/],
    ['malware-analysis sample_ref to url', sdo('malware-analysis', { product: 'x', sample_ref: id('url') }), '/sample_ref', /^must reference a file, network-traffic or artifact, not url--/],
    // §5 SROs
    ['source_ref to relationship', relationship(id('relationship'), id('malware')), '/source_ref', /^must reference an SDO or SCO, not relationship--/],
    ['source_ref to sighting', relationship(id('sighting'), id('malware')), '/source_ref', /^must reference an SDO or SCO, not sighting--/],
    ['target_ref to marking-definition', relationship(id('indicator'), TLP_GREEN), '/target_ref', /^must reference an SDO or SCO, not marking-definition--/],
    ['target_ref to language-content', relationship(id('indicator'), id('language-content')), '/target_ref', /^must reference an SDO or SCO/],
    ['target_ref to extension-definition', relationship(id('indicator'), id('extension-definition')), '/target_ref', /^must reference an SDO or SCO/],
    ['target_ref to bundle', relationship(id('indicator'), id('bundle')), '/target_ref', /^must reference an SDO or SCO, not bundle--/],
    ['sighting_of_ref to SCO', sdo('sighting', { sighting_of_ref: id('ipv4-addr') }), '/sighting_of_ref', /^must reference an SDO, not ipv4-addr--/],
    ['sighting_of_ref to SRO', sdo('sighting', { sighting_of_ref: id('sighting') }), '/sighting_of_ref', /^must reference an SDO, not sighting--/],
    ['observed_data_refs to indicator', sdo('sighting', { sighting_of_ref: id('indicator'), observed_data_refs: [id('indicator')] }), '/observed_data_refs/0', /^must reference an observed-data, not indicator--/],
    ['where_sighted_refs to malware', sdo('sighting', { sighting_of_ref: id('indicator'), where_sighted_refs: [id('identity'), id('location'), id('malware')] }), '/where_sighted_refs/2', /^must reference an identity or location, not malware--/],
    // §6 SCOs
    ['directory contains_refs to ipv4-addr', sco('directory', { path: '/', contains_refs: [id('file'), id('ipv4-addr')] }), '/contains_refs/1', /^must reference a file or directory, not ipv4-addr--/],
    ['domain-name resolves_to_refs to mac-addr', sco('domain-name', { value: 'a.example', resolves_to_refs: [id('mac-addr')] }), '/resolves_to_refs/0', /^must reference an ipv4-addr, ipv6-addr or domain-name, not mac-addr--/],
    ['email-addr belongs_to_ref to identity', sco('email-addr', { value: 'a@b.c', belongs_to_ref: id('identity') }), '/belongs_to_ref', /^must reference a user-account, not identity--/],
    ['email from_ref to user-account', sco('email-message', { is_multipart: false, from_ref: id('user-account') }), '/from_ref', /^must reference an email-addr, not user-account--/],
    ['email sender_ref to url', sco('email-message', { is_multipart: false, sender_ref: id('url') }), '/sender_ref', /^must reference an email-addr/],
    ['email to_refs to identity', sco('email-message', { is_multipart: false, to_refs: [id('identity')] }), '/to_refs/0', /^must reference an email-addr/],
    ['email cc_refs to identity', sco('email-message', { is_multipart: false, cc_refs: [id('email-addr'), id('identity')] }), '/cc_refs/1', /^must reference an email-addr/],
    ['email bcc_refs to identity', sco('email-message', { is_multipart: false, bcc_refs: [id('identity')] }), '/bcc_refs/0', /^must reference an email-addr/],
    ['email raw_email_ref to file', sco('email-message', { is_multipart: false, raw_email_ref: id('file') }), '/raw_email_ref', /^must reference an artifact, not file--/],
    ['email body_raw_ref to email-addr', sco('email-message', { is_multipart: true, body_multipart: [{ body: 'hi' }, { body_raw_ref: id('email-addr') }] }), '/body_multipart/1/body_raw_ref', /^must reference an artifact or file, not email-addr--/],
    ['file parent_directory_ref to file', sco('file', { name: 'a', parent_directory_ref: id('file') }), '/parent_directory_ref', /^must reference a directory, not file--/],
    ['file contains_refs to SDO', sco('file', { name: 'a', contains_refs: [id('ipv4-addr'), id('indicator')] }), '/contains_refs/1', /^must reference an SCO, not indicator--/],
    ['file content_ref to file', sco('file', { name: 'a', content_ref: id('file') }), '/content_ref', /^must reference an artifact, not file--/],
    ['archive-ext contains_refs to ipv4-addr', sco('file', { name: 'a.zip', extensions: { 'archive-ext': { contains_refs: [id('ipv4-addr')] } } }), '/extensions/archive-ext/contains_refs/0', /^must reference a file or directory/],
    ['ipv4 resolves_to_refs to ipv6', sco('ipv4-addr', { value: '10.0.0.1', resolves_to_refs: [id('ipv6-addr')] }), '/resolves_to_refs/0', /^must reference a mac-addr, not ipv6-addr--/],
    ['ipv4 belongs_to_refs to ipv4', sco('ipv4-addr', { value: '10.0.0.1', belongs_to_refs: [id('ipv4-addr')] }), '/belongs_to_refs/0', /^must reference an autonomous-system/],
    ['ipv6 resolves_to_refs to ipv4', sco('ipv6-addr', { value: '::1', resolves_to_refs: [id('ipv4-addr')] }), '/resolves_to_refs/0', /^must reference a mac-addr/],
    ['ipv6 belongs_to_refs to identity', sco('ipv6-addr', { value: '::1', belongs_to_refs: [id('identity')] }), '/belongs_to_refs/0', /^must reference an autonomous-system/],
    ['network-traffic src_ref to url', sco('network-traffic', { protocols: ['tcp'], src_ref: id('url') }), '/src_ref', /^must reference an ipv4-addr, ipv6-addr, mac-addr or domain-name, not url--/],
    ['network-traffic dst_ref to file', sco('network-traffic', { protocols: ['tcp'], dst_ref: id('file') }), '/dst_ref', /^must reference an ipv4-addr, ipv6-addr, mac-addr or domain-name/],
    ['network-traffic src_payload_ref to file', sco('network-traffic', { protocols: ['tcp'], src_payload_ref: id('file') }), '/src_payload_ref', /^must reference an artifact/],
    ['network-traffic dst_payload_ref to file', sco('network-traffic', { protocols: ['tcp'], dst_payload_ref: id('file') }), '/dst_payload_ref', /^must reference an artifact/],
    ['network-traffic encapsulates_refs to ipv4', sco('network-traffic', { protocols: ['tcp'], encapsulates_refs: [id('ipv4-addr')] }), '/encapsulates_refs/0', /^must reference a network-traffic, not ipv4-addr--/],
    ['network-traffic encapsulated_by_ref to process', sco('network-traffic', { protocols: ['tcp'], encapsulated_by_ref: id('process') }), '/encapsulated_by_ref', /^must reference a network-traffic/],
    ['http-request-ext message_body_data_ref to file', sco('network-traffic', { protocols: ['http'], extensions: { 'http-request-ext': { request_method: 'get', request_value: '/', message_body_data_ref: id('file') } } }), '/extensions/http-request-ext/message_body_data_ref', /^must reference an artifact, not file--/],
    ['process opened_connection_refs to ipv4', sco('process', { pid: 1, opened_connection_refs: [id('ipv4-addr')] }), '/opened_connection_refs/0', /^must reference a network-traffic/],
    ['process creator_user_ref to identity', sco('process', { pid: 1, creator_user_ref: id('identity') }), '/creator_user_ref', /^must reference a user-account/],
    ['process image_ref to directory', sco('process', { pid: 1, image_ref: id('directory') }), '/image_ref', /^must reference a file, not directory--/],
    ['process parent_ref to file', sco('process', { pid: 1, parent_ref: id('file') }), '/parent_ref', /^must reference a process, not file--/],
    ['process child_refs to file', sco('process', { pid: 1, child_refs: [id('process'), id('file')] }), '/child_refs/1', /^must reference a process/],
    ['windows-service-ext service_dll_refs to directory', sco('process', { pid: 1, extensions: { 'windows-service-ext': { service_name: 's', service_dll_refs: [id('directory')] } } }), '/extensions/windows-service-ext/service_dll_refs/0', /^must reference a file, not directory--/],
    ['windows-registry-key creator_user_ref to identity', sco('windows-registry-key', { key: 'HKEY_LOCAL_MACHINE\\x', creator_user_ref: id('identity') }), '/creator_user_ref', /^must reference a user-account/],
    // §7 meta objects
    ['language-content object_ref to bundle', sdo('language-content', { object_ref: id('bundle'), contents: { de: { name: 'x' } } }), '/object_ref', /^must reference a STIX Object/],
    ['extension-definition created_by_ref to tool', sdo('extension-definition', { created_by_ref: id('tool'), name: 'x', schema: 'x', version: '1', extension_types: ['new-sdo'] }), '/created_by_ref', /^must reference an identity/],
    // properties outside the specification (§3.1)
    ['custom _ref not an identifier', sdo('indicator', { x_acme_source_ref: 'not-an-id' }), '/x_acme_source_ref', /^must be an identifier/],
    ['custom _refs not a list', sdo('x-mitre-matrix', { tactic_refs: id('x-mitre-tactic') }), '/tactic_refs', /^must be a list of identifiers/],
    ['custom _ref nested in a custom property', sdo('x-mitre-collection', { x_mitre_contents: [{ object_ref: id('campaign'), object_modified: 'x' }, { object_ref: 'campaign-1' }] }), '/x_mitre_contents/1/object_ref', /^must be an identifier/],
    ['custom _ref in an extension-definition extension', sdo('indicator', { extensions: { [id('extension-definition')]: { extension_type: 'property-extension', rank_ref: 5 } } }), `/extensions/${id('extension-definition')}/rank_ref`, /^must be an identifier <type>--<UUID>, not 5$/],
    ['custom _ref in a custom SCO extension (pointer escaping)', sco('file', { name: 'a', extensions: { 'x-a/b~c-ext': { thing_ref: 'x' } } }), '/extensions/x-a~1b~0c-ext/thing_ref', /^must be an identifier/],
    ['custom _ref inside external_references', sdo('indicator', { external_references: [{ source_name: 'x', x_case_ref: 'x' }] }), '/external_references/0/x_case_ref', /^must be an identifier/],
  ];

  test.each(failing)('%s', (_name, obj, at, message) => {
    expectOneError(run(ref, obj), at, message);
  });

  const container = (objects: Obj): Obj =>
    sdo('observed-data', { first_observed: '2020-01-01T00:00:00Z', last_observed: '2020-01-01T00:00:00Z', number_observed: 1, objects });

  test.each<[string, Obj, string, RegExp]>([
    ['reference to a missing key', container({ '0': { type: 'ipv4-addr', value: '10.0.0.1' }, '1': { type: 'network-traffic', protocols: ['tcp'], src_ref: '0', dst_ref: '2' } }), '/objects/1/dst_ref', /^must be the key of an object in the same observable container \(\/objects\), but there is no object "2"$/],
    ['reference to a key of the wrong type', container({ '0': { type: 'file', name: 'a' }, '1': { type: 'network-traffic', protocols: ['tcp'], src_ref: '0' } }), '/objects/1/src_ref', /^must reference an ipv4-addr, ipv6-addr, mac-addr or domain-name, not the file object "0"$/],
    ['list reference to a missing key', container({ '0': { type: 'email-message', is_multipart: false, to_refs: ['1'] } }), '/objects/0/to_refs/0', /there is no object "1"/],
    ['custom _ref to a missing key', container({ '0': { type: 'process', binary_ref: '7' } }), '/objects/0/binary_ref', /there is no object "7"/],
  ])('observable container (§2.13): %s', (_name, obj, at, message) => {
    expectOneError(run(ref, obj), at, message, /^STIX 2\.1 §(2\.13|6\.\d+\.1)$/);
  });

  const passing: Array<[string, Obj]> = [
    ['custom SDO as sighting_of_ref', sdo('sighting', { sighting_of_ref: id('x-acme-sdo') })],
    ['extension-defined type as relationship target', relationship(id('indicator'), id('my-favorite-sdo'))],
    ['SCO to SCO relationship', relationship(id('domain-name'), id('ipv4-addr'), 'resolves-to')],
    ['report referencing every category', sdo('report', { object_refs: [id('relationship'), id('sighting'), TLP_GREEN, id('language-content'), id('extension-definition'), id('file'), id('x-custom')] })],
    ['upper-case UUID hex (RFC 4122 §3: case-insensitive on input)', sdo('indicator', { created_by_ref: 'identity--F431F809-377B-45E0-AA1C-6A4751CAE5FF' })],
    ['observed-data with SCO and SRO', sdo('observed-data', { object_refs: [id('ipv4-addr'), id('domain-name'), id('relationship')] })],
    ['observed-data with a custom (possibly SCO) type', sdo('observed-data', { object_refs: [id('x-usb-device'), id('relationship')] })],
    ['custom _ref properties holding identifiers', sdo('attack-pattern', { x_mitre_modified_by_ref: id('identity'), x_refs: [id('x-a'), id('bundle')] })],
    ['language-content contents mirroring reference names', sdo('language-content', { object_ref: id('campaign'), contents: { de: { object_refs: ['nicht'], name: 'x' } } })],
    ['hashes / dictionaries with _ref-looking keys', sco('network-traffic', { protocols: ['http'], extensions: { 'http-request-ext': { request_method: 'get', request_value: '/', request_header: { x_ref: ['1'] } } }, ipfix: { foo_ref: 1 } })],
    ['valid observable container', container({ '0': { type: 'ipv4-addr', value: '10.0.0.1', resolves_to_refs: ['2'] }, '1': { type: 'network-traffic', protocols: ['tcp'], src_ref: '0', dst_ref: '3' }, '2': { type: 'mac-addr', value: '00:00:00:00:00:01' }, '3': { type: 'domain-name', value: 'a.example' } })],
    ['marking definition with another marking', { ...sdo('marking-definition'), object_marking_refs: [TLP_GREEN] }],
    ['email message with MIME parts', sco('email-message', { is_multipart: true, body_multipart: [{ body_raw_ref: id('artifact') }, { body_raw_ref: id('file') }] })],
  ];

  test.each(passing)('accepts %s', (_name, obj) => {
    expect(errors(ref, obj)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------

describe('granular markings (§7.2.3, §7.2.3.1)', () => {
  // The §7.2.3.1 example object.
  const vulnerability = (granular_markings: unknown): Obj => ({
    id: 'vulnerability--ee916c28-c7a4-4d0d-ad56-a8d357f89fef',
    spec_version: '2.1',
    created: '2016-02-14T00:00:00.000Z',
    modified: '2016-02-14T00:00:00.000Z',
    type: 'vulnerability',
    name: 'CVE-2014-0160',
    description: 'The (1) TLS...',
    external_references: [{ source_name: 'cve', external_id: 'CVE-2014-0160' }],
    labels: ['heartbleed', 'has-logo'],
    granular_markings,
  });
  const marking = (...selectors: unknown[]): Obj => ({ marking_ref: TLP_GREEN, selectors });

  test.each<[string, unknown, string, RegExp]>([
    ['property not present (spec example)', [marking('description', 'labels', 'pattern')], '/granular_markings/0/selectors/2', /^selects "pattern", but the object has no property pattern$/],
    ['index out of bounds (spec example)', [marking('external_references.[3]')], '/granular_markings/0/selectors/0', /^selects "external_references.\[3\]", but external_references has only 1 item \(indexes 0 to 0\)$/],
    ['index into a string (spec example)', [marking('description.[0]')], '/granular_markings/0/selectors/0', /^selects "description.\[0\]", but description is not a list$/],
    ['name into a list (spec example)', [marking('labels.name')], '/granular_markings/0/selectors/0', /^selects "labels.name", but labels is a list; select its items with labels.\[N\]$/],
    ['name into a scalar', [marking('name.x')], '/granular_markings/0/selectors/0', /^selects "name.x", but name is not an object$/],
    ['nested property not present', [marking('external_references.[0].url')], '/granular_markings/0/selectors/0', /but external_references.\[0\] has no property url$/],
    ['index without the dot', [marking('labels[0]')], '/granular_markings/0/selectors/0', /^is not a valid selector: .*non-negative integer in square brackets/],
    ['negative index', [marking('labels.[-1]')], '/granular_markings/0/selectors/0', /^is not a valid selector/],
    ['empty component', [marking('labels..[0]')], '/granular_markings/0/selectors/0', /^is not a valid selector: "labels..\[0\]" has an empty component/],
    ['empty selector', [marking('')], '/granular_markings/0/selectors/0', /^must not be empty/],
    ['leading list index', [marking('[0]')], '/granular_markings/0/selectors/0', /starts with a list index/],
    ['selector not a string', [marking('name', 7)], '/granular_markings/0/selectors/1', /^must be a selector string/],
    ['third selector of the second marking', [marking('name'), marking('name', 'labels.[1]', 'labels.[2]')], '/granular_markings/1/selectors/2', /labels has only 2 items/],
    ['selectors missing', [{ marking_ref: TLP_GREEN }], '/granular_markings/0', /^must have selectors/],
    ['selectors empty', [{ marking_ref: TLP_GREEN, selectors: [] }], '/granular_markings/0/selectors', /^must list at least one selector$/],
    ['selectors not a list', [{ marking_ref: TLP_GREEN, selectors: 'name' }], '/granular_markings/0/selectors', /^must be a list of selectors/],
    ['both marking_ref and lang', [{ marking_ref: TLP_GREEN, lang: 'de', selectors: ['name'] }], '/granular_markings/0', /^must have either marking_ref or lang, not both$/],
    ['neither marking_ref nor lang', [{ selectors: ['name'] }], '/granular_markings/0', /^must have marking_ref \(a data marking\) or lang \(a language marking\)$/],
    ['lang not a string', [{ lang: 5, selectors: ['name'] }], '/granular_markings/0/lang', /^must be an RFC 5646 language code/],
    ['entry not an object', ['name'], '/granular_markings/0', /^must be a granular marking object/],
    ['not a list', { marking_ref: TLP_GREEN, selectors: ['name'] }, '/granular_markings', /^must be a list of granular markings/],
    ['empty list', [], '/granular_markings', /^must not be an empty list/],
  ])('%s', (_name, granular, at, message) => {
    expectOneError(run(granularMarkingsRule, vulnerability(granular)), at, message);
  });

  test.each<[string, unknown]>([
    ['the spec’s valid selectors', [marking('description', 'external_references.[0].source_name', 'labels.[0]', 'labels', 'external_references')]],
    ['id, type and the markings themselves (nothing is forbidden)', [marking('id', 'type', 'granular_markings.[0].selectors.[0]')]],
    ['a language marking', [{ lang: 'de', selectors: ['description'] }]],
  ])('accepts %s', (_name, granular) => {
    expect(errors(granularMarkingsRule, vulnerability(granular))).toEqual([]);
  });

  test('selectors into dictionaries and extensions', () => {
    const file = sco('file', {
      hashes: { 'SHA-256': 'ab' },
      extensions: { 'ntfs-ext': { sid: '1', alternate_data_streams: [{ name: 's' }] } },
      granular_markings: [marking('hashes.SHA-256', 'extensions.ntfs-ext.alternate_data_streams.[0].name', 'extensions.ntfs-ext.sid')],
    });
    expect(errors(granularMarkingsRule, file)).toEqual([]);
    file.granular_markings = [marking('extensions.pdf-ext')];
    expectOneError(run(granularMarkingsRule, file), '/granular_markings/0/selectors/0', /but extensions has no property pdf-ext$/);
  });

  test('objects without granular markings produce nothing', () => {
    expect(run(granularMarkingsRule, sdo('indicator'))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------

describe('enumerations (§10, errors)', () => {
  test.each<[string, Obj, string, RegExp]>([
    ['opinion-enum', sdo('opinion', { opinion: 'maybe', object_refs: [id('campaign')] }), '/opinion', /^must be one of the opinion-enum values strongly-disagree, disagree, neutral, agree, strongly-agree, not "maybe"$/],
    ['encryption-algorithm-enum (near miss)', sco('artifact', { url: 'https://x', encryption_algorithm: 'aes-256-gcm' }), '/encryption_algorithm', /^must be one of the encryption-algorithm-enum values AES-256-GCM, ChaCha20-Poly1305, mime-type-indicated, not "aes-256-gcm" \(did you mean "AES-256-GCM"\?\)$/],
    ['network-socket-address-family-enum', sco('network-traffic', { protocols: ['tcp'], extensions: { 'socket-ext': { address_family: 'AF_INET7' } } }), '/extensions/socket-ext/address_family', /^must be one of the network-socket-address-family-enum values AF_UNSPEC, .*, not "AF_INET7"$/],
    ['network-socket-type-enum', sco('network-traffic', { protocols: ['tcp'], extensions: { 'socket-ext': { address_family: 'AF_INET', socket_type: 'sock-dgram' } } }), '/extensions/socket-ext/socket_type', /network-socket-type-enum values SOCK_STREAM, SOCK_DGRAM, .*\(did you mean "SOCK_DGRAM"\?\)$/],
    ['windows-integrity-level-enum', sco('process', { extensions: { 'windows-process-ext': { integrity_level: 'Medium' } } }), '/extensions/windows-process-ext/integrity_level', /windows-integrity-level-enum values low, medium, high, system, not "Medium" \(did you mean "medium"\?\)$/],
    ['windows-registry-datatype-enum', sco('windows-registry-key', { key: 'HKEY_LOCAL_MACHINE\\x', values: [{ name: 'a', data_type: 'REG_SZ' }, { name: 'b', data_type: 'REG_FOO' }] }), '/values/1/data_type', /windows-registry-datatype-enum values REG_NONE, .*REG_INVALID_TYPE, not "REG_FOO"$/],
    ['windows-service-start-type-enum', sco('process', { extensions: { 'windows-service-ext': { start_type: 'AUTO' } } }), '/extensions/windows-service-ext/start_type', /windows-service-start-type-enum values SERVICE_AUTO_START/],
    ['windows-service-type-enum', sco('process', { extensions: { 'windows-service-ext': { service_type: 'SERVICE_WIN32' } } }), '/extensions/windows-service-ext/service_type', /windows-service-type-enum values SERVICE_KERNEL_DRIVER/],
    ['windows-service-status-enum', sco('process', { extensions: { 'windows-service-ext': { service_status: 'RUNNING' } } }), '/extensions/windows-service-ext/service_status', /windows-service-status-enum values SERVICE_CONTINUE_PENDING/],
    ['enum value not a string', sdo('opinion', { opinion: 3, object_refs: [id('campaign')] }), '/opinion', /not 3$/],
  ])('%s', (_name, obj, at, message) => {
    const issues = run(enumerationsRule, obj);
    expectOneError(issues, at, message, /^STIX 2\.1 §10\.\d+$/);
  });

  test('extension-type-enum is left to extension-rules.ts (reported once)', () => {
    const obj = sdo('indicator', { extensions: { [id('extension-definition')]: { extension_type: 'bogus' } } });
    expect(run(enumerationsRule, obj)).toEqual([]);
  });

  test('valid enumeration values pass', () => {
    const objs: Obj[] = [
      sdo('opinion', { opinion: 'strongly-agree', object_refs: [id('campaign')] }),
      sco('artifact', { encryption_algorithm: 'ChaCha20-Poly1305' }),
      sco('network-traffic', { protocols: ['tcp'], extensions: { 'socket-ext': { address_family: 'AF_INET6', socket_type: 'SOCK_SEQPACKET' } } }),
      sco('process', { extensions: { 'windows-process-ext': { integrity_level: 'system' }, 'windows-service-ext': { start_type: 'SERVICE_SYSTEM_ALERT', service_type: 'SERVICE_WIN32_SHARE_PROCESS', service_status: 'SERVICE_STOPPED' } } }),
      sco('windows-registry-key', { values: [{ data_type: 'REG_QWORD' }] }),
      sdo('extension-definition', { extension_types: ['new-sdo', 'new-sco', 'new-sro', 'property-extension', 'toplevel-property-extension'] }),
    ];
    for (const o of objs) expect(run(ALL_RULES, o)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------

describe('open vocabularies (§10, warnings only)', () => {
  test.each<[string, Obj, string, string]>([
    ['grouping-context-ov', sdo('grouping', { context: 'investigation', object_refs: [id('campaign')] }), '/context', 'grouping-context-ov'],
    ['identity-class-ov', sdo('identity', { name: 'x', identity_class: 'company' }), '/identity_class', 'identity-class-ov'],
    ['industry-sector-ov', sdo('identity', { name: 'x', sectors: ['energy', 'finance-sector'] }), '/sectors/1', 'industry-sector-ov'],
    ['indicator-type-ov', sdo('indicator', { indicator_types: ['malware-artifacts'] }), '/indicator_types/0', 'indicator-type-ov'],
    ['pattern-type-ov', sdo('indicator', { pattern_type: 'kql' }), '/pattern_type', 'pattern-type-ov'],
    ['infrastructure-type-ov', sdo('infrastructure', { name: 'x', infrastructure_types: ['c2'] }), '/infrastructure_types/0', 'infrastructure-type-ov'],
    ['attack-resource-level-ov (intrusion set)', sdo('intrusion-set', { name: 'x', resource_level: 'state' }), '/resource_level', 'attack-resource-level-ov'],
    ['attack-motivation-ov (intrusion set, primary)', sdo('intrusion-set', { name: 'x', primary_motivation: 'money' }), '/primary_motivation', 'attack-motivation-ov'],
    ['attack-motivation-ov (intrusion set, secondary)', sdo('intrusion-set', { name: 'x', secondary_motivations: ['ideology', 'money'] }), '/secondary_motivations/1', 'attack-motivation-ov'],
    ['region-ov', sdo('location', { region: 'middle-earth' }), '/region', 'region-ov'],
    ['malware-type-ov', sdo('malware', { is_family: true, malware_types: ['stealer'] }), '/malware_types/0', 'malware-type-ov'],
    ['processor-architecture-ov', sdo('malware', { is_family: true, architecture_execution_envs: ['riscv'] }), '/architecture_execution_envs/0', 'processor-architecture-ov'],
    ['implementation-language-ov', sdo('malware', { is_family: true, implementation_languages: ['nim'] }), '/implementation_languages/0', 'implementation-language-ov'],
    ['malware-capabilities-ov', sdo('malware', { is_family: true, capabilities: ['mines-crypto'] }), '/capabilities/0', 'malware-capabilities-ov'],
    ['malware-result-ov', sdo('malware-analysis', { product: 'x', result: 'clean' }), '/result', 'malware-result-ov'],
    ['report-type-ov', sdo('report', { name: 'x', report_types: ['weekly'], object_refs: [id('campaign')] }), '/report_types/0', 'report-type-ov'],
    ['threat-actor-type-ov', sdo('threat-actor', { name: 'x', threat_actor_types: ['apt'] }), '/threat_actor_types/0', 'threat-actor-type-ov'],
    ['threat-actor-role-ov', sdo('threat-actor', { name: 'x', roles: ['ceo'] }), '/roles/0', 'threat-actor-role-ov'],
    ['threat-actor-sophistication-ov', sdo('threat-actor', { name: 'x', sophistication: 'unknown' }), '/sophistication', 'threat-actor-sophistication-ov'],
    ['attack-resource-level-ov (threat actor)', sdo('threat-actor', { name: 'x', resource_level: 'state' }), '/resource_level', 'attack-resource-level-ov'],
    ['attack-motivation-ov (threat actor, primary)', sdo('threat-actor', { name: 'x', primary_motivation: 'money' }), '/primary_motivation', 'attack-motivation-ov'],
    ['attack-motivation-ov (threat actor, secondary)', sdo('threat-actor', { name: 'x', secondary_motivations: ['money'] }), '/secondary_motivations/0', 'attack-motivation-ov'],
    ['attack-motivation-ov (threat actor, personal)', sdo('threat-actor', { name: 'x', personal_motivations: ['money'] }), '/personal_motivations/0', 'attack-motivation-ov'],
    ['tool-type-ov', sdo('tool', { name: 'x', tool_types: ['scanner'] }), '/tool_types/0', 'tool-type-ov'],
    ['account-type-ov', sco('user-account', { user_id: '1', account_type: 'mastodon' }), '/account_type', 'account-type-ov'],
    ['windows-pebinary-type-ov', sco('file', { name: 'a', extensions: { 'windows-pebinary-ext': { pe_type: 'efi' } } }), '/extensions/windows-pebinary-ext/pe_type', 'windows-pebinary-type-ov'],
    ['marking definition types', { ...sdo('marking-definition'), definition_type: 'iep' }, '/definition_type', 'marking definition types'],
    ['hash-algorithm-ov (file)', sco('file', { hashes: { 'SHA-256': 'ab', x_foo_hash: 'cd' } }), '/hashes/x_foo_hash', 'hash-algorithm-ov'],
    ['hash-algorithm-ov (artifact)', sco('artifact', { url: 'https://x', hashes: { BLAKE3: 'ab' } }), '/hashes/BLAKE3', 'hash-algorithm-ov'],
    ['hash-algorithm-ov (x509-certificate)', sco('x509-certificate', { hashes: { FOO: 'ab' } }), '/hashes/FOO', 'hash-algorithm-ov'],
    ['hash-algorithm-ov (external reference)', sdo('attack-pattern', { name: 'x', external_references: [{ source_name: 'a', url: 'https://x', hashes: { FOO: 'ab' } }] }), '/external_references/0/hashes/FOO', 'hash-algorithm-ov'],
    ['hash-algorithm-ov (alternate data stream)', sco('file', { name: 'a', extensions: { 'ntfs-ext': { alternate_data_streams: [{ name: 's', hashes: { FOO: 'ab' } }] } } }), '/extensions/ntfs-ext/alternate_data_streams/0/hashes/FOO', 'hash-algorithm-ov'],
    ['hash-algorithm-ov (PE file header)', sco('file', { name: 'a', extensions: { 'windows-pebinary-ext': { pe_type: 'exe', file_header_hashes: { FOO: 'ab' } } } }), '/extensions/windows-pebinary-ext/file_header_hashes/FOO', 'hash-algorithm-ov'],
    ['hash-algorithm-ov (PE optional header)', sco('file', { name: 'a', extensions: { 'windows-pebinary-ext': { pe_type: 'exe', optional_header: { hashes: { FOO: 'ab' } } } } }), '/extensions/windows-pebinary-ext/optional_header/hashes/FOO', 'hash-algorithm-ov'],
    ['hash-algorithm-ov (PE section)', sco('file', { name: 'a', extensions: { 'windows-pebinary-ext': { pe_type: 'exe', sections: [{ name: '.text', hashes: { FOO: 'ab' } }] } } }), '/extensions/windows-pebinary-ext/sections/0/hashes/FOO', 'hash-algorithm-ov'],
  ])('%s', (_name, obj, at, vocab) => {
    const issues = run(ALL_RULES, obj);
    expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(issues.map((i) => i.path)).toEqual([at]);
    const w = issues[0] as ValidationIssue;
    expect(w.severity).toBe('warning');
    expect(w.message).toMatch(new RegExp(`^".*" is not in the open vocabulary ${vocab.replace(/[-]/g, '\\-')}.*; custom values are allowed`));
    expect(w.source).toMatch(/^STIX 2\.1 §(10\.\d+|7\.2\.1\.1)$/);
  });

  test.each<[string, Obj, string, RegExp]>([
    ['near miss of an open vocabulary term', sdo('indicator', { indicator_types: ['Malicious Activity'] }), '/indicator_types/0', /^"Malicious Activity" is not in the open vocabulary indicator-type-ov \(did you mean "malicious-activity"\?\); custom values are allowed$/],
    ['near miss of a hash algorithm', sco('file', { hashes: { sha256: 'ab' } }), '/hashes/sha256', /^"sha256" is not in the open vocabulary hash-algorithm-ov \(did you mean "SHA-256"\?\)/],
    ['custom term not lowercase-hyphenated (§2.14)', sdo('threat-actor', { name: 'x', threat_actor_types: ['Cyber_Crime'] }), '/threat_actor_types/0', /custom values are allowed but should be lowercase, with hyphens between words$/],
    ['upper-case protocol (§6.12.1)', sco('network-traffic', { protocols: ['ipv4', 'TCP'] }), '/protocols/1', /^"TCP" should be lowercase, like the IANA service names protocols are taken from \("tcp"\)$/],
  ])('%s', (_name, obj, at, message) => {
    const issues = run(openVocabulariesRule, obj);
    expect(issues.map((i) => [i.severity, i.path])).toEqual([['warning', at]]);
    expect((issues[0] as ValidationIssue).message).toMatch(message);
  });

  test('an open-vocab value that is not a string is an error (§2.14)', () => {
    expectOneError(run(openVocabulariesRule, sdo('indicator', { pattern_type: 5 })), '/pattern_type', /^must be a string \(a term of the open vocabulary pattern-type-ov\), not 5$/);
  });

  test('vocabulary values pass silently, including sub-sectors and sub-regions', () => {
    const objs: Obj[] = [
      sdo('identity', { identity_class: 'class', sectors: ['government-national', 'dams', 'legal'] }),
      sdo('location', { region: 'south-eastern-asia' }),
      sdo('malware', { malware_types: ['webshell'], implementation_languages: ['c++', 'c#', 'rust'], capabilities: ['anti-vm'], architecture_execution_envs: ['x86-64'] }),
      sdo('threat-actor', { threat_actor_types: ['private-sector'], roles: ['sponsor'], sophistication: 'strategic', resource_level: 'club', primary_motivation: 'dominance' }),
      sdo('report', { report_types: ['incident'], object_refs: [id('campaign')] }),
      sco('file', { hashes: { MD5: 'a', 'SHA-1': 'b', 'SHA-256': 'c', 'SHA-512': 'd', 'SHA3-256': 'e', 'SHA3-512': 'f', SSDEEP: 'g', TLSH: 'h' } }),
      sco('user-account', { account_type: 'windows-domain' }),
      sco('network-traffic', { protocols: ['ipv6', 'tcp', 'ssl', 'https'] }),
      { ...sdo('marking-definition'), definition_type: 'tlp' },
    ];
    for (const o of objs) expect(run(ALL_RULES, o)).toEqual([]);
  });

  test('custom objects only get the common bindings', () => {
    expect(run(ALL_RULES, sdo('x-acme', { indicator_types: ['whatever'], opinion: 'maybe' }))).toEqual([]);
    const issues = run(ALL_RULES, sdo('x-acme', { external_references: [{ source_name: 'a', url: 'https://x', hashes: { foo: 'x' } }] }));
    expect(issues.map((i) => [i.severity, i.path])).toEqual([['warning', '/external_references/0/hashes/foo']]);
  });
});

// ---------------------------------------------------------------------------------------

describe('relationship types (§5.1.2)', () => {
  test.each<[string, Obj, 'error' | 'warning', RegExp]>([
    ['upper case is an error', relationship(id('indicator'), id('malware'), 'Indicates'), 'error', /^must contain only lowercase ASCII letters, digits and hyphens, not "Indicates"$/],
    ['underscore is an error', relationship(id('indicator'), id('malware'), 'based_on'), 'error', /not "based_on"$/],
    ['not defined for the pair', relationship(id('indicator'), id('malware'), 'uses'), 'warning', /^"uses" is not a relationship type the specification defines from indicator to malware \(defined: indicates, related-to\); user-defined types are allowed$/],
    ['derived-from between different types', relationship(id('campaign'), id('intrusion-set'), 'derived-from'), 'warning', /from campaign to intrusion-set \(defined: attributed-to, related-to\)/],
    ['user-defined type between SDOs', relationship(id('attack-pattern'), id('attack-pattern'), 'subtechnique-of'), 'warning', /\(defined: derived-from, duplicate-of, related-to\)/],
  ])('%s', (_name, obj, severity, message) => {
    const issues = run(relationshipTypeRule, obj);
    expect(issues.map((i) => [i.severity, i.path])).toEqual([[severity, '/relationship_type']]);
    expect((issues[0] as ValidationIssue).message).toMatch(message);
  });

  test.each<[string, string, string, string]>([
    ['indicates', 'indicator', 'campaign', 'spec-defined pair'],
    ['related-to', 'x509-certificate', 'vulnerability', 'related-to between any SDOs/SCOs'],
    ['duplicate-of', 'campaign', 'campaign', 'same-type common relationship'],
    ['consists-of', 'infrastructure', 'windows-registry-key', 'consists-of any SCO'],
    ['resolves-to', 'domain-name', 'ipv6-addr', 'SCO relationship'],
    ['av-analysis-of', 'malware-analysis', 'malware', 'Errata 01 correction'],
    ['detects', 'x-mitre-data-component', 'attack-pattern', 'custom source: not judged'],
    ['anything', 'indicator', 'x-custom', 'custom target: not judged'],
  ])('%s from %s to %s passes (%s)', (type, source, target) => {
    expect(run(relationshipTypeRule, relationship(id(source), id(target), type))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------

function loadObjects(file: string): Obj[] {
  const data = JSON.parse(fs.readFileSync(file, 'utf8')) as Obj;
  return Array.isArray(data.objects) ? (data.objects as Obj[]) : [data];
}

function jsonFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return jsonFiles(p);
    return e.name.endsWith('.json') ? [p] : [];
  });
}

describe('published content passes (errors: none)', () => {
  const files = [...jsonFiles(EXAMPLES), path.join(DATASETS, 'mobile-attack-17.1.json'), path.join(DATASETS, 'fireeye-pivy-report-with-indicators.json')];

  test.each(files.map((f) => [path.relative(SHARED, f), f]))('%s', (_name, file) => {
    const objects = loadObjects(file);
    expect(objects.length).toBeGreaterThan(0);
    const found: string[] = [];
    let warnings = 0;
    for (const o of objects) {
      for (const issue of run(ALL_RULES, o)) {
        if (issue.severity === 'error') found.push(formatIssue(String(o.id), issue));
        else warnings++;
      }
    }
    expect(found).toEqual([]);
    expect(warnings).toBeGreaterThanOrEqual(0);
  });

  test('the datasets hold the 6,948 objects of the benchmark', () => {
    const n =
      loadObjects(path.join(DATASETS, 'mobile-attack-17.1.json')).length +
      loadObjects(path.join(DATASETS, 'fireeye-pivy-report-with-indicators.json')).length;
    expect(n).toBe(6948);
  });
});

// ---------------------------------------------------------------------------------------

describe('robustness', () => {
  const TYPES = [...STIX_SDO_TYPES, ...STIX_SRO_TYPES, ...STIX_SCO_TYPES, ...STIX_META_TYPES, 'x-custom', 'bundle'];
  const KEYS = [
    'id', 'type', 'created_by_ref', 'object_marking_refs', 'granular_markings', 'selectors', 'marking_ref', 'lang',
    'extensions', 'archive-ext', 'socket-ext', 'windows-service-ext', 'contains_refs', 'service_dll_refs', 'hashes',
    'external_references', 'object_refs', 'objects', 'values', 'data_type', 'src_ref', 'body_multipart', 'body_raw_ref',
    'relationship_type', 'source_ref', 'target_ref', 'sectors', 'opinion', 'x_foo_ref', 'x_foo_refs', '0', '1',
    'description', 'labels', 'address_family', 'extension_type', 'protocols', '__proto__', 'constructor',
  ];
  const value = fc.letrec((tie) => ({
    v: fc.oneof(
      { depthSize: 'small' },
      fc.constantFrom(...TYPES.map((t) => id(t)), 'labels.[0]', 'description', '0', 'x', 'AF_INET', 'related-to'),
      fc.jsonValue({ maxDepth: 1 }),
      fc.array(tie('v'), { maxLength: 3 }),
      fc.dictionary(fc.constantFrom(...KEYS), tie('v'), { maxKeys: 4 }),
    ),
  })).v;

  test('no rule throws on arbitrary JSON shaped like STIX', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TYPES), fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 8 }), (type, props) => {
        const obj = { ...props, type };
        for (const issue of run(ALL_RULES, obj)) {
          expect(typeof issue.message).toBe('string');
          expect(issue.path === '' || issue.path.startsWith('/')).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('deep nesting does not overflow the stack', () => {
    let deep: unknown = { x_ref: 'bad' };
    for (let i = 0; i < 10000; i++) deep = { x_nested: deep };
    expect(() => run(ALL_RULES, sdo('indicator', { x_deep: deep }))).not.toThrow();
  });
});
