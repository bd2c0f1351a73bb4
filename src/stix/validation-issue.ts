// One finding about one STIX object: where (a JSON pointer into the object), what, and
// which rule says so. Rendered for status messages as
//   indicator--…: /valid_until must be later than valid_from (STIX 2.1 §4.7)
export type Severity = 'error' | 'warning';

export interface ValidationIssue {
  severity: Severity;
  /** JSON pointer into the object (RFC 6901), e.g. `/valid_until`, `/external_references/0/url`; `` for the whole object. */
  path: string;
  /** A sentence fragment a publisher can act on, starting after the path: "must be later than valid_from". */
  message: string;
  /** Where the rule comes from: "STIX 2.1 §4.7", "OASIS STIX 2.1 JSON schema sdos/indicator.json". */
  source: string;
}

export function formatIssue(objectId: string, issue: ValidationIssue): string {
  const where = issue.path === '' ? '' : `${issue.path} `;
  return `${objectId}: ${where}${issue.message} (${issue.source})`;
}

const TILDE = /~/g;
const SLASH = /\//g;

/** One JSON pointer segment (RFC 6901): `~` and `/` escaped; most keys need nothing. */
export function pointerSegment(key: string): string {
  return key.indexOf('~') < 0 && key.indexOf('/') < 0 ? key : key.replace(TILDE, '~0').replace(SLASH, '~1');
}

/** JSON pointer for a property path. */
export function pointer(...segments: Array<string | number>): string {
  return segments.map((s) => `/${pointerSegment(String(s))}`).join('');
}
