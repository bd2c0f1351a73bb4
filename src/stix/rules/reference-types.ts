// The STIX 2.1 type categories and, for every embedded relationship the specification
// defines (every `*_ref` / `*_refs` property of every SDO, SRO, SCO, meta object and
// predefined extension), the object types it may point to. Everything here is built once
// at module load; the reference rules only do Map/Set look-ups per property.
//
// Where a property may point to a whole category ("an SDO", "an SCO", "any STIX Object"),
// an identifier whose type is not a STIX 2.1 type is accepted: it may name a custom object
// (STIX 2.1 §11.2, types usually starting with `x-`) or an object defined through an
// extension definition (§7.3, whose types need not start with `x-`), and the identifier
// alone does not say which category that object is in. Where a property names the exact
// types it may point to ("MUST be of type email-addr"), any other type, custom or not,
// is refused. `bundle` is never a valid target: a bundle is not a STIX Object and
// "MUST NOT have any relationships to or from it" (§8.2).
import { isStixId, isStixTypeName, uuidProblem } from '../../vocabulary/stix-id';
import { SPEC_TYPES } from './spec-properties';

// The category sets come from the one table of STIX types (spec-properties.ts).
function typesOf(...categories: string[]): ReadonlySet<string> {
  return new Set([...SPEC_TYPES].filter(([, spec]) => categories.includes(spec.category)).map(([type]) => type));
}

/** STIX Domain Objects, STIX 2.1 §4. */
export const STIX_SDO_TYPES = typesOf('sdo');

/** STIX Relationship Objects, STIX 2.1 §5. */
export const STIX_SRO_TYPES = typesOf('sro');

/** STIX Cyber-observable Objects, STIX 2.1 §6. */
export const STIX_SCO_TYPES = typesOf('sco');

/** STIX Meta Objects, STIX 2.1 §7 (language content, marking definition, extension definition). */
export const STIX_META_TYPES = typesOf('language-content', 'marking-definition', 'extension-definition');

export type StixCategory = 'sdo' | 'sro' | 'sco' | 'meta' | 'bundle';

const CATEGORY_OF = new Map<string, StixCategory>();
for (const t of STIX_SDO_TYPES) CATEGORY_OF.set(t, 'sdo');
for (const t of STIX_SRO_TYPES) CATEGORY_OF.set(t, 'sro');
for (const t of STIX_SCO_TYPES) CATEGORY_OF.set(t, 'sco');
for (const t of STIX_META_TYPES) CATEGORY_OF.set(t, 'meta');
CATEGORY_OF.set('bundle', 'bundle');

/** The category of a STIX 2.1 type, or undefined for a custom / extension-defined type. */
export function stixCategory(type: string): StixCategory | undefined {
  return CATEGORY_OF.get(type);
}

/** Whether `type` is one of the STIX 2.1 object types (or `bundle`). */
export function isStixType(type: string): boolean {
  return CATEGORY_OF.has(type);
}

// ---------------------------------------------------------------------------------------
// Identifiers (STIX 2.1 §2.9), read at the gatekeeper's strictness (vocabulary/stix-id.ts).
/** `--` and the 36-character UUID. */
const UUID_TAIL = 38;

/** A valid identifier, read: its type part and that type's category (undefined: not a STIX type). */
export interface ParsedIdentifier {
  readonly type: string;
  readonly category: StixCategory | undefined;
}

// The same identifiers come back object after object (created_by_ref, object_marking_refs,
// the endpoints of relationships): a bounded cache of the answers, for valid lengths only.
const PARSED = new Map<string, ParsedIdentifier | null>();
const PARSED_LIMIT = 4096;
const MAX_IDENTIFIER_LENGTH = 250 + UUID_TAIL;

/** `value` read as an identifier, or undefined when it is not a valid identifier. */
export function parseIdentifier(value: string): ParsedIdentifier | undefined {
  const typeLength = value.length - UUID_TAIL;
  if (typeLength < 3 || typeLength > 250) return undefined;
  const cached = PARSED.get(value);
  if (cached !== undefined) return cached ?? undefined;
  let parsed: ParsedIdentifier | null = null;
  if (isStixId(value, 'stix')) {
    const type = value.slice(0, typeLength);
    parsed = { type, category: CATEGORY_OF.get(type) };
  }
  if (PARSED.size >= PARSED_LIMIT) PARSED.clear();
  if (value.length <= MAX_IDENTIFIER_LENGTH) PARSED.set(value, parsed);
  return parsed ?? undefined;
}

/** The type part of a valid identifier, or undefined when `value` is not a valid identifier. */
export function identifierType(value: string): string | undefined {
  return parseIdentifier(value)?.type;
}

/** Why `value` (a string that is not a valid identifier) is not one: a message fragment. */
export function identifierProblem(value: string): string {
  const shown = quote(value);
  const sep = value.indexOf('--');
  if (sep < 0) return `must be an identifier <type>--<UUID>, not ${shown}`;
  const type = value.slice(0, sep);
  const uuid = value.slice(sep + 2);
  if (!isStixTypeName(type)) {
    return `must be an identifier <type>--<UUID>; the type part of ${shown} is not a STIX type name (lowercase a-z, 0-9 and single hyphens, 3 to 250 characters)`;
  }
  if (uuidProblem(uuid) === 'shape') return `must be an identifier <type>--<UUID>; the UUID part of ${shown} is not a UUID`;
  return `must be an identifier <type>--<UUID>; the UUID part of ${shown} is not an RFC 4122 UUID (version 1-5, variant 10xx)`;
}

/** A JSON rendering of a value for messages, cut to a readable length. */
export function quote(value: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value);
  }
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

// ---------------------------------------------------------------------------------------
// Reference targets.

export interface RefTarget {
  /** Standard types that are accepted. */
  readonly types: ReadonlySet<string>;
  /** Categories of standard types that are accepted. */
  readonly categories: ReadonlySet<StixCategory>;
  /** Whether identifiers of non-STIX (custom / extension-defined) types are accepted. */
  readonly custom: boolean;
  /** "an identity", "an SDO or SCO": completes "must reference …". */
  readonly description: string;
}

export function targetAccepts(target: RefTarget, type: string): boolean {
  return acceptsIdentifier(target, { type, category: CATEGORY_OF.get(type) });
}

/** targetAccepts for an identifier already read. */
export function acceptsIdentifier(target: RefTarget, id: ParsedIdentifier): boolean {
  if (id.category === undefined) return target.custom;
  return target.categories.has(id.category) || target.types.has(id.type);
}

function article(word: string): string {
  return /^[aeio]/.test(word) ? `an ${word}` : `a ${word}`;
}

function ofTypes(...types: string[]): RefTarget {
  for (const t of types) if (!CATEGORY_OF.has(t)) throw new Error(`not a STIX type: ${t}`);
  const first = article(types[0] as string);
  const rest = types.slice(1);
  const description =
    rest.length === 0 ? first : `${[first, ...rest.slice(0, -1)].join(', ')} or ${rest[rest.length - 1] as string}`;
  return { types: new Set(types), categories: new Set(), custom: false, description };
}

function ofCategories(description: string, ...categories: StixCategory[]): RefTarget {
  return { types: new Set(), categories: new Set(categories), custom: true, description };
}

export const TARGETS = {
  identity: ofTypes('identity'),
  markingDefinition: ofTypes('marking-definition'),
  observedData: ofTypes('observed-data'),
  identityOrLocation: ofTypes('identity', 'location'),
  software: ofTypes('software'),
  fileOrArtifact: ofTypes('file', 'artifact'),
  artifactOrFile: ofTypes('artifact', 'file'),
  malwareSample: ofTypes('file', 'network-traffic', 'artifact'),
  emailAddr: ofTypes('email-addr'),
  artifact: ofTypes('artifact'),
  userAccount: ofTypes('user-account'),
  macAddr: ofTypes('mac-addr'),
  autonomousSystem: ofTypes('autonomous-system'),
  resolvedAddress: ofTypes('ipv4-addr', 'ipv6-addr', 'domain-name'),
  networkEndpoint: ofTypes('ipv4-addr', 'ipv6-addr', 'mac-addr', 'domain-name'),
  networkTraffic: ofTypes('network-traffic'),
  directory: ofTypes('directory'),
  fileOrDirectory: ofTypes('file', 'directory'),
  file: ofTypes('file'),
  process: ofTypes('process'),
  /** §4.4.1, §4.13.1, §4.15.1, §4.16.1, §7.1.1: "the STIX Objects …" — any SDO, SRO, SCO or SMO. */
  anyObject: ofCategories('a STIX Object (SDO, SRO, SCO or meta object)', 'sdo', 'sro', 'sco', 'meta'),
  /** §5.2.1 sighting_of_ref: "MUST reference only an SDO". */
  sdo: ofCategories('an SDO', 'sdo'),
  /** §5.1.2: "an SDO or SCO (i.e., it cannot point to an SRO, Bundle, Language Content, or Marking Definition)". */
  sdoOrSco: ofCategories('an SDO or SCO', 'sdo', 'sco'),
  /** §4.14.1 observed-data object_refs: "A list of SCOs and SROs". */
  scoOrSro: ofCategories('an SCO or SRO', 'sco', 'sro'),
  /** §4.12.1 analysis_sco_refs, §6.7.1 file contains_refs: Cyber-observable Objects. */
  sco: ofCategories('an SCO', 'sco'),
  /** A property outside the specification whose name ends in _ref/_refs (§3.1): any identifier. */
  anyIdentifier: ofCategories('an object', 'sdo', 'sro', 'sco', 'meta', 'bundle'),
} as const;

// ---------------------------------------------------------------------------------------
// Where references live.

export interface RefProperty {
  readonly target: RefTarget;
  /** `true` for `*_refs` (list of identifier), `false` for `*_ref` (identifier). */
  readonly list: boolean;
  /** "STIX 2.1 §5.1.2". */
  readonly source: string;
  /**
   * Whether the OASIS schema checks the identifier syntax of this property upstream (with
   * common/identifier.json, which the patch identifier-syntax-by-rules leaves to the
   * reference rules): these are checked under the permissive policy as well. A test
   * compares every flag with the upstream schemas.
   */
  readonly upstream: boolean;
}

/** The reference-bearing layout of an object, an extension or a sub-object type. */
export interface RefShape {
  /** Reference properties at this level. */
  readonly refs: ReadonlyMap<string, RefProperty>;
  /** Properties holding a sub-object (or a list of them) with a known layout of its own. */
  readonly nested: ReadonlyMap<string, RefShape>;
  /** Dictionary-typed properties whose keys are data, not property names: not walked. */
  readonly opaque: ReadonlySet<string>;
}

const SPEC = 'STIX 2.1';

function ref(target: RefTarget, section: string): RefProperty {
  return { target, list: false, source: `${SPEC} §${section}`, upstream: false };
}

function refList(target: RefTarget, section: string): RefProperty {
  return { target, list: true, source: `${SPEC} §${section}`, upstream: false };
}

/** A reference whose identifier syntax the upstream schema checks (see RefProperty.upstream). */
function idRef(target: RefTarget, section: string): RefProperty {
  return { target, list: false, source: `${SPEC} §${section}`, upstream: true };
}

/** A list of references whose identifier syntax the upstream schema checks. */
function idRefList(target: RefTarget, section: string): RefProperty {
  return { target, list: true, source: `${SPEC} §${section}`, upstream: true };
}

function shape(
  refs: Record<string, RefProperty>,
  nested: Record<string, RefShape> = {},
  opaque: readonly string[] = [],
): RefShape {
  for (const [name, p] of Object.entries(refs)) {
    if (name.endsWith('_refs') !== p.list) throw new Error(`reference table: ${name} list flag`);
  }
  return { refs: new Map(Object.entries(refs)), nested: new Map(Object.entries(nested)), opaque: new Set(opaque) };
}

/** A layout nothing is known about: custom properties, extension-definition extensions. */
export const GENERIC_SHAPE: RefShape = shape({});

/** §7.2.3.1 Granular Marking Type. */
const GRANULAR_MARKING_REF = idRef(TARGETS.markingDefinition, '7.2.3.1');
const GRANULAR_MARKING = shape({ marking_ref: GRANULAR_MARKING_REF });

/** Common properties every object may carry (§3.2). */
const OBJECT_MARKING_REFS = idRefList(TARGETS.markingDefinition, '3.2');
const COMMON_REFS: Record<string, RefProperty> = {
  created_by_ref: idRef(TARGETS.identity, '3.2'),
  object_marking_refs: OBJECT_MARKING_REFS,
};
/** created_by_ref does not apply to SCOs (§3.2), and cyber-observable-core.json does not check it. */
const SCO_COMMON_REFS: Record<string, RefProperty> = {
  created_by_ref: ref(TARGETS.identity, '3.2'),
  object_marking_refs: OBJECT_MARKING_REFS,
};

/**
 * References that always hold identifiers, even on an object inside a deprecated observable
 * container (§2.13), whose other references are keys local to the container.
 */
export const GLOBAL_REFS: ReadonlySet<RefProperty> = new Set([
  ...Object.values(COMMON_REFS),
  ...Object.values(SCO_COMMON_REFS),
  GRANULAR_MARKING_REF,
]);

const EXTERNAL_REFERENCE = shape({}, {}, ['hashes']);
const COMMON_NESTED: Record<string, RefShape> = {
  granular_markings: GRANULAR_MARKING,
  external_references: EXTERNAL_REFERENCE,
};

/** SDOs, SROs and meta objects. */
function objectShape(
  refs: Record<string, RefProperty> = {},
  nested: Record<string, RefShape> = {},
  opaque: readonly string[] = [],
): RefShape {
  return shape({ ...COMMON_REFS, ...refs }, { ...COMMON_NESTED, ...nested }, opaque);
}

/** SCOs. */
function scoShape(
  refs: Record<string, RefProperty> = {},
  nested: Record<string, RefShape> = {},
  opaque: readonly string[] = [],
): RefShape {
  return shape({ ...SCO_COMMON_REFS, ...refs }, { ...COMMON_NESTED, ...nested }, opaque);
}

/** Objects of a type outside the specification: only the common properties are known. */
export const CUSTOM_OBJECT_SHAPE: RefShape = objectShape();
/** The same for a custom object the schemas check as an SCO (no created/modified, §3.6). */
export const CUSTOM_SCO_SHAPE: RefShape = scoShape();

const EMAIL_MIME_PART = shape({ body_raw_ref: ref(TARGETS.artifactOrFile, '6.6.2.1') });

const WINDOWS_PE_OPTIONAL_HEADER = shape({}, {}, ['hashes']);
const WINDOWS_PE_SECTION = shape({}, {}, ['hashes']);
const ALTERNATE_DATA_STREAM = shape({}, {}, ['hashes']);

/** Per object type: its reference properties, including the common ones. */
export const OBJECT_SHAPES: ReadonlyMap<string, RefShape> = new Map<string, RefShape>([
  // §4 SDOs
  ['attack-pattern', objectShape()],
  ['campaign', objectShape()],
  ['course-of-action', objectShape()],
  ['grouping', objectShape({ object_refs: idRefList(TARGETS.anyObject, '4.4.1') })],
  ['identity', objectShape()],
  ['incident', objectShape()],
  ['indicator', objectShape()],
  ['infrastructure', objectShape()],
  ['intrusion-set', objectShape()],
  ['location', objectShape()],
  [
    'malware',
    objectShape({
      operating_system_refs: idRefList(TARGETS.software, '4.11.1'),
      sample_refs: refList(TARGETS.fileOrArtifact, '4.11.1'),
    }),
  ],
  [
    'malware-analysis',
    objectShape({
      host_vm_ref: idRef(TARGETS.software, '4.12.1'),
      operating_system_ref: idRef(TARGETS.software, '4.12.1'),
      installed_software_refs: idRefList(TARGETS.software, '4.12.1'),
      analysis_sco_refs: idRefList(TARGETS.sco, '4.12.1'),
      sample_ref: idRef(TARGETS.malwareSample, '4.12.1'),
    }),
  ],
  ['note', objectShape({ object_refs: idRefList(TARGETS.anyObject, '4.13.1') })],
  // `objects` is the deprecated observable container (§2.13): its references are local keys,
  // checked by the observable-container rule, not identifiers.
  ['observed-data', objectShape({ object_refs: idRefList(TARGETS.scoOrSro, '4.14.1') }, {}, ['objects'])],
  ['opinion', objectShape({ object_refs: idRefList(TARGETS.anyObject, '4.15.1') })],
  ['report', objectShape({ object_refs: idRefList(TARGETS.anyObject, '4.16.1') })],
  ['threat-actor', objectShape()],
  ['tool', objectShape()],
  ['vulnerability', objectShape()],
  // §5 SROs
  [
    'relationship',
    objectShape({
      source_ref: idRef(TARGETS.sdoOrSco, '5.1.2'),
      target_ref: idRef(TARGETS.sdoOrSco, '5.1.2'),
    }),
  ],
  [
    'sighting',
    objectShape({
      sighting_of_ref: idRef(TARGETS.sdo, '5.2.1'),
      observed_data_refs: idRefList(TARGETS.observedData, '5.2.1'),
      where_sighted_refs: idRefList(TARGETS.identityOrLocation, '5.2.1'),
    }),
  ],
  // §6 SCOs
  ['artifact', scoShape({}, {}, ['hashes'])],
  ['autonomous-system', scoShape()],
  ['directory', scoShape({ contains_refs: refList(TARGETS.fileOrDirectory, '6.3.1') })],
  ['domain-name', scoShape({ resolves_to_refs: refList(TARGETS.resolvedAddress, '6.4.1') })],
  ['email-addr', scoShape({ belongs_to_ref: ref(TARGETS.userAccount, '6.5.1') })],
  [
    'email-message',
    scoShape(
      {
        from_ref: ref(TARGETS.emailAddr, '6.6.1'),
        sender_ref: ref(TARGETS.emailAddr, '6.6.1'),
        to_refs: refList(TARGETS.emailAddr, '6.6.1'),
        cc_refs: refList(TARGETS.emailAddr, '6.6.1'),
        bcc_refs: refList(TARGETS.emailAddr, '6.6.1'),
        raw_email_ref: ref(TARGETS.artifact, '6.6.1'),
      },
      { body_multipart: EMAIL_MIME_PART },
      ['additional_header_fields'],
    ),
  ],
  [
    'file',
    scoShape(
      {
        parent_directory_ref: ref(TARGETS.directory, '6.7.1'),
        contains_refs: refList(TARGETS.sco, '6.7.1'),
        content_ref: ref(TARGETS.artifact, '6.7.1'),
      },
      {},
      ['hashes'],
    ),
  ],
  [
    'ipv4-addr',
    scoShape({
      resolves_to_refs: refList(TARGETS.macAddr, '6.8.1'),
      belongs_to_refs: refList(TARGETS.autonomousSystem, '6.8.1'),
    }),
  ],
  [
    'ipv6-addr',
    scoShape({
      resolves_to_refs: refList(TARGETS.macAddr, '6.9.1'),
      belongs_to_refs: refList(TARGETS.autonomousSystem, '6.9.1'),
    }),
  ],
  ['mac-addr', scoShape()],
  ['mutex', scoShape()],
  [
    'network-traffic',
    scoShape(
      {
        src_ref: ref(TARGETS.networkEndpoint, '6.12.1'),
        dst_ref: ref(TARGETS.networkEndpoint, '6.12.1'),
        src_payload_ref: ref(TARGETS.artifact, '6.12.1'),
        dst_payload_ref: ref(TARGETS.artifact, '6.12.1'),
        encapsulates_refs: refList(TARGETS.networkTraffic, '6.12.1'),
        encapsulated_by_ref: ref(TARGETS.networkTraffic, '6.12.1'),
      },
      {},
      ['ipfix'],
    ),
  ],
  [
    'process',
    scoShape(
      {
        opened_connection_refs: refList(TARGETS.networkTraffic, '6.13.1'),
        creator_user_ref: ref(TARGETS.userAccount, '6.13.1'),
        image_ref: ref(TARGETS.file, '6.13.1'),
        parent_ref: ref(TARGETS.process, '6.13.1'),
        child_refs: refList(TARGETS.process, '6.13.1'),
      },
      {},
      ['environment_variables'],
    ),
  ],
  ['software', scoShape()],
  ['url', scoShape()],
  ['user-account', scoShape()],
  ['windows-registry-key', scoShape({ creator_user_ref: ref(TARGETS.userAccount, '6.17.1') })],
  ['x509-certificate', scoShape({}, {}, ['hashes'])],
  // §7 meta objects. Language content `contents` mirrors the target object's properties
  // (translations), so its keys are not reference properties of its own.
  ['language-content', objectShape({ object_ref: idRef(TARGETS.anyObject, '7.1.1') }, {}, ['contents'])],
  ['marking-definition', objectShape()],
  ['extension-definition', objectShape()],
]);

/** Predefined extensions (§6), keyed by their `extensions` dictionary key. */
export const EXTENSION_SHAPES: ReadonlyMap<string, RefShape> = new Map<string, RefShape>([
  ['archive-ext', shape({ contains_refs: refList(TARGETS.fileOrDirectory, '6.7.2.1') })],
  ['ntfs-ext', shape({}, { alternate_data_streams: ALTERNATE_DATA_STREAM })],
  ['pdf-ext', shape({}, {}, ['document_info_dict'])],
  ['raster-image-ext', shape({}, {}, ['exif_tags'])],
  [
    'windows-pebinary-ext',
    shape({}, { optional_header: WINDOWS_PE_OPTIONAL_HEADER, sections: WINDOWS_PE_SECTION }, ['file_header_hashes']),
  ],
  [
    'http-request-ext',
    shape({ message_body_data_ref: ref(TARGETS.artifact, '6.12.2.1') }, {}, ['request_header']),
  ],
  ['icmp-ext', shape({})],
  ['socket-ext', shape({}, {}, ['options'])],
  ['tcp-ext', shape({})],
  ['windows-process-ext', shape({}, {}, ['startup_info'])],
  ['windows-service-ext', shape({ service_dll_refs: refList(TARGETS.file, '6.13.3.1') })],
  ['unix-account-ext', shape({})],
]);

/** Whether a property name marks an embedded relationship by its suffix (§3.1). */
export function isReferenceName(name: string): boolean {
  const last = name.charCodeAt(name.length - 1);
  return last === 102 ? name.endsWith('_ref') : last === 115 && name.endsWith('_refs'); // f, s
}
