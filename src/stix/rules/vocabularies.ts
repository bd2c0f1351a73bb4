// STIX 2.1 §10 vocabularies, copied from the specification (STIX Version 2.1 Errata 01).
// Names ending in `-ov` are open vocabularies (suggested values; others are allowed, §2.14);
// names ending in `-enum` are enumerations (only these values are valid, §2.4).
// Also the relationship types the specification defines per source/target pair (the
// "Relationships" tables of §3.7, §4 and §6, summarised in Appendix B).
import { STIX_SCO_TYPES } from './reference-types';

export type VocabularyKind = 'ov' | 'enum';

export interface Vocabulary {
  readonly name: string;
  readonly kind: VocabularyKind;
  /** "STIX 2.1 §10.10". */
  readonly source: string;
  readonly values: readonly string[];
  readonly set: ReadonlySet<string>;
  /** Normalised spelling (lowercase, hyphens for spaces and underscores) → vocabulary value. */
  readonly normalized: ReadonlyMap<string, string>;
}

const SEPARATORS = /[\s_]+/g;

/** Folds case and word separators, to suggest the vocabulary spelling of a near miss. */
export function normalizeTerm(value: string): string {
  return value.trim().toLowerCase().replace(SEPARATORS, '-');
}

function vocabulary(name: string, section: string, values: readonly string[]): Vocabulary {
  const kind: VocabularyKind = name.endsWith('-enum') ? 'enum' : 'ov';
  const normalized = new Map<string, string>();
  for (const v of values) normalized.set(normalizeTerm(v), v);
  return { name, kind, source: `STIX 2.1 §${section}`, values, set: new Set(values), normalized };
}

/** §10.1 */
export const ACCOUNT_TYPE_OV = vocabulary('account-type-ov', '10.1', [
  'facebook', 'ldap', 'nis', 'openid', 'radius', 'skype', 'tacacs', 'twitter', 'unix', 'windows-local', 'windows-domain',
]);

/** §10.2 */
export const ATTACK_MOTIVATION_OV = vocabulary('attack-motivation-ov', '10.2', [
  'accidental', 'coercion', 'dominance', 'ideology', 'notoriety', 'organizational-gain', 'personal-gain',
  'personal-satisfaction', 'revenge', 'unpredictable',
]);

/** §10.3 */
export const ATTACK_RESOURCE_LEVEL_OV = vocabulary('attack-resource-level-ov', '10.3', [
  'individual', 'club', 'contest', 'team', 'organization', 'government',
]);

/** §10.4 */
export const ENCRYPTION_ALGORITHM_ENUM = vocabulary('encryption-algorithm-enum', '10.4', [
  'AES-256-GCM', 'ChaCha20-Poly1305', 'mime-type-indicated',
]);

/** §10.5 */
export const EXTENSION_TYPE_ENUM = vocabulary('extension-type-enum', '10.5', [
  'new-sdo', 'new-sco', 'new-sro', 'property-extension', 'toplevel-property-extension',
]);

/** §10.6 */
export const GROUPING_CONTEXT_OV = vocabulary('grouping-context-ov', '10.6', [
  'suspicious-activity', 'malware-analysis', 'unspecified',
]);

/** §10.7 */
export const HASH_ALGORITHM_OV = vocabulary('hash-algorithm-ov', '10.7', [
  'MD5', 'SHA-1', 'SHA-256', 'SHA-512', 'SHA3-256', 'SHA3-512', 'SSDEEP', 'TLSH',
]);

/** §10.8 */
export const IDENTITY_CLASS_OV = vocabulary('identity-class-ov', '10.8', [
  'individual', 'group', 'system', 'organization', 'class', 'unknown',
]);

/** §10.9 (Errata 01 added rust) */
export const IMPLEMENTATION_LANGUAGE_OV = vocabulary('implementation-language-ov', '10.9', [
  'applescript', 'bash', 'c', 'c++', 'c#', 'go', 'java', 'javascript', 'lua', 'objective-c', 'perl', 'php',
  'powershell', 'python', 'ruby', 'rust', 'scala', 'swift', 'typescript', 'visual-basic', 'x86-32', 'x86-64',
]);

/** §10.10 */
export const INDICATOR_TYPE_OV = vocabulary('indicator-type-ov', '10.10', [
  'anomalous-activity', 'anonymization', 'benign', 'compromised', 'malicious-activity', 'attribution', 'unknown',
]);

/** §10.11 (sub-sectors included; Errata 01 added legal) */
export const INDUSTRY_SECTOR_OV = vocabulary('industry-sector-ov', '10.11', [
  'agriculture', 'aerospace', 'automotive', 'chemical', 'commercial', 'communications', 'construction', 'defense',
  'education', 'energy', 'entertainment', 'financial-services',
  'government', 'emergency-services', 'government-local', 'government-national', 'government-public-services',
  'government-regional',
  'healthcare', 'hospitality-leisure',
  'infrastructure', 'dams', 'nuclear', 'water',
  'insurance', 'legal', 'manufacturing', 'mining', 'non-profit', 'pharmaceuticals', 'retail', 'technology',
  'telecommunications', 'transportation', 'utilities',
]);

/** §10.12 */
export const INFRASTRUCTURE_TYPE_OV = vocabulary('infrastructure-type-ov', '10.12', [
  'amplification', 'anonymization', 'botnet', 'command-and-control', 'control-system', 'exfiltration', 'firewall',
  'hosting-malware', 'hosting-target-lists', 'phishing', 'reconnaissance', 'routers-switches', 'staging',
  'workstation', 'unknown',
]);

/** §10.13 */
export const MALWARE_CAPABILITIES_OV = vocabulary('malware-capabilities-ov', '10.13', [
  'accesses-remote-machines', 'anti-debugging', 'anti-disassembly', 'anti-emulation', 'anti-memory-forensics',
  'anti-sandbox', 'anti-vm', 'captures-input-peripherals', 'captures-output-peripherals',
  'captures-system-state-data', 'cleans-traces-of-infection', 'commits-fraud', 'communicates-with-c2',
  'compromises-data-availability', 'compromises-data-integrity', 'compromises-system-availability',
  'controls-local-machine', 'degrades-security-software', 'degrades-system-updates', 'determines-c2-server',
  'emails-spam', 'escalates-privileges', 'evades-av', 'exfiltrates-data', 'fingerprints-host', 'hides-artifacts',
  'hides-executing-code', 'infects-files', 'infects-remote-machines', 'installs-other-components',
  'persists-after-system-reboot', 'prevents-artifact-access', 'prevents-artifact-deletion',
  'probes-network-environment', 'self-modifies', 'steals-authentication-credentials',
  'violates-system-operational-integrity',
]);

/** §10.14 */
export const MALWARE_RESULT_OV = vocabulary('malware-result-ov', '10.14', ['malicious', 'suspicious', 'benign', 'unknown']);

/** §10.15 */
export const MALWARE_TYPE_OV = vocabulary('malware-type-ov', '10.15', [
  'adware', 'backdoor', 'bot', 'bootkit', 'ddos', 'downloader', 'dropper', 'exploit-kit', 'keylogger', 'ransomware',
  'remote-access-trojan', 'resource-exploitation', 'rogue-security-software', 'rootkit', 'screen-capture', 'spyware',
  'trojan', 'unknown', 'virus', 'webshell', 'wiper', 'worm',
]);

/** §10.16 */
export const NETWORK_SOCKET_ADDRESS_FAMILY_ENUM = vocabulary('network-socket-address-family-enum', '10.16', [
  'AF_UNSPEC', 'AF_INET', 'AF_IPX', 'AF_APPLETALK', 'AF_NETBIOS', 'AF_INET6', 'AF_IRDA', 'AF_BTH',
]);

/**
 * §10.17. The summary row of the specification reads "AF_ISOCK_DGRAMNET" (a typo); the
 * value table, used here, defines SOCK_DGRAM.
 */
export const NETWORK_SOCKET_TYPE_ENUM = vocabulary('network-socket-type-enum', '10.17', [
  'SOCK_STREAM', 'SOCK_DGRAM', 'SOCK_RAW', 'SOCK_RDM', 'SOCK_SEQPACKET',
]);

/** §10.18 */
export const OPINION_ENUM = vocabulary('opinion-enum', '10.18', [
  'strongly-disagree', 'disagree', 'neutral', 'agree', 'strongly-agree',
]);

/** §10.19 */
export const PATTERN_TYPE_OV = vocabulary('pattern-type-ov', '10.19', ['stix', 'pcre', 'sigma', 'snort', 'suricata', 'yara']);

/** §10.20 */
export const PROCESSOR_ARCHITECTURE_OV = vocabulary('processor-architecture-ov', '10.20', [
  'alpha', 'arm', 'ia-64', 'mips', 'powerpc', 'sparc', 'x86', 'x86-64',
]);

/** §10.21 (sub-regions included) */
export const REGION_OV = vocabulary('region-ov', '10.21', [
  'africa', 'eastern-africa', 'middle-africa', 'northern-africa', 'southern-africa', 'western-africa',
  'americas', 'caribbean', 'central-america', 'latin-america-caribbean', 'northern-america', 'south-america',
  'asia', 'central-asia', 'eastern-asia', 'southern-asia', 'south-eastern-asia', 'western-asia',
  'europe', 'eastern-europe', 'northern-europe', 'southern-europe', 'western-europe',
  'oceania', 'antarctica', 'australia-new-zealand', 'melanesia', 'micronesia', 'polynesia',
]);

/** §10.22 (Errata 01 added incident) */
export const REPORT_TYPE_OV = vocabulary('report-type-ov', '10.22', [
  'attack-pattern', 'campaign', 'identity', 'incident', 'indicator', 'intrusion-set', 'malware', 'observed-data',
  'threat-actor', 'threat-report', 'tool', 'vulnerability',
]);

/** §10.23 (Errata 01 added private-sector) */
export const THREAT_ACTOR_TYPE_OV = vocabulary('threat-actor-type-ov', '10.23', [
  'activist', 'competitor', 'crime-syndicate', 'criminal', 'hacker', 'insider-accidental', 'insider-disgruntled',
  'nation-state', 'private-sector', 'sensationalist', 'spy', 'terrorist', 'unknown',
]);

/** §10.24 */
export const THREAT_ACTOR_ROLE_OV = vocabulary('threat-actor-role-ov', '10.24', [
  'agent', 'director', 'independent', 'infrastructure-architect', 'infrastructure-operator', 'malware-author', 'sponsor',
]);

/** §10.25 */
export const THREAT_ACTOR_SOPHISTICATION_OV = vocabulary('threat-actor-sophistication-ov', '10.25', [
  'none', 'minimal', 'intermediate', 'advanced', 'expert', 'innovator', 'strategic',
]);

/** §10.26 */
export const TOOL_TYPE_OV = vocabulary('tool-type-ov', '10.26', [
  'denial-of-service', 'exploitation', 'information-gathering', 'network-capture', 'credential-exploitation',
  'remote-access', 'vulnerability-scanning', 'unknown',
]);

/** §10.27 */
export const WINDOWS_INTEGRITY_LEVEL_ENUM = vocabulary('windows-integrity-level-enum', '10.27', [
  'low', 'medium', 'high', 'system',
]);

/** §10.28 */
export const WINDOWS_PEBINARY_TYPE_OV = vocabulary('windows-pebinary-type-ov', '10.28', ['dll', 'exe', 'sys']);

/** §10.29 */
export const WINDOWS_REGISTRY_DATATYPE_ENUM = vocabulary('windows-registry-datatype-enum', '10.29', [
  'REG_NONE', 'REG_SZ', 'REG_EXPAND_SZ', 'REG_BINARY', 'REG_DWORD', 'REG_DWORD_BIG_ENDIAN', 'REG_DWORD_LITTLE_ENDIAN',
  'REG_LINK', 'REG_MULTI_SZ', 'REG_RESOURCE_LIST', 'REG_FULL_RESOURCE_DESCRIPTION', 'REG_RESOURCE_REQUIREMENTS_LIST',
  'REG_QWORD', 'REG_INVALID_TYPE',
]);

/** §10.30 */
export const WINDOWS_SERVICE_START_TYPE_ENUM = vocabulary('windows-service-start-type-enum', '10.30', [
  'SERVICE_AUTO_START', 'SERVICE_BOOT_START', 'SERVICE_DEMAND_START', 'SERVICE_DISABLED', 'SERVICE_SYSTEM_ALERT',
]);

/** §10.31 */
export const WINDOWS_SERVICE_TYPE_ENUM = vocabulary('windows-service-type-enum', '10.31', [
  'SERVICE_KERNEL_DRIVER', 'SERVICE_FILE_SYSTEM_DRIVER', 'SERVICE_WIN32_OWN_PROCESS', 'SERVICE_WIN32_SHARE_PROCESS',
]);

/** §10.32 */
export const WINDOWS_SERVICE_STATUS_ENUM = vocabulary('windows-service-status-enum', '10.32', [
  'SERVICE_CONTINUE_PENDING', 'SERVICE_PAUSE_PENDING', 'SERVICE_PAUSED', 'SERVICE_RUNNING', 'SERVICE_START_PENDING',
  'SERVICE_STOP_PENDING', 'SERVICE_STOPPED',
]);

/**
 * §7.2.1.1 marking-definition `definition_type` (open-vocab, deprecated): "SHOULD be one of
 * the types defined in the subsections below: statement or tlp" (§7.2.1.3, §7.2.1.4). The
 * specification gives this list no `-ov` name.
 */
export const MARKING_DEFINITION_TYPE_OV = vocabulary('marking definition types', '7.2.1.1', ['statement', 'tlp']);

export const VOCABULARIES: readonly Vocabulary[] = [
  ACCOUNT_TYPE_OV, ATTACK_MOTIVATION_OV, ATTACK_RESOURCE_LEVEL_OV, ENCRYPTION_ALGORITHM_ENUM, EXTENSION_TYPE_ENUM,
  GROUPING_CONTEXT_OV, HASH_ALGORITHM_OV, IDENTITY_CLASS_OV, IMPLEMENTATION_LANGUAGE_OV, INDICATOR_TYPE_OV,
  INDUSTRY_SECTOR_OV, INFRASTRUCTURE_TYPE_OV, MALWARE_CAPABILITIES_OV, MALWARE_RESULT_OV, MALWARE_TYPE_OV,
  NETWORK_SOCKET_ADDRESS_FAMILY_ENUM, NETWORK_SOCKET_TYPE_ENUM, OPINION_ENUM, PATTERN_TYPE_OV,
  PROCESSOR_ARCHITECTURE_OV, REGION_OV, REPORT_TYPE_OV, THREAT_ACTOR_TYPE_OV, THREAT_ACTOR_ROLE_OV,
  THREAT_ACTOR_SOPHISTICATION_OV, TOOL_TYPE_OV, WINDOWS_INTEGRITY_LEVEL_ENUM, WINDOWS_PEBINARY_TYPE_OV,
  WINDOWS_REGISTRY_DATATYPE_ENUM, WINDOWS_SERVICE_START_TYPE_ENUM, WINDOWS_SERVICE_TYPE_ENUM,
  WINDOWS_SERVICE_STATUS_ENUM,
];

// ---------------------------------------------------------------------------------------
// Relationship types the specification defines (§3.7 common relationships, the
// "Relationships" tables of §4.1–§4.19, §6.4.2, §6.8.2, §6.9.2; Appendix B). The
// specification allows any other (user-defined) type (§5.1, §5.1.2 "SHOULD … but MAY be any
// string"), so these only feed a warning.

const ALL_SCOS = [...STIX_SCO_TYPES];

const DEFINED: ReadonlyArray<readonly [string, readonly string[], readonly string[]]> = [
  ['attack-pattern', ['delivers'], ['malware']],
  ['attack-pattern', ['targets'], ['identity', 'location', 'vulnerability']],
  ['attack-pattern', ['uses'], ['malware', 'tool']],
  ['campaign', ['attributed-to'], ['intrusion-set', 'threat-actor']],
  ['campaign', ['compromises'], ['infrastructure']],
  ['campaign', ['originates-from'], ['location']],
  ['campaign', ['targets'], ['identity', 'location', 'vulnerability']],
  ['campaign', ['uses'], ['attack-pattern', 'infrastructure', 'malware', 'tool']],
  ['course-of-action', ['investigates'], ['indicator']],
  ['course-of-action', ['mitigates'], ['attack-pattern', 'indicator', 'malware', 'tool', 'vulnerability']],
  ['course-of-action', ['remediates'], ['malware', 'vulnerability']],
  ['domain-name', ['resolves-to'], ['domain-name', 'ipv4-addr', 'ipv6-addr']],
  ['identity', ['located-at'], ['location']],
  ['indicator', ['indicates'], ['attack-pattern', 'campaign', 'infrastructure', 'intrusion-set', 'malware', 'threat-actor', 'tool']],
  ['indicator', ['based-on'], ['observed-data']],
  ['infrastructure', ['communicates-with'], ['infrastructure', 'ipv4-addr', 'ipv6-addr', 'domain-name', 'url']],
  ['infrastructure', ['consists-of'], ['infrastructure', 'observed-data', ...ALL_SCOS]],
  ['infrastructure', ['controls'], ['infrastructure', 'malware']],
  ['infrastructure', ['delivers'], ['malware']],
  ['infrastructure', ['has'], ['vulnerability']],
  ['infrastructure', ['hosts'], ['tool', 'malware']],
  ['infrastructure', ['located-at'], ['location']],
  ['infrastructure', ['uses'], ['infrastructure']],
  ['intrusion-set', ['attributed-to'], ['threat-actor']],
  ['intrusion-set', ['compromises'], ['infrastructure']],
  ['intrusion-set', ['hosts', 'owns'], ['infrastructure']],
  ['intrusion-set', ['originates-from'], ['location']],
  ['intrusion-set', ['targets'], ['identity', 'location', 'vulnerability']],
  ['intrusion-set', ['uses'], ['attack-pattern', 'infrastructure', 'malware', 'tool']],
  ['ipv4-addr', ['belongs-to'], ['autonomous-system']],
  ['ipv4-addr', ['resolves-to'], ['mac-addr']],
  ['ipv6-addr', ['belongs-to'], ['autonomous-system']],
  ['ipv6-addr', ['resolves-to'], ['mac-addr']],
  ['malware', ['authored-by'], ['threat-actor', 'intrusion-set']],
  ['malware', ['beacons-to', 'exfiltrates-to'], ['infrastructure']],
  ['malware', ['communicates-with'], ['ipv4-addr', 'ipv6-addr', 'domain-name', 'url']],
  ['malware', ['controls'], ['malware']],
  ['malware', ['downloads', 'drops'], ['malware', 'tool', 'file']],
  ['malware', ['exploits'], ['vulnerability']],
  ['malware', ['originates-from'], ['location']],
  ['malware', ['targets'], ['identity', 'infrastructure', 'location', 'vulnerability']],
  ['malware', ['uses'], ['attack-pattern', 'infrastructure', 'malware', 'tool']],
  ['malware', ['variant-of'], ['malware']],
  ['malware-analysis', ['characterizes', 'av-analysis-of', 'static-analysis-of', 'dynamic-analysis-of'], ['malware']],
  ['threat-actor', ['attributed-to'], ['identity']],
  ['threat-actor', ['compromises'], ['infrastructure']],
  ['threat-actor', ['hosts', 'owns'], ['infrastructure']],
  ['threat-actor', ['impersonates'], ['identity']],
  ['threat-actor', ['located-at'], ['location']],
  ['threat-actor', ['targets'], ['identity', 'location', 'vulnerability']],
  ['threat-actor', ['uses'], ['attack-pattern', 'infrastructure', 'malware', 'tool']],
  ['tool', ['delivers'], ['malware']],
  ['tool', ['drops'], ['malware']],
  ['tool', ['has'], ['vulnerability']],
  ['tool', ['targets'], ['identity', 'infrastructure', 'location', 'vulnerability']],
  ['tool', ['uses'], ['infrastructure']],
];

/** Source type → target type → the relationship types defined between them. */
const DEFINED_PAIRS = new Map<string, Map<string, Set<string>>>();
for (const [source, types, targets] of DEFINED) {
  let bySource = DEFINED_PAIRS.get(source);
  if (bySource === undefined) DEFINED_PAIRS.set(source, (bySource = new Map()));
  for (const target of targets) {
    let set = bySource.get(target);
    if (set === undefined) bySource.set(target, (set = new Set()));
    for (const t of types) set.add(t);
  }
}

/** §3.7: between any two SDOs or SCOs. */
export const RELATED_TO = 'related-to';
/** §3.7: between two SDOs or SCOs of the same type. */
export const SAME_TYPE_RELATIONSHIPS: ReadonlySet<string> = new Set(['derived-from', 'duplicate-of']);

/** Whether the specification defines `relationshipType` from `sourceType` to `targetType`. */
export function isDefinedRelationship(relationshipType: string, sourceType: string, targetType: string): boolean {
  if (relationshipType === RELATED_TO) return true;
  if (SAME_TYPE_RELATIONSHIPS.has(relationshipType)) return sourceType === targetType;
  return DEFINED_PAIRS.get(sourceType)?.get(targetType)?.has(relationshipType) ?? false;
}

/** The relationship types defined from `sourceType` to `targetType`, common ones included. */
export function definedRelationships(sourceType: string, targetType: string): string[] {
  const out = [...(DEFINED_PAIRS.get(sourceType)?.get(targetType) ?? [])];
  if (sourceType === targetType) out.push(...SAME_TYPE_RELATIONSHIPS);
  out.push(RELATED_TO);
  return out;
}
