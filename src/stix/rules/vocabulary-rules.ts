// Enumerations and open vocabularies (STIX 2.1 §10) for every property the specification
// assigns one to.
//   - enumerations (`-enum`, §2.4): any other value is an error;
//   - open vocabularies (`-ov`, §2.14): other values are allowed, so they only produce a
//     warning (hash algorithm names, §2.7, are dictionary keys from hash-algorithm-ov);
//   - relationship types (§5.1.2): the value MUST be ASCII a-z, 0-9 and hyphen; a type the
//     specification does not define for that source/target pair is allowed ("MAY be any
//     string") and only produces a warning.
import { pointerSegment as seg } from '../validation-issue';
import { isPlainObject } from './spec-properties';
import type { Reporter, RuleContext, StixObject, StixRule } from './rule';
import { parseIdentifier, quote, type StixCategory } from './reference-types';
import {
  ACCOUNT_TYPE_OV,
  ATTACK_MOTIVATION_OV,
  ATTACK_RESOURCE_LEVEL_OV,
  ENCRYPTION_ALGORITHM_ENUM,
  GROUPING_CONTEXT_OV,
  HASH_ALGORITHM_OV,
  IDENTITY_CLASS_OV,
  IMPLEMENTATION_LANGUAGE_OV,
  INDICATOR_TYPE_OV,
  INDUSTRY_SECTOR_OV,
  INFRASTRUCTURE_TYPE_OV,
  MALWARE_CAPABILITIES_OV,
  MALWARE_RESULT_OV,
  MALWARE_TYPE_OV,
  MARKING_DEFINITION_TYPE_OV,
  NETWORK_SOCKET_ADDRESS_FAMILY_ENUM,
  NETWORK_SOCKET_TYPE_ENUM,
  OPINION_ENUM,
  PATTERN_TYPE_OV,
  PROCESSOR_ARCHITECTURE_OV,
  REGION_OV,
  REPORT_TYPE_OV,
  THREAT_ACTOR_ROLE_OV,
  THREAT_ACTOR_SOPHISTICATION_OV,
  THREAT_ACTOR_TYPE_OV,
  TOOL_TYPE_OV,
  WINDOWS_INTEGRITY_LEVEL_ENUM,
  WINDOWS_PEBINARY_TYPE_OV,
  WINDOWS_REGISTRY_DATATYPE_ENUM,
  WINDOWS_SERVICE_START_TYPE_ENUM,
  WINDOWS_SERVICE_STATUS_ENUM,
  WINDOWS_SERVICE_TYPE_ENUM,
  definedRelationships,
  isDefinedRelationship,
  normalizeTerm,
  type Vocabulary,
} from './vocabularies';

// Path segments: a property name, or one of these markers.
const EACH = 0; // every item of a list
const VALUES = 1; // every value of a dictionary
const KEYS = 2; // (last) every key of a dictionary is a vocabulary term
type Segment = string | typeof EACH | typeof VALUES | typeof KEYS;

interface Binding {
  readonly path: readonly Segment[];
  readonly vocab: Vocabulary;
}

function bind(vocab: Vocabulary, ...path: Segment[]): Binding {
  return { path, vocab };
}

const HASHES = HASH_ALGORITHM_OV;

/** Bindings per object type (property tables of §4, §5, §6, §7). */
const TYPE_BINDINGS: Record<string, Binding[]> = {
  grouping: [bind(GROUPING_CONTEXT_OV, 'context')],
  identity: [bind(IDENTITY_CLASS_OV, 'identity_class'), bind(INDUSTRY_SECTOR_OV, 'sectors', EACH)],
  indicator: [bind(INDICATOR_TYPE_OV, 'indicator_types', EACH), bind(PATTERN_TYPE_OV, 'pattern_type')],
  infrastructure: [bind(INFRASTRUCTURE_TYPE_OV, 'infrastructure_types', EACH)],
  'intrusion-set': [
    bind(ATTACK_RESOURCE_LEVEL_OV, 'resource_level'),
    bind(ATTACK_MOTIVATION_OV, 'primary_motivation'),
    bind(ATTACK_MOTIVATION_OV, 'secondary_motivations', EACH),
  ],
  location: [bind(REGION_OV, 'region')],
  malware: [
    bind(MALWARE_TYPE_OV, 'malware_types', EACH),
    bind(PROCESSOR_ARCHITECTURE_OV, 'architecture_execution_envs', EACH),
    bind(IMPLEMENTATION_LANGUAGE_OV, 'implementation_languages', EACH),
    bind(MALWARE_CAPABILITIES_OV, 'capabilities', EACH),
  ],
  'malware-analysis': [bind(MALWARE_RESULT_OV, 'result')],
  opinion: [bind(OPINION_ENUM, 'opinion')],
  report: [bind(REPORT_TYPE_OV, 'report_types', EACH)],
  'threat-actor': [
    bind(THREAT_ACTOR_TYPE_OV, 'threat_actor_types', EACH),
    bind(THREAT_ACTOR_ROLE_OV, 'roles', EACH),
    bind(THREAT_ACTOR_SOPHISTICATION_OV, 'sophistication'),
    bind(ATTACK_RESOURCE_LEVEL_OV, 'resource_level'),
    bind(ATTACK_MOTIVATION_OV, 'primary_motivation'),
    bind(ATTACK_MOTIVATION_OV, 'secondary_motivations', EACH),
    bind(ATTACK_MOTIVATION_OV, 'personal_motivations', EACH),
  ],
  tool: [bind(TOOL_TYPE_OV, 'tool_types', EACH)],
  'marking-definition': [bind(MARKING_DEFINITION_TYPE_OV, 'definition_type')],
  artifact: [bind(ENCRYPTION_ALGORITHM_ENUM, 'encryption_algorithm'), bind(HASHES, 'hashes', KEYS)],
  file: [bind(HASHES, 'hashes', KEYS)],
  'x509-certificate': [bind(HASHES, 'hashes', KEYS)],
  'user-account': [bind(ACCOUNT_TYPE_OV, 'account_type')],
  'windows-registry-key': [bind(WINDOWS_REGISTRY_DATATYPE_ENUM, 'values', EACH, 'data_type')],
};

/**
 * Bindings for every object: external references and the predefined extensions (§6).
 * extension-type-enum (§10.5: extension-definition `extension_types`, `extensions.*.extension_type`)
 * is checked by extension-rules.ts (rules `extension-definition`, `extension-type`), not here,
 * so that a bad value is reported once.
 */
const COMMON_BINDINGS: Binding[] = [
  bind(HASHES, 'external_references', EACH, 'hashes', KEYS),
  bind(HASHES, 'extensions', 'ntfs-ext', 'alternate_data_streams', EACH, 'hashes', KEYS),
  bind(WINDOWS_PEBINARY_TYPE_OV, 'extensions', 'windows-pebinary-ext', 'pe_type'),
  bind(HASHES, 'extensions', 'windows-pebinary-ext', 'file_header_hashes', KEYS),
  bind(HASHES, 'extensions', 'windows-pebinary-ext', 'optional_header', 'hashes', KEYS),
  bind(HASHES, 'extensions', 'windows-pebinary-ext', 'sections', EACH, 'hashes', KEYS),
  bind(NETWORK_SOCKET_ADDRESS_FAMILY_ENUM, 'extensions', 'socket-ext', 'address_family'),
  bind(NETWORK_SOCKET_TYPE_ENUM, 'extensions', 'socket-ext', 'socket_type'),
  bind(WINDOWS_INTEGRITY_LEVEL_ENUM, 'extensions', 'windows-process-ext', 'integrity_level'),
  bind(WINDOWS_SERVICE_START_TYPE_ENUM, 'extensions', 'windows-service-ext', 'start_type'),
  bind(WINDOWS_SERVICE_TYPE_ENUM, 'extensions', 'windows-service-ext', 'service_type'),
  bind(WINDOWS_SERVICE_STATUS_ENUM, 'extensions', 'windows-service-ext', 'service_status'),
];

function split(kind: 'enum' | 'ov', bindings: readonly Binding[]): Binding[] {
  return bindings.filter((b) => b.vocab.kind === kind);
}

const ENUMS_BY_TYPE = new Map<string, Binding[]>();
const OVS_BY_TYPE = new Map<string, Binding[]>();
for (const [type, bindings] of Object.entries(TYPE_BINDINGS)) {
  ENUMS_BY_TYPE.set(type, split('enum', [...bindings, ...COMMON_BINDINGS]));
  OVS_BY_TYPE.set(type, split('ov', [...bindings, ...COMMON_BINDINGS]));
}
const COMMON_ENUMS = split('enum', COMMON_BINDINGS);
const COMMON_OVS = split('ov', COMMON_BINDINGS);

const ENUM_LISTS = new Map<Vocabulary, string>();
for (const b of [...COMMON_BINDINGS, ...Object.values(TYPE_BINDINGS).flat()]) {
  if (b.vocab.kind === 'enum') ENUM_LISTS.set(b.vocab, b.vocab.values.join(', '));
}

// Hash algorithm names are upper case with hyphens ("SHA-256"); near misses such as
// "sha256" or "SHA_256" fold to the same key.
const HASH_FOLD = /[-_\s]/g;
const HASH_NEAR = new Map<string, string>();
for (const v of HASH_ALGORITHM_OV.values) HASH_NEAR.set(v.replace(HASH_FOLD, '').toUpperCase(), v);

function nearMiss(vocab: Vocabulary, value: string): string | undefined {
  const hit = vocab === HASH_ALGORITHM_OV ? HASH_NEAR.get(value.replace(HASH_FOLD, '').toUpperCase()) : vocab.normalized.get(normalizeTerm(value));
  return hit !== undefined && hit !== value ? hit : undefined;
}


const hasOwn = Object.prototype.hasOwnProperty;

type TermCheck = (value: unknown, vocab: Vocabulary, path: string, report: Reporter) => void;

function visit(node: unknown, binding: Binding, i: number, path: string, check: TermCheck, report: Reporter): void {
  const segments = binding.path;
  if (i === segments.length) {
    check(node, binding.vocab, path, report);
    return;
  }
  const s = segments[i];
  if (s === EACH) {
    if (Array.isArray(node)) for (let j = 0; j < node.length; j++) visit(node[j], binding, i + 1, `${path}/${j}`, check, report);
  } else if (s === VALUES) {
    if (isPlainObject(node)) for (const k of Object.keys(node)) visit(node[k], binding, i + 1, `${path}/${seg(k)}`, check, report);
  } else if (s === KEYS) {
    if (isPlainObject(node)) for (const k of Object.keys(node)) check(k, binding.vocab, `${path}/${seg(k)}`, report);
  } else if (isPlainObject(node) && hasOwn.call(node, s)) {
    visit(node[s], binding, i + 1, `${path}/${seg(s as string)}`, check, report);
  }
}

const checkEnum: TermCheck = (value, vocab, path, report) => {
  if (typeof value === 'string' && vocab.set.has(value)) return;
  const near = typeof value === 'string' ? nearMiss(vocab, value) : undefined;
  const hint = near === undefined ? '' : ` (did you mean ${quote(near)}?)`;
  report.error(path, `must be one of the ${vocab.name} values ${ENUM_LISTS.get(vocab) ?? ''}, not ${quote(value)}${hint}`, vocab.source);
};

const checkOpen: TermCheck = (value, vocab, path, report) => {
  if (typeof value !== 'string') {
    report.error(path, `must be a string (a term of the open vocabulary ${vocab.name}), not ${quote(value)}`, 'STIX 2.1 §2.14');
    return;
  }
  if (vocab.set.has(value)) return;
  const near = nearMiss(vocab, value);
  if (near !== undefined) {
    report.warning(path, `${quote(value)} is not in the open vocabulary ${vocab.name} (did you mean ${quote(near)}?); custom values are allowed`, vocab.source);
  } else if (vocab !== HASH_ALGORITHM_OV && normalizeTerm(value) !== value) {
    report.warning(
      path,
      `${quote(value)} is not in the open vocabulary ${vocab.name}; custom values are allowed but should be lowercase, with hyphens between words`,
      vocab.source,
    );
  } else {
    report.warning(path, `${quote(value)} is not in the open vocabulary ${vocab.name}; custom values are allowed`, vocab.source);
  }
};

function typeOf(obj: StixObject): string | undefined {
  return typeof obj.type === 'string' ? obj.type : undefined;
}

export const enumerationsRule: StixRule = {
  name: 'enumerations',
  tier: 'full',
  check(obj: StixObject, _ctx: RuleContext, report: Reporter): void {
    const type = typeOf(obj);
    const bindings = (type === undefined ? undefined : ENUMS_BY_TYPE.get(type)) ?? COMMON_ENUMS;
    for (const b of bindings) visit(obj, b, 0, '', checkEnum, report);
  },
};

export const openVocabulariesRule: StixRule = {
  name: 'open-vocabularies',
  tier: 'full',
  check(obj: StixObject, _ctx: RuleContext, report: Reporter): void {
    const type = typeOf(obj);
    const bindings = (type === undefined ? undefined : OVS_BY_TYPE.get(type)) ?? COMMON_OVS;
    for (const b of bindings) visit(obj, b, 0, '', checkOpen, report);
    if (type === 'network-traffic') checkProtocols(obj, report);
  },
};

/** §6.12.1: protocol names SHOULD be IANA service names, "recommended that lowercase names be used". */
function checkProtocols(obj: StixObject, report: Reporter): void {
  const protocols = obj.protocols;
  if (!Array.isArray(protocols)) return;
  for (let i = 0; i < protocols.length; i++) {
    const p: unknown = protocols[i];
    if (typeof p === 'string' && p !== p.toLowerCase()) {
      report.warning(
        `/protocols/${i}`,
        `${quote(p)} should be lowercase, like the IANA service names protocols are taken from (${quote(p.toLowerCase())})`,
        'STIX 2.1 §6.12.1',
      );
    }
  }
}

const RELATIONSHIP_TYPE_CHARS = /^[a-z0-9-]+$/;

export const relationshipTypeRule: StixRule = {
  name: 'relationship-type',
  tier: 'full',
  check(obj: StixObject, _ctx: RuleContext, report: Reporter): void {
    if (obj.type !== 'relationship') return;
    const value = obj.relationship_type;
    if (value === undefined) return;
    if (typeof value !== 'string' || !RELATIONSHIP_TYPE_CHARS.test(value)) {
      report.error('/relationship_type', `must contain only lowercase ASCII letters, digits and hyphens, not ${quote(value)}`, 'STIX 2.1 §5.1.2');
      return;
    }
    const sourceId = typeof obj.source_ref === 'string' ? parseIdentifier(obj.source_ref) : undefined;
    const targetId = typeof obj.target_ref === 'string' ? parseIdentifier(obj.target_ref) : undefined;
    // Only pairs of specification-defined SDOs/SCOs have a defined list; custom types and
    // invalid references (reported by the reference rules) are left alone.
    if (sourceId === undefined || targetId === undefined || !isEndpoint(sourceId.category) || !isEndpoint(targetId.category)) return;
    const source = sourceId.type;
    const target = targetId.type;
    if (isDefinedRelationship(value, source, target)) return;
    report.warning(
      '/relationship_type',
      `${quote(value)} is not a relationship type the specification defines from ${source} to ${target} (defined: ${definedRelationships(source, target).join(', ')}); user-defined types are allowed`,
      'STIX 2.1 §5.1.2',
    );
  },
};

function isEndpoint(category: StixCategory | undefined): boolean {
  return category === 'sdo' || category === 'sco';
}

export const vocabularyRules: readonly StixRule[] = [enumerationsRule, openVocabulariesRule, relationshipTypeRule];
