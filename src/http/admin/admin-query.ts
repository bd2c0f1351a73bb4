// Admin query strings, parsed strictly: an unknown or repeated parameter, or a malformed
// value, is a 400 naming every problem; nothing is guessed.
import type { Request } from 'express';
import type { AuditKind, AuditQuery } from '../../directory/records';
import { rawQueryOf } from '../../taxii/query-params';
import { badRequestProblem } from './admin-problem';
import { SLUG } from '../../directory/names';
import { isStixId } from '../../vocabulary/stix-id';
import { parseRfc3339Millis } from '../../vocabulary/time';

export const AUDIT_LIMIT_DEFAULT = 100;
export const AUDIT_LIMIT_MAX = 1000;
const AUDIT_KINDS: readonly AuditKind[] = ['admin', 'publish', 'read'];
const ACTION = /^[a-z][a-z0-9_.-]{0,63}$/;
const COLLECTION_ID = /^[A-Za-z0-9][A-Za-z0-9._~-]{0,127}$/;
const SEQ = /^(0|[1-9]\d{0,14})$/;

/** The query's parameters (each at most once, all in `allowed`). */
export function queryOf(req: Request, allowed: readonly string[]): Map<string, string> {
  const problems: string[] = [];
  const out = new Map<string, string>();
  for (const [name, values] of rawQueryOf(req.originalUrl)) {
    if (!allowed.includes(name)) problems.push(`unknown parameter '${name}'${allowed.length > 0 ? ` (this endpoint takes ${allowed.join(', ')})` : ''}`);
    else if (values.length > 1) problems.push(`parameter '${name}' is given ${values.length} times`);
    else out.set(name, values[0] as string);
  }
  if (problems.length > 0) throw badRequestProblem('The query string is invalid.', problems);
  return out;
}

export function parseAuditQuery(req: Request): AuditQuery {
  const q = queryOf(req, ['kind', 'member', 'collection', 'action', 'since', 'until', 'limit', 'after']);
  const problems: string[] = [];
  const query: AuditQuery = { limit: AUDIT_LIMIT_DEFAULT };
  const check = (name: string, ok: (v: string) => boolean, what: string, set: (v: string) => void) => {
    const v = q.get(name);
    if (v === undefined) return;
    if (ok(v)) set(v);
    else problems.push(`'${name}' must be ${what}`);
  };
  check('kind', (v) => (AUDIT_KINDS as readonly string[]).includes(v), AUDIT_KINDS.join(', '), (v) => (query.kind = v as AuditKind));
  check('member', (v) => SLUG.test(v), 'a member id', (v) => (query.memberId = v));
  check('collection', (v) => COLLECTION_ID.test(v), 'a collection id', (v) => (query.collectionId = v));
  check('action', (v) => ACTION.test(v), 'an action such as member.create', (v) => (query.action = v));
  check('since', (v) => parseRfc3339Millis(v) !== undefined, 'an RFC 3339 date-time', (v) => (query.since = parseRfc3339Millis(v)));
  check('until', (v) => parseRfc3339Millis(v) !== undefined, 'an RFC 3339 date-time', (v) => (query.until = parseRfc3339Millis(v)));
  check(
    'limit',
    (v) => SEQ.test(v) && Number(v) >= 1 && Number(v) <= AUDIT_LIMIT_MAX,
    `an integer from 1 to ${AUDIT_LIMIT_MAX}`,
    (v) => (query.limit = Number(v)),
  );
  check('after', (v) => SEQ.test(v), 'a sequence number (the `next` of the previous page)', (v) => (query.afterSeq = Number(v)));
  if (query.since !== undefined && query.until !== undefined && query.since > query.until) problems.push("'since' is after 'until'");
  if (problems.length > 0) throw badRequestProblem('The query string is invalid.', problems);
  return query;
}

/** `GET /explain?member=M&object=ID`: both required. */
export function parseExplainQuery(req: Request): { member: string; object: string } {
  const q = queryOf(req, ['member', 'object']);
  const problems: string[] = [];
  const member = q.get('member');
  const object = q.get('object');
  if (member === undefined) problems.push("'member' is required");
  else if (!SLUG.test(member)) problems.push("'member' must be a member id");
  if (object === undefined) problems.push("'object' is required");
  else if (!isStixId(object, 'stix')) problems.push("'object' must be a STIX identifier (type--UUID)");
  if (problems.length > 0) throw badRequestProblem('The query string is invalid.', problems);
  return { member: member as string, object: object as string };
}

/** `GET /simulate?member=M`: required. */
export function parseSimulateQuery(req: Request): { member: string } {
  const member = queryOf(req, ['member']).get('member');
  if (member === undefined) throw badRequestProblem('The query string is invalid.', ["'member' is required"]);
  if (!SLUG.test(member)) throw badRequestProblem('The query string is invalid.', ["'member' must be a member id"]);
  return { member };
}
