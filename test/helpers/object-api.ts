// Request helpers for the object endpoints (TAXII 2.1 §5.3–§5.8): GET/POST/DELETE with
// the TAXII media type, query strings built from raw keys (so that `match[...]` keys
// and malformed keys reach the server exactly as written), and paging to the end.
import request from 'supertest';
import { auth, manifestUrl, TAXII, type TestApp, type Who } from './test-app';

/** TAXII 2.1 §2 `timestamp`: microsecond precision, UTC, `Z`. */
export const TAXII_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
export const EPOCH = '1970-01-01T00:00:00.000000Z';
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Query parameters: pairs in order (a key may repeat) or a record (an undefined value is
 * left out). Keys are sent raw, values percent-encoded.
 */
export type Params = ReadonlyArray<readonly [string, string]> | Readonly<Record<string, string | undefined>>;

export function withQuery(url: string, params?: Params): string {
  if (params === undefined) return url;
  const pairs = toPairs(params);
  if (pairs.length === 0) return url;
  return `${url}?${pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`;
}

export interface Item {
  id: string;
  type?: string;
  modified?: string;
  created?: string;
  date_added?: string;
  version?: string;
  media_type?: string;
  [property: string]: unknown;
}

export interface StatusDetail {
  id: string;
  version: string;
  message?: string;
}

/** Any TAXII resource these endpoints answer with: envelope, manifest, versions, status or error. */
export interface Body {
  more?: boolean;
  next?: string;
  objects?: Item[];
  versions?: string[];
  id?: string;
  status?: string;
  request_timestamp?: string;
  total_count?: number;
  success_count?: number;
  successes?: StatusDetail[];
  failure_count?: number;
  failures?: StatusDetail[];
  pending_count?: number;
  pendings?: StatusDetail[];
  title?: string;
  description?: string;
  error_id?: string;
  http_status?: string;
}

export interface Reply {
  status: number;
  headers: Record<string, string>;
  text: string;
  body: Body;
}

function toReply(res: request.Response): Reply {
  let body: Body = {};
  if (res.text) {
    try {
      body = JSON.parse(res.text) as Body;
    } catch {
      body = {};
    }
  }
  return { status: res.status, headers: res.headers as Record<string, string>, text: res.text, body };
}

export async function getJson(t: TestApp, who: Who | null, url: string, params?: Params): Promise<Reply> {
  const req = request(t.app).get(withQuery(url, params)).set('Accept', TAXII);
  if (who !== null) req.set(...auth(who));
  return toReply(await req);
}

export async function postEnvelope(t: TestApp, who: Who | null, url: string, body: unknown, contentType = TAXII): Promise<Reply> {
  const req = request(t.app).post(url).set('Accept', TAXII).set('Content-Type', contentType);
  if (who !== null) req.set(...auth(who));
  return toReply(await req.send(typeof body === 'string' ? body : JSON.stringify(body)));
}

export async function deleteObject(t: TestApp, who: Who | null, url: string, params?: Params): Promise<Reply> {
  const req = request(t.app).delete(withQuery(url, params)).set('Accept', TAXII);
  if (who !== null) req.set(...auth(who));
  return toReply(await req);
}

/** Posts objects as `who` (admin by default) and insists that every one was stored as new. */
export async function seed(t: TestApp, url: string, objects: unknown[], who: Who = 'admin'): Promise<void> {
  const r = await postEnvelope(t, who, url, { objects });
  if (r.status !== 202 || r.body.success_count !== objects.length || r.body.failure_count !== 0) {
    throw new Error(`seeding failed: ${r.status} ${r.text}`);
  }
}

/** Every version in a collection as manifest records, in date_added order (admin view). */
export async function manifestAll(t: TestApp, collection: string, params: Params = {}): Promise<Item[]> {
  const pages = await pageToEnd(t, 'admin', manifestUrl(collection), [['match[version]', 'all'], ...toPairs(params)]);
  return pages.flatMap((p) => p.body.objects ?? []);
}

export function toPairs(params: Params): Array<readonly [string, string]> {
  if (Array.isArray(params)) return [...(params as ReadonlyArray<readonly [string, string]>)];
  return Object.entries(params as Record<string, string | undefined>).flatMap(([k, v]) =>
    v === undefined ? [] : [[k, v] as const],
  );
}

/** Follows `next` until `more` is false; fails on any non-200 or on a page that says more without a next. */
export async function pageToEnd(t: TestApp, who: Who, url: string, params: Params = {}, maxPages = 1000): Promise<Reply[]> {
  const pages: Reply[] = [];
  let next: string | undefined;
  for (let i = 0; i < maxPages; i++) {
    const pairs = toPairs(params);
    const r = await getJson(t, who, url, next === undefined ? pairs : [...pairs, ['next', next]]);
    if (r.status !== 200) throw new Error(`page ${i} answered ${r.status}: ${r.text}`);
    pages.push(r);
    if (r.body.more !== true) return pages;
    if (typeof r.body.next !== 'string') throw new Error(`page ${i} has more: true but no next`);
    next = r.body.next;
  }
  throw new Error(`more than ${maxPages} pages`);
}

export const ids = (r: Reply): string[] => (r.body.objects ?? []).map((o) => o.id);
/** The `modified` of each object of an envelope, in order. */
export const modifiedOf = (r: Reply): string[] => (r.body.objects ?? []).map((o) => String(o.modified));
