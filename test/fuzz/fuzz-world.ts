// Shared setup and invariants of the fuzz suite: a test app with known objects in
// collections some callers may not see, and the checks every fuzz case ends with.
import request from 'supertest';
import { FEED, HIDDEN, PARTNER, SHARED, TAXII, TOKENS, auth, makeTestApp, testConfigObject, type TestApp, type Who } from '../helpers/test-app';
import { manifestAll, postEnvelope, seed } from '../helpers/object-api';
import { indicator, malware } from '../helpers/stix-fixtures';

export interface World {
  t: TestApp;
  /** Objects in SHARED (every member with access sees them). */
  shared: string[];
  /** In HIDDEN (admins only) and PARTNER (the outsider only): never shown to member, reader or writer. */
  hiddenFromMembers: string[];
  /** A status id of member's. */
  statusId: string;
  close(): Promise<void>;
}

/** Page sizes kept small, so that cursors exist and `limit` clamping shows. */
export const PAGE_MAX = 3;

export async function makeWorld(): Promise<World> {
  const t = await makeTestApp({ config: testConfigObject({ taxii: { page_size_default: 2, page_size_max: PAGE_MAX } }) });
  const sharedObjects = [indicator(), indicator(), indicator(), malware(), malware()];
  await seed(t, `/hub/collections/${SHARED}/objects/`, sharedObjects);
  await seed(t, `/hub/collections/${FEED}/objects/`, [indicator(), indicator()]);
  const hidden = indicator({ name: 'hidden from members' });
  await seed(t, `/hub/collections/${HIDDEN}/objects/`, [hidden]);
  const partner = indicator({ name: 'partner only' });
  const partner2 = indicator({ name: 'partner only' });
  await seed(t, `/isac/collections/${PARTNER}/objects/`, [partner, partner2]);
  const posted = await postEnvelope(t, 'member', `/hub/collections/${SHARED}/objects/`, { objects: [] });
  if (posted.status !== 202 || typeof posted.body.id !== 'string') throw new Error(`status seed failed: ${posted.text}`);
  return {
    t,
    shared: sharedObjects.map((o) => o.id as string),
    hiddenFromMembers: [hidden.id as string, partner.id as string, partner2.id as string],
    statusId: posted.body.id,
    close: () => t.close(),
  };
}

export type Caller = Who | 'nobody';
export const CALLERS: Caller[] = ['admin', 'member', 'reader', 'writer', 'outsider', 'nobody'];

export interface Answer {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/** Sends a request exactly as written (the path and query are not re-encoded by supertest). */
export async function send(t: TestApp, method: 'get' | 'post' | 'delete', url: string, caller: Caller, body?: string | Buffer, contentType = TAXII): Promise<Answer> {
  const req = request(t.app)[method](url).set('Accept', TAXII);
  if (caller !== 'nobody') req.set(...auth(caller));
  if (body !== undefined) req.set('Content-Type', contentType).send(body);
  const res = await req;
  return { status: res.status, headers: res.headers as Record<string, string>, text: res.text };
}

/**
 * The invariants of every case: never a 5xx; a 4xx is a TAXII error resource (§3.6.1) with
 * the TAXII media type; a success is TAXII JSON. Throws (for fast-check to shrink) on a breach.
 */
export function checkAnswer(a: Answer, what: string): void {
  const where = `${what} → ${a.status} ${a.text.slice(0, 300)}`;
  if (a.status >= 500) throw new Error(`server error: ${where}`);
  if (a.status >= 400) {
    if (a.headers['content-type'] !== TAXII) throw new Error(`error media type ${a.headers['content-type']}: ${where}`);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(a.text) as Record<string, unknown>;
    } catch {
      throw new Error(`error body is not JSON: ${where}`);
    }
    if (typeof body.title !== 'string' || body.http_status !== String(a.status) || typeof body.error_id !== 'string' || body.error_id === '') {
      throw new Error(`not a TAXII error resource: ${where}`);
    }
    if (a.status === 401 && !a.headers['www-authenticate']) throw new Error(`401 without WWW-Authenticate: ${where}`);
  } else if (a.status === 200 && a.text !== '') {
    if (a.headers['content-type'] !== TAXII) throw new Error(`media type ${a.headers['content-type']}: ${where}`);
    JSON.parse(a.text);
  }
}

/** No object outside the caller's view: member, reader and writer never see HIDDEN's or PARTNER's objects. */
export function checkView(w: World, caller: Caller, a: Answer, what: string): void {
  if (caller === 'admin' || caller === 'outsider') return;
  for (const id of w.hiddenFromMembers) {
    if (a.text.includes(id)) throw new Error(`${caller} was shown ${id}: ${what} → ${a.status} ${a.text.slice(0, 300)}`);
  }
  if (caller === 'nobody' && a.status < 400) throw new Error(`an unauthenticated request was served: ${what} → ${a.status}`);
}

/** No prototype pollution, whatever was sent. */
export function checkNoPollution(what: string): void {
  const probe = {} as Record<string, unknown>;
  const polluted = ['polluted', 'isAdmin', 'admin', 'x', 'toString2'].filter((k) => probe[k] !== undefined);
  const ownKeys = Object.getOwnPropertyNames(Object.prototype).filter((k) => !BASELINE_PROTO_KEYS.has(k));
  if (polluted.length > 0 || ownKeys.length > 0 || ([] as unknown as Record<string, unknown>).polluted !== undefined) {
    throw new Error(`prototype pollution after ${what}: ${[...polluted, ...ownKeys].join(', ')}`);
  }
}
const BASELINE_PROTO_KEYS = new Set(Object.getOwnPropertyNames(Object.prototype));

/** Every version stored in each collection (as the admin sees it), to prove a refusal changed nothing. */
export async function snapshot(w: World): Promise<string> {
  const parts: string[] = [];
  for (const c of [SHARED, FEED, HIDDEN]) parts.push((await manifestAll(w.t, c)).map((r) => `${r.id}@${r.version}@${r.date_added}`).join(','));
  return parts.join('|');
}

export const TOKEN_OF = TOKENS;
