// The invariants of a directory, checked on the directory a change would produce: every
// reference resolves, every name that must be unique is. One function for every way the
// directory changes, so the API, the CLI and `config apply` cannot disagree.
import { MARKING_LEVELS, type Mou } from '../directory/mou';
import type { DirectoryData } from '../directory/records';
import { SLUG } from '../directory/names';
import { isUuid, parseStixId } from '../vocabulary/stix-id';

/** Paths the server itself uses next to API roots. */
export const RESERVED_ROOT_PATHS = new Set(['taxii2', 'healthz', 'readyz', 'admin', 'metrics']);
export const ROOT_PATH = /^[A-Za-z0-9][A-Za-z0-9._~-]{0,62}$/;
export const ALIAS = /^[A-Za-z0-9][A-Za-z0-9._~-]{0,127}$/;
/** A STIX type name (STIX 2.1 §3.1: 3–250 characters, lower case, digits, hyphens). */
export const STIX_TYPE = /^[a-z0-9][a-z0-9-]{1,248}[a-z0-9]$/;
/** A property name pattern to strip (`x_internal_*`). */
export const STRIP_GLOB = /^[a-z0-9_*]{1,250}$/;
export const MAX_EMBARGO_HOURS = 8760;
export const MAX_REFERENCE_URL_PATTERN = 200;

function duplicates(values: string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const v of values) (seen.has(v) ? dup : seen).add(v);
  return [...dup];
}

export function checkDirectory(data: DirectoryData): string[] {
  const problems: string[] = [];
  const roots = new Set(data.apiRoots.map((r) => r.path));
  const members = new Set(data.members.map((m) => m.id));
  const groups = new Set(data.groups.map((g) => g.id));
  const collections = new Set(data.collections.map((c) => c.id));

  for (const p of duplicates(data.apiRoots.map((r) => r.path))) problems.push(`API root '${p}' is declared twice`);
  for (const r of data.apiRoots) {
    if (!ROOT_PATH.test(r.path)) problems.push(`API root path '${r.path}' must be one URL segment of letters, digits, '.', '_', '~' or '-'`);
    if (RESERVED_ROOT_PATHS.has(r.path)) problems.push(`API root path '${r.path}' is reserved`);
    if (!Number.isInteger(r.maxContentLength) || r.maxContentLength < 1) problems.push(`API root '${r.path}': max_content_length must be a positive integer`);
  }
  for (const id of duplicates(data.collections.map((c) => c.id))) problems.push(`collection ${id} is declared twice`);
  for (const c of data.collections) {
    // TAXII 2.1 §5.2.1: a collection's id is a UUID (Sentinel asks for v4; any RFC 4122 version is accepted).
    if (!isUuid(c.id)) problems.push(`collection id '${c.id}' must be a lower-case UUID`);
    if (!roots.has(c.apiRoot)) problems.push(`collection ${c.id}: API root '${c.apiRoot}' does not exist`);
    if (c.alias !== undefined && !ALIAS.test(c.alias)) problems.push(`collection ${c.id}: alias '${c.alias}' must be URL-safe`);
    if (c.alias !== undefined && isUuid(c.alias)) problems.push(`collection ${c.id}: an alias may not look like a collection id`);
    if (c.owner !== undefined && !members.has(c.owner)) problems.push(`collection ${c.id}: owner '${c.owner}' is not a member`);
  }
  for (const root of roots) {
    const aliases = data.collections.filter((c) => c.apiRoot === root && c.alias !== undefined).map((c) => c.alias as string);
    for (const a of duplicates(aliases)) problems.push(`API root '${root}': alias '${a}' is used by two collections`);
  }
  for (const id of duplicates(data.members.map((m) => m.id))) problems.push(`member '${id}' is declared twice`);
  for (const m of data.members) {
    if (!SLUG.test(m.id)) problems.push(`member id '${m.id}' must be a lower-case slug (letters, digits, '.', '_', '-')`);
    if (m.identityRef !== undefined && parseStixId(m.identityRef, 'canonical')?.type !== 'identity') {
      problems.push(`member '${m.id}': identity_ref must be an identity--<UUID> identifier`);
    }
    for (const g of m.groups) if (!groups.has(g)) problems.push(`member '${m.id}': group '${g}' does not exist`);
  }
  for (const id of duplicates(data.groups.map((g) => g.id))) problems.push(`group '${id}' is declared twice`);
  for (const g of data.groups) if (!SLUG.test(g.id)) problems.push(`group id '${g.id}' must be a lower-case slug`);
  for (const c of data.credentials) {
    if (!members.has(c.memberId)) problems.push(`credential ${c.prefix}: member '${c.memberId}' does not exist`);
  }
  const live = data.credentials.filter((c) => c.revokedAt === undefined && c.kind === 'password').map((c) => c.username ?? '');
  for (const u of duplicates(live)) problems.push(`username '${u}' is already in use`);
  for (const a of data.acl) {
    if (!collections.has(a.collectionId)) problems.push(`ACL entry '${a.grantee}': collection ${a.collectionId} does not exist`);
    const [kind, id] = a.grantee === 'everyone' ? ['everyone', ''] : a.grantee.split(':', 2);
    if (kind === 'member' && !members.has(id ?? '')) problems.push(`ACL entry on ${a.collectionId}: member '${id}' does not exist`);
    else if (kind === 'group' && !groups.has(id ?? '')) problems.push(`ACL entry on ${a.collectionId}: group '${id}' does not exist`);
    else if (kind !== 'member' && kind !== 'group' && kind !== 'everyone') {
      problems.push(`ACL entry on ${a.collectionId}: grantee '${a.grantee}' must be member:<id>, group:<id> or everyone`);
    }
    if (!a.read && !a.write) problems.push(`ACL entry '${a.grantee}' on ${a.collectionId} grants nothing (revoke it instead)`);
  }
  for (const id of duplicates(data.mous.map((m) => m.memberId))) problems.push(`member '${id}' has two MOUs`);
  for (const mou of data.mous) problems.push(...mouProblems(mou, members, groups));
  return problems;
}

const LEVELS: ReadonlySet<string> = new Set(MARKING_LEVELS);

/** The problems of one MOU against the members and groups of the directory. */
export function mouProblems(mou: Mou, members: ReadonlySet<string>, groups: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const where = `MOU of '${mou.memberId}'`;
  if (!members.has(mou.memberId)) problems.push(`${where}: member '${mou.memberId}' does not exist`);
  const audience = (a: string, field: string) => {
    if (a === 'everyone') return;
    const at = a.indexOf(':');
    const kind = a.slice(0, at);
    const id = a.slice(at + 1);
    if (at < 0 || (kind !== 'member' && kind !== 'group')) problems.push(`${where}: ${field} '${a}' must be everyone, group:<id> or member:<id>`);
    else if (kind === 'member' && !members.has(id)) problems.push(`${where}: ${field} names member '${id}', which does not exist`);
    else if (kind === 'group' && !groups.has(id)) problems.push(`${where}: ${field} names group '${id}', which does not exist`);
  };
  const marking = (m: string, field: string) => {
    if (!LEVELS.has(m)) problems.push(`${where}: ${field} '${m}' is not a marking level (${MARKING_LEVELS.join(', ')})`);
  };
  const types = (list: readonly string[] | undefined, field: string) => {
    for (const t of list ?? []) if (t !== '*' && !STIX_TYPE.test(t)) problems.push(`${where}: ${field} '${t}' is not a STIX type name or '*'`);
  };
  const { provide, receive } = mou;
  marking(provide.defaultMarking, 'provide.default_marking');
  provide.audiences.forEach((clause, i) => {
    const field = `provide.audiences[${i}]`;
    for (const m of clause.markings ?? []) marking(m, `${field}.markings`);
    types(clause.types, `${field}.types`);
    if (clause.to.length === 0) problems.push(`${where}: ${field}.to names nobody`);
    for (const a of clause.to) audience(a, `${field}.to`);
    for (const a of clause.except ?? []) audience(a, `${field}.except`);
  });
  if (!['keep', 'pseudonymise', 'hub'].includes(provide.attribution)) problems.push(`${where}: provide.attribution must be keep, pseudonymise or hub`);
  for (const s of provide.strip) if (!STRIP_GLOB.test(s)) problems.push(`${where}: provide.strip '${s}' must be a property name, '*' matching any run`);
  for (const u of provide.stripReferenceUrls) {
    if (u.length > MAX_REFERENCE_URL_PATTERN) problems.push(`${where}: provide.strip_reference_urls: a pattern is at most ${MAX_REFERENCE_URL_PATTERN} characters`);
    else {
      try {
        new RegExp(u);
      } catch (e) {
        problems.push(`${where}: provide.strip_reference_urls '${u}' is not a regular expression (${(e as Error).message})`);
      }
    }
  }
  if (typeof provide.embargoHours !== 'number' || !Number.isFinite(provide.embargoHours) || provide.embargoHours < 0 || provide.embargoHours > MAX_EMBARGO_HOURS) {
    problems.push(`${where}: provide.embargo_hours must be between 0 and ${MAX_EMBARGO_HOURS}`);
  }
  if (provide.embargoUntilReleased !== undefined && typeof provide.embargoUntilReleased !== 'boolean') {
    problems.push(`${where}: provide.embargo_until_released must be true or false`);
  }
  if (provide.redactReferences !== undefined && provide.redactReferences !== 'redact' && provide.redactReferences !== 'withhold') {
    problems.push(`${where}: provide.redact_references must be redact or withhold`);
  }
  types(receive.types, 'receive.types');
  marking(receive.markingCeiling, 'receive.marking_ceiling');
  for (const a of receive.sources ?? []) audience(a, 'receive.sources');
  return problems;
}
