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

/** JSON pointer for a property path, escaping `~` and `/` (RFC 6901). */
export function pointer(...segments: Array<string | number>): string {
  return segments.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}
