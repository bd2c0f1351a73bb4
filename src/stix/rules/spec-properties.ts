// What STIX 2.1 (Errata 01) defines for every object type: its category, the section of
// its property table, the property names (common and specific), the common properties
// the table marks "Not Applicable", and which properties are timestamps. Built once at
// module load from the property tables of the specification; the rules only look up.
//
// Sources: §3.2 (common properties and the per-category summary table), §4.1.1–§4.19.1
// (SDOs), §5.1.2 and §5.2.1 (SROs), §6.1.1–§6.18.1 with the predefined extensions of
// §6.7.2–§6.16.2 (SCOs), §7.1.1, §7.2.1.1 and §7.3.1 (meta objects), §8 (bundle).

export type StixCategory =
  | 'sdo'
  | 'sro'
  | 'sco'
  | 'language-content'
  | 'marking-definition'
  | 'extension-definition'
  | 'bundle';

/** A property path below the object (one segment for a top-level property). */
export type PropertyPath = readonly string[];

export interface TypeSpec {
  readonly type: string;
  readonly category: StixCategory;
  /** Section of the type's property table, e.g. `§4.7.1`. */
  readonly section: string;
  /** Every property the specification defines for the type, common ones included. */
  readonly properties: ReadonlySet<string>;
  /** Common properties the type's table lists as "Not Applicable". */
  readonly notApplicable: ReadonlySet<string>;
  /** Timestamp-typed properties other than created/modified (which every rule treats apart). */
  readonly timestamps: readonly PropertyPath[];
}

export interface PredefinedExtensionSpec {
  readonly name: string;
  /** The only object type the extension is defined for. */
  readonly objectType: string;
  readonly section: string;
  readonly properties: ReadonlySet<string>;
  readonly timestamps: readonly PropertyPath[];
}

// §3.2 summary table, confirmed by each type's "Required/Optional/Not Applicable Common
// Properties" rows.
const SDO_SRO_COMMON = [
  'type', 'spec_version', 'id', 'created', 'modified', 'created_by_ref', 'revoked', 'labels',
  'confidence', 'lang', 'external_references', 'object_marking_refs', 'granular_markings', 'extensions',
];
const SDO_SRO_NOT_APPLICABLE = ['defanged'];
const SCO_COMMON = ['type', 'id', 'spec_version', 'object_marking_refs', 'granular_markings', 'defanged', 'extensions'];
const SCO_NOT_APPLICABLE = ['created_by_ref', 'revoked', 'labels', 'confidence', 'lang', 'external_references'];
// §7.1.1 and §7.2.1.1 list "granular_marking_refs" among the optional common properties; the
// §3.2 table names that row granular_markings for both, so it is read as granular_markings.
const LANGUAGE_CONTENT_COMMON = [
  'type', 'spec_version', 'id', 'created', 'modified', 'created_by_ref', 'revoked', 'labels',
  'confidence', 'external_references', 'object_marking_refs', 'granular_markings', 'extensions',
];
const LANGUAGE_CONTENT_NOT_APPLICABLE = ['lang', 'defanged'];
const MARKING_DEFINITION_COMMON = [
  'type', 'spec_version', 'id', 'created', 'created_by_ref', 'external_references', 'object_marking_refs',
  'granular_markings', 'extensions',
];
const MARKING_DEFINITION_NOT_APPLICABLE = ['modified', 'revoked', 'labels', 'confidence', 'lang', 'defanged'];
const EXTENSION_DEFINITION_COMMON = [
  'type', 'spec_version', 'id', 'created', 'modified', 'created_by_ref', 'revoked', 'labels',
  'external_references', 'object_marking_refs', 'granular_markings',
];
const EXTENSION_DEFINITION_NOT_APPLICABLE = ['confidence', 'lang', 'defanged', 'extensions'];

/** Common properties of each category, for custom objects (§7.3.2.2, §11.2.1) as well. */
export const COMMON_PROPERTIES: ReadonlyMap<StixCategory, ReadonlySet<string>> = new Map<StixCategory, ReadonlySet<string>>([
  ['sdo', new Set(SDO_SRO_COMMON)],
  ['sro', new Set(SDO_SRO_COMMON)],
  ['sco', new Set(SCO_COMMON)],
  ['language-content', new Set(LANGUAGE_CONTENT_COMMON)],
  ['marking-definition', new Set(MARKING_DEFINITION_COMMON)],
  ['extension-definition', new Set(EXTENSION_DEFINITION_COMMON)],
  ['bundle', new Set(['type', 'id'])],
]);

export const NOT_APPLICABLE_COMMON: ReadonlyMap<StixCategory, ReadonlySet<string>> = new Map<StixCategory, ReadonlySet<string>>([
  ['sdo', new Set(SDO_SRO_NOT_APPLICABLE)],
  ['sro', new Set(SDO_SRO_NOT_APPLICABLE)],
  ['sco', new Set(SCO_NOT_APPLICABLE)],
  ['language-content', new Set(LANGUAGE_CONTENT_NOT_APPLICABLE)],
  ['marking-definition', new Set(MARKING_DEFINITION_NOT_APPLICABLE)],
  ['extension-definition', new Set(EXTENSION_DEFINITION_NOT_APPLICABLE)],
  ['bundle', new Set<string>()],
]);

interface TypeRow {
  category: StixCategory;
  section: string;
  specific: string[];
  timestamps?: Array<string | string[]>;
}

// "<Type> Specific Properties" of each table (email-message also has message_id, which its
// table defines although the summary row omits it).
const TYPE_ROWS: Record<string, TypeRow> = {
  'attack-pattern': { category: 'sdo', section: '§4.1.1', specific: ['name', 'description', 'aliases', 'kill_chain_phases'] },
  campaign: {
    category: 'sdo',
    section: '§4.2.1',
    specific: ['name', 'description', 'aliases', 'first_seen', 'last_seen', 'objective'],
    timestamps: ['first_seen', 'last_seen'],
  },
  // `action` is RESERVED (§3.8); it is listed so that it is reported as reserved, not as custom.
  'course-of-action': { category: 'sdo', section: '§4.3.1', specific: ['name', 'description', 'action'] },
  grouping: { category: 'sdo', section: '§4.4.1', specific: ['name', 'description', 'context', 'object_refs'] },
  identity: {
    category: 'sdo',
    section: '§4.5.1',
    specific: ['name', 'description', 'roles', 'identity_class', 'sectors', 'contact_information'],
  },
  incident: { category: 'sdo', section: '§4.6.1', specific: ['name', 'description'] },
  indicator: {
    category: 'sdo',
    section: '§4.7.1',
    specific: [
      'name', 'description', 'indicator_types', 'pattern', 'pattern_type', 'pattern_version', 'valid_from',
      'valid_until', 'kill_chain_phases',
    ],
    timestamps: ['valid_from', 'valid_until'],
  },
  infrastructure: {
    category: 'sdo',
    section: '§4.8.1',
    specific: ['name', 'description', 'infrastructure_types', 'aliases', 'kill_chain_phases', 'first_seen', 'last_seen'],
    timestamps: ['first_seen', 'last_seen'],
  },
  'intrusion-set': {
    category: 'sdo',
    section: '§4.9.1',
    specific: [
      'name', 'description', 'aliases', 'first_seen', 'last_seen', 'goals', 'resource_level', 'primary_motivation',
      'secondary_motivations',
    ],
    timestamps: ['first_seen', 'last_seen'],
  },
  location: {
    category: 'sdo',
    section: '§4.10.1',
    specific: [
      'name', 'description', 'latitude', 'longitude', 'precision', 'region', 'country', 'administrative_area', 'city',
      'street_address', 'postal_code',
    ],
  },
  malware: {
    category: 'sdo',
    section: '§4.11.1',
    specific: [
      'name', 'description', 'malware_types', 'is_family', 'aliases', 'kill_chain_phases', 'first_seen', 'last_seen',
      'operating_system_refs', 'architecture_execution_envs', 'implementation_languages', 'capabilities', 'sample_refs',
    ],
    timestamps: ['first_seen', 'last_seen'],
  },
  'malware-analysis': {
    category: 'sdo',
    section: '§4.12.1',
    specific: [
      'product', 'version', 'host_vm_ref', 'operating_system_ref', 'installed_software_refs', 'configuration_version',
      'modules', 'analysis_engine_version', 'analysis_definition_version', 'submitted', 'analysis_started',
      'analysis_ended', 'result_name', 'result', 'analysis_sco_refs', 'sample_ref',
    ],
    timestamps: ['submitted', 'analysis_started', 'analysis_ended'],
  },
  note: { category: 'sdo', section: '§4.13.1', specific: ['abstract', 'content', 'authors', 'object_refs'] },
  'observed-data': {
    category: 'sdo',
    section: '§4.14.1',
    specific: ['first_observed', 'last_observed', 'number_observed', 'objects', 'object_refs'],
    timestamps: ['first_observed', 'last_observed'],
  },
  opinion: { category: 'sdo', section: '§4.15.1', specific: ['explanation', 'authors', 'opinion', 'object_refs'] },
  report: {
    category: 'sdo',
    section: '§4.16.1',
    specific: ['name', 'description', 'report_types', 'published', 'object_refs'],
    timestamps: ['published'],
  },
  'threat-actor': {
    category: 'sdo',
    section: '§4.17.1',
    specific: [
      'name', 'description', 'threat_actor_types', 'aliases', 'first_seen', 'last_seen', 'roles', 'goals',
      'sophistication', 'resource_level', 'primary_motivation', 'secondary_motivations', 'personal_motivations',
    ],
    timestamps: ['first_seen', 'last_seen'],
  },
  tool: {
    category: 'sdo',
    section: '§4.18.1',
    specific: ['name', 'description', 'tool_types', 'aliases', 'kill_chain_phases', 'tool_version'],
  },
  vulnerability: { category: 'sdo', section: '§4.19.1', specific: ['name', 'description'] },

  relationship: {
    category: 'sro',
    section: '§5.1.2',
    specific: ['relationship_type', 'description', 'source_ref', 'target_ref', 'start_time', 'stop_time'],
    timestamps: ['start_time', 'stop_time'],
  },
  sighting: {
    category: 'sro',
    section: '§5.2.1',
    specific: [
      'description', 'first_seen', 'last_seen', 'count', 'sighting_of_ref', 'observed_data_refs', 'where_sighted_refs',
      'summary',
    ],
    timestamps: ['first_seen', 'last_seen'],
  },

  artifact: {
    category: 'sco',
    section: '§6.1.1',
    specific: ['mime_type', 'payload_bin', 'url', 'hashes', 'encryption_algorithm', 'decryption_key'],
  },
  'autonomous-system': { category: 'sco', section: '§6.2.1', specific: ['number', 'name', 'rir'] },
  directory: {
    category: 'sco',
    section: '§6.3.1',
    specific: ['path', 'path_enc', 'ctime', 'mtime', 'atime', 'contains_refs'],
    timestamps: ['ctime', 'mtime', 'atime'],
  },
  'domain-name': { category: 'sco', section: '§6.4.1', specific: ['value', 'resolves_to_refs'] },
  'email-addr': { category: 'sco', section: '§6.5.1', specific: ['value', 'display_name', 'belongs_to_ref'] },
  'email-message': {
    category: 'sco',
    section: '§6.6.1',
    specific: [
      'is_multipart', 'date', 'content_type', 'from_ref', 'sender_ref', 'to_refs', 'cc_refs', 'bcc_refs', 'message_id',
      'subject', 'received_lines', 'additional_header_fields', 'body', 'body_multipart', 'raw_email_ref',
    ],
    timestamps: ['date'],
  },
  file: {
    category: 'sco',
    section: '§6.7.1',
    specific: [
      'hashes', 'size', 'name', 'name_enc', 'magic_number_hex', 'mime_type', 'ctime', 'mtime', 'atime',
      'parent_directory_ref', 'contains_refs', 'content_ref',
    ],
    timestamps: ['ctime', 'mtime', 'atime'],
  },
  'ipv4-addr': { category: 'sco', section: '§6.8.1', specific: ['value', 'resolves_to_refs', 'belongs_to_refs'] },
  'ipv6-addr': { category: 'sco', section: '§6.9.1', specific: ['value', 'resolves_to_refs', 'belongs_to_refs'] },
  'mac-addr': { category: 'sco', section: '§6.10.1', specific: ['value'] },
  mutex: { category: 'sco', section: '§6.11.1', specific: ['name'] },
  'network-traffic': {
    category: 'sco',
    section: '§6.12.1',
    specific: [
      'start', 'end', 'is_active', 'src_ref', 'dst_ref', 'src_port', 'dst_port', 'protocols', 'src_byte_count',
      'dst_byte_count', 'src_packets', 'dst_packets', 'ipfix', 'src_payload_ref', 'dst_payload_ref',
      'encapsulates_refs', 'encapsulated_by_ref',
    ],
    timestamps: ['start', 'end'],
  },
  process: {
    category: 'sco',
    section: '§6.13.1',
    specific: [
      'is_hidden', 'pid', 'created_time', 'cwd', 'command_line', 'environment_variables', 'opened_connection_refs',
      'creator_user_ref', 'image_ref', 'parent_ref', 'child_refs',
    ],
    timestamps: ['created_time'],
  },
  software: { category: 'sco', section: '§6.14.1', specific: ['name', 'cpe', 'swid', 'languages', 'vendor', 'version'] },
  url: { category: 'sco', section: '§6.15.1', specific: ['value'] },
  'user-account': {
    category: 'sco',
    section: '§6.16.1',
    specific: [
      'user_id', 'credential', 'account_login', 'account_type', 'display_name', 'is_service_account', 'is_privileged',
      'can_escalate_privs', 'is_disabled', 'account_created', 'account_expires', 'credential_last_changed',
      'account_first_login', 'account_last_login',
    ],
    timestamps: ['account_created', 'account_expires', 'credential_last_changed', 'account_first_login', 'account_last_login'],
  },
  'windows-registry-key': {
    category: 'sco',
    section: '§6.17.1',
    specific: ['key', 'values', 'modified_time', 'creator_user_ref', 'number_of_subkeys'],
    timestamps: ['modified_time'],
  },
  'x509-certificate': {
    category: 'sco',
    section: '§6.18.1',
    specific: [
      'is_self_signed', 'hashes', 'version', 'serial_number', 'signature_algorithm', 'issuer', 'validity_not_before',
      'validity_not_after', 'subject', 'subject_public_key_algorithm', 'subject_public_key_modulus',
      'subject_public_key_exponent', 'x509_v3_extensions',
    ],
    // §6.18.2 x509-v3-extensions-type
    timestamps: [
      'validity_not_before',
      'validity_not_after',
      ['x509_v3_extensions', 'private_key_usage_period_not_before'],
      ['x509_v3_extensions', 'private_key_usage_period_not_after'],
    ],
  },

  'language-content': {
    category: 'language-content',
    section: '§7.1.1',
    specific: ['object_ref', 'object_modified', 'contents'],
    timestamps: ['object_modified'],
  },
  'marking-definition': {
    category: 'marking-definition',
    section: '§7.2.1.1',
    specific: ['name', 'definition_type', 'definition'],
  },
  'extension-definition': {
    category: 'extension-definition',
    section: '§7.3.1',
    specific: ['name', 'description', 'schema', 'version', 'extension_types', 'extension_properties'],
  },
  // §8.1: not a STIX Object, listed so that it is recognised (and refused as an object).
  bundle: { category: 'bundle', section: '§8.1', specific: ['objects'] },
};

function toPaths(list: Array<string | string[]> | undefined): PropertyPath[] {
  return (list ?? []).map((p) => (typeof p === 'string' ? [p] : p));
}

function buildTypes(): ReadonlyMap<string, TypeSpec> {
  const out = new Map<string, TypeSpec>();
  for (const [type, row] of Object.entries(TYPE_ROWS)) {
    const common = COMMON_PROPERTIES.get(row.category) ?? new Set<string>();
    out.set(type, {
      type,
      category: row.category,
      section: row.section,
      properties: new Set([...common, ...row.specific]),
      notApplicable: NOT_APPLICABLE_COMMON.get(row.category) ?? new Set<string>(),
      timestamps: toPaths(row.timestamps),
    });
  }
  return out;
}

/** Every object type STIX 2.1 defines (plus `bundle`, which is not a STIX Object). */
export const SPEC_TYPES: ReadonlyMap<string, TypeSpec> = buildTypes();

interface ExtensionRow {
  objectType: string;
  section: string;
  properties: string[];
  timestamps?: string[];
}

// §3.10 Predefined Object Extensions, tables of §6.7.2–§6.16.2.
const EXTENSION_ROWS: Record<string, ExtensionRow> = {
  'archive-ext': { objectType: 'file', section: '§6.7.2', properties: ['contains_refs', 'comment'] },
  'ntfs-ext': { objectType: 'file', section: '§6.7.3', properties: ['sid', 'alternate_data_streams'] },
  'pdf-ext': {
    objectType: 'file',
    section: '§6.7.4',
    properties: ['version', 'is_optimized', 'document_info_dict', 'pdfid0', 'pdfid1'],
  },
  'raster-image-ext': {
    objectType: 'file',
    section: '§6.7.5',
    properties: ['image_height', 'image_width', 'bits_per_pixel', 'exif_tags'],
  },
  'windows-pebinary-ext': {
    objectType: 'file',
    section: '§6.7.6',
    properties: [
      'pe_type', 'imphash', 'machine_hex', 'number_of_sections', 'time_date_stamp', 'pointer_to_symbol_table_hex',
      'number_of_symbols', 'size_of_optional_header', 'characteristics_hex', 'file_header_hashes', 'optional_header',
      'sections',
    ],
    timestamps: ['time_date_stamp'],
  },
  'http-request-ext': {
    objectType: 'network-traffic',
    section: '§6.12.2',
    properties: [
      'request_method', 'request_value', 'request_version', 'request_header', 'message_body_length',
      'message_body_data_ref',
    ],
  },
  'icmp-ext': { objectType: 'network-traffic', section: '§6.12.3', properties: ['icmp_type_hex', 'icmp_code_hex'] },
  'socket-ext': {
    objectType: 'network-traffic',
    section: '§6.12.4',
    properties: [
      'address_family', 'is_blocking', 'is_listening', 'options', 'socket_type', 'socket_descriptor', 'socket_handle',
    ],
  },
  'tcp-ext': { objectType: 'network-traffic', section: '§6.12.5', properties: ['src_flags_hex', 'dst_flags_hex'] },
  'windows-process-ext': {
    objectType: 'process',
    section: '§6.13.2',
    properties: ['aslr_enabled', 'dep_enabled', 'priority', 'owner_sid', 'windows_title', 'startup_info', 'integrity_level'],
  },
  'windows-service-ext': {
    objectType: 'process',
    section: '§6.13.3',
    properties: [
      'service_name', 'descriptions', 'display_name', 'group_name', 'start_type', 'service_dll_refs', 'service_type',
      'service_status',
    ],
  },
  'unix-account-ext': { objectType: 'user-account', section: '§6.16.2', properties: ['gid', 'groups', 'home_dir', 'shell'] },
};

export const PREDEFINED_EXTENSIONS: ReadonlyMap<string, PredefinedExtensionSpec> = new Map(
  Object.entries(EXTENSION_ROWS).map(([name, row]) => [
    name,
    {
      name,
      objectType: row.objectType,
      section: row.section,
      properties: new Set(row.properties),
      timestamps: toPaths(row.timestamps),
    },
  ]),
);

/** §10.5 extension-type-enum. */
export const EXTENSION_TYPES: ReadonlySet<string> = new Set([
  'new-sdo',
  'new-sco',
  'new-sro',
  'property-extension',
  'toplevel-property-extension',
]);

const NEW_OBJECT_CATEGORY: ReadonlyMap<string, StixCategory> = new Map<string, StixCategory>([
  ['new-sdo', 'sdo'],
  ['new-sco', 'sco'],
  ['new-sro', 'sro'],
]);

export const EXTENSION_DEFINITION_PREFIX = 'extension-definition--';

export function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The extension_type a custom object declares through an extension-definition-keyed
 * extension (`new-sdo`, `new-sco`, `new-sro`), if any (§7.3).
 */
export function declaredNewObjectType(obj: Readonly<Record<string, unknown>>): string | undefined {
  const extensions = obj.extensions;
  if (!isPlainObject(extensions)) return undefined;
  for (const key in extensions) {
    if (!key.startsWith(EXTENSION_DEFINITION_PREFIX)) continue;
    const value = extensions[key];
    if (isPlainObject(value) && typeof value.extension_type === 'string' && NEW_OBJECT_CATEGORY.has(value.extension_type)) {
      return value.extension_type;
    }
  }
  return undefined;
}

/**
 * The category of an object: from the specification for its type; for a custom object,
 * from a new-sdo/new-sco/new-sro extension it declares, else SDO-shaped when it carries
 * the versioning properties created/modified (SCOs are not versioned, §3.6) and SCO-shaped
 * otherwise. Undefined when `type` is not a string.
 */
export function categoryOf(obj: Readonly<Record<string, unknown>>): StixCategory | undefined {
  if (typeof obj.type !== 'string') return undefined;
  const spec = SPEC_TYPES.get(obj.type);
  if (spec) return spec.category;
  const declared = declaredNewObjectType(obj);
  if (declared !== undefined) return NEW_OBJECT_CATEGORY.get(declared);
  return obj.created !== undefined || obj.modified !== undefined ? 'sdo' : 'sco';
}
