// Deviations from the OASIS STIX 2.1 JSON schemas (schemas/stix/, kept byte-identical to
// upstream oasis-open/cti-stix2-json-schemas@3bf9e69): a table transcribed from the
// specification, one entry per patch, each with the spec text it follows. One section per
// patch in schemas/stix/CHANGES.md; how patches apply is schema-patch.ts.
import { definePatch, SchemaPatchError, type SchemaNode, type SchemaPatch } from './schema-patch';

// --- the upstream texts -------------------------------------------------------------

const TYPE_UPSTREAM = '^([a-z][a-z0-9]*)+(-[a-z0-9]+)*\\-?$';
const TYPE_FIXED = '^[a-z][a-z0-9]*(-[a-z0-9]+)*-?$';
const EXT_KEY_UPSTREAM = '^([a-z][a-z0-9]*)+(-[a-z0-9]+)*\\-ext$';
const EXT_KEY_FIXED = '^[a-z][a-z0-9]*(-[a-z0-9]+)*-ext$';

const IPV6_UPSTREAM =
  '^s*((([0-9A-Fa-f]{1,4}:){7}([0-9A-Fa-f]{1,4}|:))|(([0-9A-Fa-f]{1,4}:){6}(:[0-9A-Fa-f]{1,4}|((25[0-5]|2[0-4]d|1dd|[1-9]?d)(.(25[0-5]|2[0-4]d|1dd|[1-9]?d)){3})|:))|(([0-9A-Fa-f]{1,4}:){5}(((:[0-9A-Fa-f]{1,4}){1,2})|:((25[0-5]|2[0-4]d|1dd|[1-9]?d)(.(25[0-5]|2[0-4]d|1dd|[1-9]?d)){3})|:))|(([0-9A-Fa-f]{1,4}:){4}(((:[0-9A-Fa-f]{1,4}){1,3})|((:[0-9A-Fa-f]{1,4})?:((25[0-5]|2[0-4]d|1dd|[1-9]?d)(.(25[0-5]|2[0-4]d|1dd|[1-9]?d)){3}))|:))|(([0-9A-Fa-f]{1,4}:){3}(((:[0-9A-Fa-f]{1,4}){1,4})|((:[0-9A-Fa-f]{1,4}){0,2}:((25[0-5]|2[0-4]d|1dd|[1-9]?d)(.(25[0-5]|2[0-4]d|1dd|[1-9]?d)){3}))|:))|(([0-9A-Fa-f]{1,4}:){2}(((:[0-9A-Fa-f]{1,4}){1,5})|((:[0-9A-Fa-f]{1,4}){0,3}:((25[0-5]|2[0-4]d|1dd|[1-9]?d)(.(25[0-5]|2[0-4]d|1dd|[1-9]?d)){3}))|:))|(([0-9A-Fa-f]{1,4}:){1}(((:[0-9A-Fa-f]{1,4}){1,6})|((:[0-9A-Fa-f]{1,4}){0,4}:((25[0-5]|2[0-4]d|1dd|[1-9]?d)(.(25[0-5]|2[0-4]d|1dd|[1-9]?d)){3}))|:))|(:(((:[0-9A-Fa-f]{1,4}){1,7})|((:[0-9A-Fa-f]{1,4}){0,5}:((25[0-5]|2[0-4]d|1dd|[1-9]?d)(.(25[0-5]|2[0-4]d|1dd|[1-9]?d)){3}))|:)))(%.+)?s*(\\/(12[0-8]|1[0-1][0-9]|[1-9][0-9]|[0-9]))?$';

/**
 * The upstream IPv6 expression is a well-known one whose backslashes were lost: `d` for
 * `\d` and `.` for `\.` in the embedded dotted quad, `s*` for `\s*`. The digits and the dot
 * are restored; the whitespace allowance is dropped rather than restored, because an
 * address with surrounding blanks is not a valid value and `\s*` right after `(%.+)?`
 * would make the expression quadratic on long input.
 */
function fixIpv6(upstream: string): string {
  const octet = '(25[0-5]|2[0-4]d|1dd|[1-9]?d)';
  const parts = upstream.split(octet);
  if (parts.length !== 15) throw new Error(`ipv6-addr: expected 14 dotted-quad octets, found ${parts.length - 1}`);
  let fixed = parts.join('(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)');
  const dots = fixed.split('(.(25').length - 1;
  if (dots !== 7) throw new Error(`ipv6-addr: expected 7 unescaped dots, found ${dots}`);
  fixed = fixed.split('(.(25').join('(\\.(25');
  if (!fixed.startsWith('^s*') || !fixed.includes(')(%.+)?s*(\\/')) throw new Error('ipv6-addr: s* not where expected');
  return '^' + fixed.slice('^s*'.length).replace(')(%.+)?s*(\\/', ')(%.+)?(\\/');
}

const HIVE_UPSTREAM = '^HKLM|HKCC|HKCR|HKCU|HKU|hklm|hkcc|hkcr|hkcu|hku';
// Any capitalisation of an abbreviated hive, as the whole first path component.
const HIVE_FIXED = '^[Hh][Kk]([Ll][Mm]|[Cc][Cc]|[Cc][Rr]|[Cc][Uu]|[Uu])(\\\\|$)';

const SCO_TYPES =
  'artifact|directory|file|mutex|process|software|user-account|windows-registry-key|x509-certificate|autonomous-system|domain-name|email-addr|email-message|ipv4-addr|ipv6-addr|mac-addr|network-traffic|url';
const SDO_TYPES =
  'attack-pattern|campaign|course-of-action|grouping|identity|incident|indicator|infrastructure|intrusion-set|location|malware-analysis|malware|note|observed-data|opinion|report|threat-actor|tool|vulnerability';

const IDENTIFIER_UPSTREAM =
  '^[a-z][a-z0-9-]+[a-z0-9]--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$';

const HEADER_NAMES = 'date|received_lines|content_type|from_ref|sender_ref|to_refs|cc_refs|bcc_refs|subject';

const CPE_UPSTREAM =
  'cpe:2\\.3:[aho\\*\\-](:(((\\?*|\\*?)([a-zA-Z0-9\\-\\._]|(\\\\[\\\\\\*\\?!"#$$%&\'\\(\\)\\+,/:;<=>@\\[\\]\\^`\\{\\|}~]))+(\\?*|\\*?))|[\\*\\-])){5}(:(([a-zA-Z]{2,3}(-([a-zA-Z]{2}|[0-9]{3}))?)|[\\*\\-]))(:(((\\?*|\\*?)([a-zA-Z0-9\\-\\._]|(\\\\[\\\\\\*\\?!"#$$%&\'\\(\\)\\+,/:;<=>@\\[\\]\\^`\\{\\|}~]))+(\\?*|\\*?))|[\\*\\-])){4}';

// The same language without ambiguity: `(\?*|\*?)` (two ways to match nothing) becomes
// `(\?+|\*)?`, and a component that is a lone `-` is left to the value form, which admits it
// already; the alternative keeps only `*`. Upstream, each of the ten components can be
// matched in about five ways, so a value like `cpe:2.3:-:-:-:…` tries 5^10 of them.
const CPE_CHAR = '([a-zA-Z0-9\\-\\._]|(\\\\[\\\\\\*\\?!"#$$%&\'\\(\\)\\+,/:;<=>@\\[\\]\\^`\\{\\|}~]))';
const CPE_WILDCARDS = '(\\?+|\\*)?';
const CPE_COMPONENT = `(:((${CPE_WILDCARDS}${CPE_CHAR}+${CPE_WILDCARDS})|\\*))`;
const CPE_LANGUAGE = '(:(([a-zA-Z]{2,3}(-([a-zA-Z]{2}|[0-9]{3}))?)|[\\*\\-]))';
const CPE_FIXED = `^cpe:2\\.3:[aho\\*\\-]${CPE_COMPONENT}{5}${CPE_LANGUAGE}${CPE_COMPONENT}{4}$`;

const LANGUAGES_UPSTREAM =
  '^([a-z]{2}(-[A-Z]{2})?(-[a-z]{4})?(-[A-Z]{2}|[0-9]{3})?(-[a-z0-9]{5,8}|[0-9][a-z0-9]{3})*(-[a-z0-9]{1,8})*|[a-z]{3})$';
// RFC 5646 §2.1: every tag is 1–8 letters followed by hyphen-separated subtags of 1–8
// letters and digits, in any case. The full ABNF is checked by the language-tag rule.
const LANGUAGES_FIXED = '^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$';

const PROCESS_EXT = ['definitions', 'process-extensions-dictionary', 'patternProperties', '^windows-process-ext$'];
const WINDOWS_PROCESS_EXT_ANYOF = [
  { required: ['aslr_enabled'] },
  { required: ['dep_enabled'] },
  { required: ['priority'] },
  { required: ['owner_sid'] },
  { required: ['window_title'] },
  { required: ['startup_info'] },
];

const HEADER_FIELDS = ['definitions', 'email-additional-header-fields'];
const HEADER_VALUE = [...HEADER_FIELDS, 'patternProperties', '^[a-zA-Z0-9_-]{0,250}$', 'oneOf', 0, 'minItems'];
const OBJECTS_CUSTOM_TYPE = [
  'allOf', 1, 'properties', 'objects', 'patternProperties', '^.*$', 'oneOf', 0, 'allOf', 1, 'not', 'properties', 'type', 'pattern',
];
const OBJECT_REFS_NOT_SDO = ['allOf', 1, 'properties', 'object_refs', 'items', 'anyOf', 0, 'allOf', 1, 'not', 'pattern'];
const SOCKET_OPTIONS = [
  'definitions', 'network-traffic-extensions-dictionary', 'patternProperties', '^socket-ext$', 'properties', 'options', 'patternProperties',
];

// --- the patches, in the order they are applied ----------------------------------------

export const SCHEMA_PATCHES: readonly SchemaPatch[] = [
  definePatch({
    id: 'core-type-redos',
    file: 'common/core.json',
    description:
      'The `type` pattern nests a quantified group inside `+` and backtracks exponentially on a non-matching name ' +
      '(26 × "a" + "!" took 13 s, 40 characters never finished); `\\-` outside a class is also illegal with the ' +
      'unicode flag. Rewritten to the equivalent linear expression.',
    spec: 'STIX 2.1 §3.1 (type names: a–z, 0–9, hyphen, starting with a letter)',
    edits: [{ op: 'replace', at: ['properties', 'type', 'pattern'], upstream: TYPE_UPSTREAM, replacement: TYPE_FIXED }],
  }),
  definePatch({
    id: 'core-extension-key-redos',
    file: 'common/core.json',
    description:
      'The `extensions` key pattern for predefined extensions has the same exponential group (an extension key of ' +
      '26 × "a" took 2.8 s) and the same illegal `\\-`. Rewritten to the equivalent linear expression.',
    spec: 'STIX 2.1 §3.2 (extensions), §7.3',
    edits: [
      { op: 'rename-key', at: ['properties', 'extensions', 'patternProperties'], upstream: EXT_KEY_UPSTREAM, replacement: EXT_KEY_FIXED },
    ],
  }),
  definePatch({
    id: 'sco-core-type-redos',
    file: 'common/cyber-observable-core.json',
    description: 'Same exponential `type` pattern as in core.json (SCOs and custom SCO-shaped objects).',
    spec: 'STIX 2.1 §3.1',
    edits: [{ op: 'replace', at: ['properties', 'type', 'pattern'], upstream: TYPE_UPSTREAM, replacement: TYPE_FIXED }],
  }),
  definePatch({
    id: 'sco-core-extension-key-redos',
    file: 'common/cyber-observable-core.json',
    description: 'Same exponential `extensions` key pattern as in core.json.',
    spec: 'STIX 2.1 §3.2, §7.3',
    edits: [
      { op: 'rename-key', at: ['properties', 'extensions', 'patternProperties'], upstream: EXT_KEY_UPSTREAM, replacement: EXT_KEY_FIXED },
    ],
  }),
  definePatch({
    id: 'properties-name-anchored',
    file: 'common/properties.json',
    description:
      '`^([a-z][a-z0-9_]{2,249})|id$` is an unanchored alternation: it admits any name that merely starts with three ' +
      'lowercase characters (`abcDEF`, `x_foo-bar`) or ends in `id` (`Xid`). Anchored as one group.',
    spec: 'STIX 2.1 §3.1 (property names: a–z, 0–9, underscore, starting with a letter, 3–250 characters)',
    edits: [
      {
        op: 'rename-key',
        at: ['patternProperties'],
        upstream: '^([a-z][a-z0-9_]{2,249})|id$',
        replacement: '^([a-z][a-z0-9_]{2,249}|id)$',
      },
    ],
  }),
  definePatch({
    id: 'external-reference-hash-names-anchored',
    file: 'common/external-reference.json',
    description:
      'The hash-name list is an unanchored alternation: any key starting with `MD5`, ending with `TLSH` or containing ' +
      '`SHA-1` etc. passed. Anchored so that the key must be one of the hash-algorithm-ov names.',
    spec: 'STIX 2.1 §2.5.1 (hashes: keys MUST come from hash-algorithm-ov), §10.7',
    edits: [
      {
        op: 'replace',
        at: ['properties', 'hashes', 'allOf', 1, 'propertyNames', 'pattern'],
        upstream: '^MD5|SHA-1|SHA-256|SHA-512|SHA3-256|SHA3-512|SSDEEP|TLSH$',
        replacement: '^(MD5|SHA-1|SHA-256|SHA-512|SHA3-256|SHA3-512|SSDEEP|TLSH)$',
      },
    ],
  }),
  definePatch({
    id: 'granular-marking-lang-or-marking-ref',
    file: 'common/granular-marking.json',
    description:
      '`marking_ref` is required, so language markings (`lang` instead of `marking_ref`) are refused and a marking ' +
      'with both is accepted. Now exactly one of the two is required.',
    spec: 'STIX 2.1 §7.2.3 ("one and only one of these properties MUST be present")',
    edits: [
      { op: 'replace', at: ['required'], upstream: ['selectors', 'marking_ref'], replacement: ['selectors'] },
      { op: 'add', at: ['oneOf'], replacement: [{ required: ['marking_ref'] }, { required: ['lang'] }] },
    ],
  }),
  definePatch({
    id: 'granular-marking-selector-dictionary-keys',
    file: 'common/granular-marking.json',
    description:
      'Selector components after the first allow only lowercase, but they can be dictionary keys, which may contain ' +
      'A–Z (e.g. `hashes.SHA-256`). Uppercase letters are allowed after the first component.',
    spec: 'STIX 2.1 §7.2.3.1 (selector components are property names or dictionary keys), §2.3',
    edits: [
      {
        op: 'replace',
        at: ['properties', 'selectors', 'items', 'pattern'],
        upstream: '^([a-z0-9_-]{3,249}(\\.(\\[\\d+\\]|[a-z0-9_-]{1,250}))*|id)$',
        replacement: '^([a-z0-9_-]{3,249}(\\.(\\[\\d+\\]|[a-zA-Z0-9_-]{1,250}))*|id)$',
      },
    ],
  }),
  definePatch({
    id: 'marking-definition-type-anchored',
    file: 'common/marking-definition.json',
    description:
      '`^(statement)|(tlp)$` is an unanchored alternation, so the "other marking types" branch refused every ' +
      '`definition_type` starting with `statement` or ending with `tlp`. Anchored as one group.',
    spec: 'STIX 2.1 §7.2.1 (definition_type is an open string; statement and tlp have their own branches)',
    edits: [
      {
        op: 'replace',
        at: ['oneOf', 0, 'oneOf', 1, 'properties', 'definition_type', 'not', 'pattern'],
        upstream: '^(statement)|(tlp)$',
        replacement: '^(statement|tlp)$',
      },
    ],
  }),
  definePatch({
    id: 'observed-data-custom-sco-types-anchored',
    file: 'sdos/observed-data.json',
    description:
      'In `objects`, the custom-SCO branch excludes the standard SCO types with an unanchored alternation, so every ' +
      'custom type containing `file`, `process`, `url`, … (e.g. `x-file-info`) matched no branch at all. Anchored.',
    spec: 'STIX 2.1 §4.14.1 (objects, deprecated), §11.2 (custom objects)',
    edits: [{ op: 'replace', at: OBJECTS_CUSTOM_TYPE, upstream: `^${SCO_TYPES}$`, replacement: `^(${SCO_TYPES})$` }],
  }),
  definePatch({
    id: 'observed-data-object-refs-sdo-prefix',
    file: 'sdos/observed-data.json',
    description:
      'The SDO exclusion in `object_refs` tests the type name without the `--` that ends it, so a reference to a custom ' +
      'SCO whose type starts with an SDO name (`tool-output--…`, `note-pad--…`) was refused. The `--` is required.',
    spec: 'STIX 2.1 §4.14.1 (object_refs: SCOs and SROs)',
    edits: [{ op: 'replace', at: OBJECT_REFS_NOT_SDO, upstream: `^(${SDO_TYPES})`, replacement: `^(${SDO_TYPES})--` }],
  }),
  definePatch({
    id: 'email-additional-header-fields-forbidden-names',
    file: 'observables/email-message.json',
    description:
      'The forbidden header names are an unanchored alternation inside `not { patternProperties, additionalProperties: ' +
      'false }`, which refuses the dictionary only when every key matches, and then also keys that merely start with ' +
      '`date` or end with `subject`. Replaced by `propertyNames` with the anchored list: no key may be one of the names.',
    spec: 'STIX 2.1 §6.6.1 (additional_header_fields: other header fields, except date, …, subject)',
    edits: [
      {
        op: 'remove',
        at: [...HEADER_FIELDS, 'not'],
        upstream: {
          patternProperties: { [`^${HEADER_NAMES}$`]: { description: 'Invalid additional header field types' } },
          additionalProperties: false,
        },
      },
      { op: 'add', at: [...HEADER_FIELDS, 'propertyNames'], replacement: { not: { pattern: `^(${HEADER_NAMES})$` } } },
    ],
  }),
  definePatch({
    id: 'email-additional-header-fields-single-value',
    file: 'observables/email-message.json',
    description:
      'A header value given as a list must have at least two items, yet the specification says values MUST always be ' +
      'lists, so a header that occurs once (`["inline"]`) was refused. One item is enough.',
    spec: 'STIX 2.1 §6.6.1 (additional_header_fields values are lists of strings), §2.12',
    edits: [{ op: 'replace', at: HEADER_VALUE, upstream: 2, replacement: 1 }],
  }),
  definePatch({
    id: 'ipv6-addr-escapes',
    file: 'observables/ipv6-addr.json',
    description:
      'The expression lost its backslashes: `d` instead of `\\d` and `.` instead of `\\.` in the embedded IPv4 part ' +
      '(so `::ffff:192.0.2.128` was refused), `s*` instead of `\\s*` (so `ss::1ss` was accepted, and the `s*` after ' +
      '`(%.+)?` made it quadratic). Digits and dots restored; the whitespace allowance dropped.',
    spec: 'STIX 2.1 §6.9.1 (value: IPv6 address, optionally CIDR), RFC 4291 §2.2',
    edits: [
      { op: 'replace', at: ['allOf', 1, 'properties', 'value', 'pattern'], upstream: IPV6_UPSTREAM, replacement: fixIpv6(IPV6_UPSTREAM) },
    ],
  }),
  definePatch({
    id: 'socket-ext-option-names-digits',
    file: 'observables/network-traffic.json',
    description:
      'Socket option names may contain digits (`IPV6_V6ONLY`), but the key pattern allowed only letters after the ' +
      'first underscore, and the dictionary admits no other keys.',
    spec: 'STIX 2.1 §6.12.4 (options: keys SHOULD be the option names, e.g. SO_ACCEPTCONN)',
    edits: [
      {
        op: 'rename-key',
        at: SOCKET_OPTIONS,
        upstream: '^(SO|ICMP|ICMP6|IP|IPV6|MCAST|TCP|IRLMP)(_[A-Z]+)+$',
        replacement: '^(SO|ICMP|ICMP6|IP|IPV6|MCAST|TCP|IRLMP)(_[A-Z0-9]+)+$',
      },
    ],
  }),
  definePatch({
    id: 'process-created-time',
    file: 'observables/process.json',
    description:
      'The "at least one property" list names `created` (the STIX 2.0 name) instead of `created_time`, so a process ' +
      'with only `created_time` was refused.',
    spec: 'STIX 2.1 §6.13 ("MUST contain at least one property … from this object"), §6.13.1',
    edits: [{ op: 'replace', at: ['anyOf', 4], upstream: { required: ['created'] }, replacement: { required: ['created_time'] } }],
  }),
  definePatch({
    id: 'process-windows-process-ext-integrity-level',
    file: 'observables/process.json',
    description:
      'The "at least one property" list of windows-process-ext omits `integrity_level`, so an extension with only ' +
      'that property was refused.',
    spec: 'STIX 2.1 §6.13.2 ("MUST contain at least one property from this extension")',
    edits: [
      {
        op: 'replace',
        at: [...PROCESS_EXT, 'allOf', 1, 'anyOf'],
        upstream: WINDOWS_PROCESS_EXT_ANYOF,
        replacement: [...WINDOWS_PROCESS_EXT_ANYOF, { required: ['integrity_level'] }],
      },
    ],
  }),
  definePatch({
    id: 'process-startup-info-keys-anchored',
    file: 'observables/process.json',
    description:
      'The three STARTUPINFO key lists are unanchored alternations, so keys merely containing a member name ' +
      '(`lpTitleX`, `xdwFlags`) passed and got that member\'s type, and `cbReserved2` also matched `^cb`. Anchored.',
    spec: 'STIX 2.1 §6.13.2 (startup_info: the STARTUPINFO member names)',
    edits: [
      {
        op: 'rename-key',
        at: ['definitions', 'startup-info-dictionary', 'patternProperties'],
        upstream: '^lpDesktop|lpTitle|dwFillAttribute|dwFlags|wShowWindow|hStdInput|hStdOutput|hStdError$',
        replacement: '^(lpDesktop|lpTitle|dwFillAttribute|dwFlags|wShowWindow|hStdInput|hStdOutput|hStdError)$',
      },
      {
        op: 'rename-key',
        at: ['definitions', 'startup-info-dictionary', 'patternProperties'],
        upstream: '^lpReserved|lpReserved2$',
        replacement: '^(lpReserved|lpReserved2)$',
      },
      {
        op: 'rename-key',
        at: ['definitions', 'startup-info-dictionary', 'patternProperties'],
        upstream: '^cb|dwX|dwY|dwXSize|dwYSize|dwXCountChars|dwYCountChars$',
        replacement: '^(cb|dwX|dwY|dwXSize|dwYSize|dwXCountChars|dwYCountChars)$',
      },
    ],
  }),
  definePatch({
    id: 'software-languages-rfc5646',
    file: 'observables/software.json',
    description:
      'The language pattern refuses valid RFC 5646 tags (`zh-Hant`, `sr-Latn-RS`, `yue-HK`) and is polynomial: two ' +
      'overlapping repeated groups took 10 s on `en` + 16,000 × `-aaaaa`. Replaced by the linear RFC 5646 tag shape.',
    spec: 'STIX 2.1 §6.14.1 (languages: RFC 5646 language codes), RFC 5646 §2.1',
    edits: [
      {
        op: 'replace',
        at: ['allOf', 1, 'properties', 'languages', 'items', 'pattern'],
        upstream: LANGUAGES_UPSTREAM,
        replacement: LANGUAGES_FIXED,
      },
    ],
  }),
  definePatch({
    id: 'software-cpe-redos',
    file: 'observables/software.json',
    description:
      'The CPE 2.3 expression comes from the NIST XML schema, where patterns are implicitly anchored; unanchored it ' +
      'accepts any text that contains a CPE and is retried at every `cpe:2.3:` of the value (0.8 s on 100 KB). Its ' +
      'components can also be matched in several ways each (`(\\?*|\\*?)` matches nothing twice, a lone `-` is both a ' +
      'value and the NA symbol), so `cpe:2.3:-:-:-:…` took 76 ms even anchored. Anchored at both ends and rewritten ' +
      'without the ambiguity (the same language).',
    spec: 'STIX 2.1 §6.14.1 (cpe: a CPE v2.3 entry), NISTIR 7695 §6.2 (formatted string binding)',
    edits: [{ op: 'replace', at: ['allOf', 1, 'properties', 'cpe', 'pattern'], upstream: CPE_UPSTREAM, replacement: CPE_FIXED }],
  }),
  definePatch({
    id: 'windows-registry-key-abbreviated-hive',
    file: 'observables/windows-registry-key.json',
    description:
      'The abbreviated-hive exclusion is an unanchored alternation, so any key merely containing `HKCU`, `hku`, … ' +
      'anywhere was refused. Now only a key whose first component is an abbreviated hive (any case) is refused.',
    spec: 'STIX 2.1 §6.17.1 ("The hive portion of the key MUST be fully expanded and not truncated")',
    edits: [{ op: 'replace', at: ['allOf', 1, 'properties', 'key', 'not', 'pattern'], upstream: HIVE_UPSTREAM, replacement: HIVE_FIXED }],
  }),
  definePatch({
    id: 'windows-registry-key-modified-time',
    file: 'observables/windows-registry-key.json',
    description:
      'The "at least one property" list names `modified` (the STIX 2.0 name) instead of `modified_time`, so a key with ' +
      'only `modified_time` was refused.',
    spec: 'STIX 2.1 §6.17 ("at least one of the properties defined below MUST be included")',
    edits: [{ op: 'replace', at: ['anyOf', 2], upstream: { required: ['modified'] }, replacement: { required: ['modified_time'] } }],
  }),
  definePatch({
    id: 'hashes-tlsh-t1-prefix',
    file: 'common/hashes-type.json',
    description:
      'TLSH digests of version 4 and later are written with a `T1` prefix (72 characters), which the 70-character ' +
      'pattern refused. The prefix is allowed.',
    spec: 'STIX 2.1 §2.7, §10.7 (hash-algorithm-ov: TLSH)',
    edits: [
      {
        op: 'replace',
        at: ['patternProperties', '^TLSH$', 'pattern'],
        upstream: '^[a-zA-Z0-9]{70}$',
        replacement: '^(T1)?[a-zA-Z0-9]{70}$',
      },
    ],
  }),
  definePatch({
    id: 'core-properties-by-rules',
    file: 'common/core.json',
    description:
      'At the top level of an object, `common/properties.json` tests every member name against three patterns and ' +
      'every value against six alternative types (with allErrors, each alternative that fails builds an error ' +
      'object), about two thirds of the schema time per object. Rules make the same checks, under every policy as ' +
      'the schemas do (tier `schema`): property-names (3–250 characters of a–z, 0–9 and _, starting with a letter) ' +
      'and property-values (no null, no empty list, a `*_hex` value is hex, a `*_bin` value is base64). ' +
      '`properties.json` still applies inside extensions.',
    spec: 'STIX 2.1 §3.1 (property names; `_hex`, `_bin`), §2.1, §2.8, §2.12',
    edits: [{ op: 'remove', at: ['allOf'], upstream: [{ $ref: '../common/properties.json' }] }],
  }),
  definePatch({
    id: 'sco-core-properties-by-rules',
    file: 'common/cyber-observable-core.json',
    description:
      'The same for SCOs, custom SCO-shaped objects and the objects of an observed-data container (which the rules ' +
      'check as well).',
    spec: 'STIX 2.1 §3.1, §2.1, §2.8, §2.12, §2.13',
    edits: [{ op: 'remove', at: ['allOf'], upstream: [{ $ref: '../common/properties.json' }] }],
  }),
  definePatch({
    id: 'identifier-syntax-by-rules',
    file: 'common/identifier.json',
    description:
      'The identifier pattern backtracks over the whole UUID at every `id` and every reference (about a fifth of ' +
      'the schema time once properties.json is gone), and the rules test the same identifiers again. It is removed; ' +
      'the value must still be a string. The rules are at least as strict: identifier-format checks every `id` ' +
      '(also of the objects of an observed-data container) and embedded-references and ' +
      'observable-container-references every reference this schema was used for, under every policy (under the ' +
      'permissive policy, the syntax only).',
    spec: 'STIX 2.1 §2.9 (identifier: <object-type>--<UUID>, RFC 4122)',
    edits: [
      {
        op: 'remove',
        at: ['pattern'],
        upstream: IDENTIFIER_UPSTREAM,
      },
    ],
  }),
];

/**
 * Applies every patch to the parsed schema files, keyed by their path below schemas/stix
 * (`common/core.json`). Throws when a patch's file is missing or its upstream text is not
 * found.
 */
export function applySchemaPatches(files: ReadonlyMap<string, SchemaNode>, patches: readonly SchemaPatch[] = SCHEMA_PATCHES): void {
  for (const patch of patches) {
    const schema = files.get(patch.file);
    if (schema === undefined) throw new SchemaPatchError(patch.id, patch.file, 'file not loaded');
    patch.apply(schema);
  }
}
