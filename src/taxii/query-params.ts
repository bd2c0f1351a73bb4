// TAXII 2.1 §3.4 filtering parameters, parsed strictly: a malformed value is a 400,
// never a guess. Unknown parameters and unknown match fields are ignored (§3.4 "servers
// MAY ignore fields they do not understand"); a repeated parameter is refused (§3.4:
// each field MUST NOT occur more than once).
import type { VersionSelector } from '../store/store';
import { badRequest } from './taxii-error';
import { parseRfc3339Micros, versionKey } from '../vocabulary/time';
import { isStixId } from '../vocabulary/stix-id';

export type RawQuery = ReadonlyMap<string, readonly string[]>;

/** Which parameters an endpoint understands (§5.3, §5.4, §5.6, §5.7, §5.8). */
export interface EndpointParams {
  paging: boolean;
  id: boolean;
  type: boolean;
  version: boolean;
  specVersion: boolean;
}

export const OBJECTS_PARAMS: EndpointParams = { paging: true, id: true, type: true, version: true, specVersion: true };
export const OBJECT_PARAMS: EndpointParams = { paging: true, id: false, type: false, version: true, specVersion: true };
export const VERSIONS_PARAMS: EndpointParams = { paging: true, id: false, type: false, version: false, specVersion: true };
export const DELETE_PARAMS: EndpointParams = { paging: false, id: false, type: false, version: true, specVersion: true };

export interface Filters {
  addedAfter?: number;
  limit?: number;
  next?: string;
  ids?: string[];
  types?: string[];
  /** Undefined when the request did not say (each endpoint has its own default). */
  versions?: VersionSelector;
  specVersions?: string[];
}

const MAX_VALUES_PER_FIELD = 1000;
const STIX_TYPE = /^[a-z0-9][a-z0-9-]{0,249}$/;
const SPEC_VERSION = /^\d{1,3}\.\d{1,3}$/;
const MATCH_KEY = /^match\[([a-z_]+)\]$/;

export function parseFilters(query: RawQuery, allowed: EndpointParams): Filters {
  const filters: Filters = {};
  for (const [key, values] of query) {
    if (key.startsWith('match[') || key.startsWith('match%5B')) {
      const m = MATCH_KEY.exec(key);
      if (!m) throw badRequest(`Malformed filter parameter '${truncate(key)}': expected match[<field>].`);
      const field = m[1] as string;
      const value = single(key, values);
      if (field === 'id' && allowed.id) filters.ids = splitValues(key, value, (v) => isStixId(v, 'addressable'), 'a STIX identifier');
      else if (field === 'type' && allowed.type) filters.types = splitValues(key, value, (v) => STIX_TYPE.test(v), 'a STIX type');
      else if (field === 'version' && allowed.version) filters.versions = parseVersions(key, value);
      else if (field === 'spec_version' && allowed.specVersion)
        filters.specVersions = splitValues(key, value, (v) => SPEC_VERSION.test(v), 'a STIX specification version such as 2.1');
      continue;
    }
    if (!allowed.paging) continue;
    if (key === 'added_after') {
      const value = single(key, values);
      const micros = parseRfc3339Micros(value);
      if (micros === undefined) throw badRequest(`added_after must be an RFC 3339 timestamp, got '${truncate(value)}'.`);
      filters.addedAfter = micros;
    } else if (key === 'limit') {
      const value = single(key, values);
      if (!/^\d{1,15}$/.test(value) || Number(value) < 1) {
        throw badRequest(`limit must be a positive integer, got '${truncate(value)}'.`);
      }
      filters.limit = Number(value);
    } else if (key === 'next') {
      const value = single(key, values);
      // Some clients (MISP) send an empty next on the first page: that is no cursor.
      if (value !== '') filters.next = value;
    }
  }
  return filters;
}

function single(key: string, values: readonly string[]): string {
  if (values.length !== 1) throw badRequest(`Parameter '${truncate(key)}' must occur once, got ${values.length}.`);
  return values[0] as string;
}

function splitValues(key: string, value: string, valid: (v: string) => boolean, what: string): string[] {
  // §3.4: several values are separated by a comma, without spaces.
  const parts = value.split(',');
  if (parts.length > MAX_VALUES_PER_FIELD) throw badRequest(`${key} accepts at most ${MAX_VALUES_PER_FIELD} values.`);
  for (const p of parts) {
    if (!valid(p)) throw badRequest(`${key}: '${truncate(p)}' is not ${what}.`);
  }
  return [...new Set(parts)];
}

/** §3.4.1 `match[version]`: last (default), first, all, or exact timestamps; no duplicates; all stands alone. */
function parseVersions(key: string, value: string): VersionSelector {
  const parts = value.split(',');
  if (parts.length > MAX_VALUES_PER_FIELD) throw badRequest(`${key} accepts at most ${MAX_VALUES_PER_FIELD} values.`);
  if (new Set(parts).size !== parts.length) throw badRequest(`${key} must not repeat a value.`);
  if (parts.includes('all')) {
    if (parts.length > 1) throw badRequest(`${key}: 'all' must not be combined with other values.`);
    return { all: true };
  }
  const selector = { first: false, last: false, exact: [] as string[] };
  for (const p of parts) {
    if (p === 'first') selector.first = true;
    else if (p === 'last') selector.last = true;
    else {
      const k = versionKey(p);
      if (k === undefined) throw badRequest(`${key}: '${truncate(p)}' is not last, first, all or a STIX timestamp.`);
      if (selector.exact.includes(k)) throw badRequest(`${key} must not repeat a version.`);
      selector.exact.push(k);
    }
  }
  return selector;
}

function truncate(s: string): string {
  return s.length > 80 ? `${s.slice(0, 80)}…` : s;
}

/** Collects URL query parameters, keeping repetitions, from the raw request URL. */
export function rawQueryOf(url: string): RawQuery {
  const query = new Map<string, string[]>();
  const q = url.indexOf('?');
  if (q < 0) return query;
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(url.slice(q + 1));
  } catch {
    throw badRequest('The query string is malformed.');
  }
  for (const [k, v] of params) {
    const list = query.get(k);
    if (list) list.push(v);
    else query.set(k, [v]);
  }
  return query;
}
