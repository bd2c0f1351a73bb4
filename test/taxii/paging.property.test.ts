// Property-based paging tests through the real HTTP application (TAXII 2.1 §3.4
// filtering, §3.5 pagination, §5.3 manifest, §5.4 objects).
//
// Each run posts a random collection (several object types, several versions per
// object, posted out of order over several envelopes, with exact duplicates in other
// spellings), reads every (id, version, date_added) back from the manifest with
// match[version]=all, then pages through random filter combinations with a random
// limit, following `next` until `more` is false, and compares the concatenated pages
// with a brute-force oracle.
import { propertyRuns } from '../helpers/test-store';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import request from 'supertest';
import { auth, makeTestApp, manifestUrl, objectsUrl, SHARED, TAXII } from '../helpers/test-app';
import { indicator, ipv4, malware } from '../helpers/stix-fixtures';
import { parseRfc3339Micros, versionKey } from '../../src/vocabulary/time';

const STIX_MEDIA_TYPE = 'application/stix+json;version=2.1';
const TYPES = ['indicator', 'malware', 'ipv4-addr', 'note', 'x-concord-note'] as const;
type Kind = (typeof TYPES)[number];
const SPELLINGS = ['ms', 'bare', 'micro', 'nano'] as const;
type Spelling = (typeof SPELLINGS)[number];
const CREATED = '2024-01-01T00:00:00.000Z';
const CREATED_MS = Date.parse(CREATED);
const NUM_RUNS = propertyRuns(30);

// ---------------------------------------------------------------------------------------
// Generated data

interface ObjectSpec {
  kind: Kind;
  /** Version instants, in units of 250 ms after CREATED (distinct). */
  versions: { offset: number; spelling: Spelling }[];
  /** Exact duplicates posted again, possibly spelled otherwise. */
  reposts: { version: number; spelling: Spelling }[];
}

interface DataSpec {
  objects: ObjectSpec[];
  /** Posting order: each post is sorted by priorities[index]. */
  priorities: number[];
  /** Where the posting sequence is cut into envelopes. */
  cuts: number[];
}

const spellingArb = fc.constantFrom(...SPELLINGS);
const objectArb: fc.Arbitrary<ObjectSpec> = fc.record({
  kind: fc.constantFrom(...TYPES),
  versions: fc.uniqueArray(fc.record({ offset: fc.integer({ min: 0, max: 40 }), spelling: spellingArb }), {
    minLength: 1,
    maxLength: 4,
    selector: (v) => v.offset,
  }),
  reposts: fc.array(fc.record({ version: fc.nat(), spelling: spellingArb }), { maxLength: 2 }),
});
const dataArb: fc.Arbitrary<DataSpec> = fc.record({
  objects: fc.array(objectArb, { minLength: 1, maxLength: 20 }),
  priorities: fc.array(fc.nat(1000), { minLength: 100, maxLength: 100 }),
  cuts: fc.array(fc.nat(), { maxLength: 5 }),
});

interface QuerySpec {
  limit: number;
  types?: string[];
  ids?: { picks: number[]; unknown: boolean };
  version?:
    | string
    | { picks: number[]; spelling: Spelling; withFirst: boolean; withLast: boolean; missing: boolean };
  addedAfter?: { pick: number; form: 'Z' | '+00:00' | 'before-all' | 'after-all' };
  specVersion?: string;
}

/** Absent more often than present, so that combinations of filters still select something. */
const sometimes = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: arb, weight: 2 });
const querySpecArb: fc.Arbitrary<QuerySpec> = fc.record({
  // Small limits are where paging goes wrong; weight them.
  limit: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 50 })),
  types: sometimes(fc.subarray([...TYPES, 'campaign'], { minLength: 1 })),
  ids: sometimes(fc.record({ picks: fc.array(fc.nat(), { minLength: 1, maxLength: 10 }), unknown: fc.boolean() })),
  version: sometimes(
    fc.oneof(
      fc.constantFrom('last', 'first', 'all', 'first,last', 'last,first'),
      fc.record({
        picks: fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
        spelling: spellingArb,
        withFirst: fc.boolean(),
        withLast: fc.boolean(),
        missing: fc.boolean(),
      }),
    ),
  ),
  addedAfter: sometimes(
    fc.record({
      pick: fc.nat(),
      form: fc.constantFrom<'Z' | '+00:00' | 'before-all' | 'after-all'>('Z', 'Z', 'Z', '+00:00', 'before-all', 'after-all'),
    }),
  ),
  specVersion: sometimes(fc.constantFrom('2.1', '2.1', '2.0,2.1', '2.0')),
});

// ---------------------------------------------------------------------------------------
// Timestamps in several spellings of one instant

/**
 * Re-spells a 9-digit version key; drops fraction digits only when they are zeros, and
 * never below the millisecond precision STIX 2.1 §3.2 requires of created/modified
 * (so 'bare' spells like 'ms').
 */
function respell(key: string, spelling: Spelling): string {
  const m = /^(.{19})\.(\d{9})Z$/.exec(key);
  if (!m) throw new Error(`not a version key: ${key}`);
  const [, head, frac] = m as unknown as [string, string, string];
  if ((spelling === 'ms' || spelling === 'bare') && frac.endsWith('000000')) return `${head}.${frac.slice(0, 3)}Z`;
  if (spelling !== 'nano' && frac.endsWith('000')) return `${head}.${frac.slice(0, 6)}Z`;
  return `${head}.${frac}Z`;
}

function timestampAt(offset: number, spelling: Spelling): string {
  return respell(versionKey(new Date(CREATED_MS + offset * 250).toISOString()) as string, spelling);
}

// ---------------------------------------------------------------------------------------
// What was posted

interface Post {
  object: number;
  /** undefined for unversioned objects */
  version: string | undefined;
  body: Record<string, unknown>;
}

function objectId(kind: Kind, index: number): string {
  return `${kind}--00000000-0000-4000-8000-${String(index).padStart(12, '0')}`;
}

function bodyOf(kind: Kind, id: string, index: number, modified: string | undefined): Record<string, unknown> {
  switch (kind) {
    case 'indicator':
      return indicator({ id, modified, name: `indicator ${index}` });
    case 'malware':
      return malware({ id, modified, name: `malware ${index}` });
    case 'ipv4-addr':
      return { ...ipv4(`198.51.100.${index}`), id };
    case 'note':
      return { type: 'note', spec_version: '2.1', id, created: CREATED, modified, content: `note ${index}`, object_refs: [objectId('indicator', 999)] };
    case 'x-concord-note':
      return { type: 'x-concord-note', spec_version: '2.1', id, created: CREATED, modified, x_text: `custom note ${index}` };
  }
}

/** The posting sequence (shuffled, with duplicates) cut into envelopes. */
function plan(data: DataSpec): Post[][] {
  const posts: Post[] = [];
  data.objects.forEach((o, i) => {
    const id = objectId(o.kind, i);
    if (o.kind === 'ipv4-addr') {
      // Unversioned: one version, whatever is posted again is a duplicate.
      for (let n = 0; n < 1 + o.reposts.length; n++) posts.push({ object: i, version: undefined, body: bodyOf(o.kind, id, i, undefined) });
      return;
    }
    const spelled = (offset: number, s: Spelling) => timestampAt(offset, s);
    for (const v of o.versions) {
      const t = spelled(v.offset, v.spelling);
      posts.push({ object: i, version: t, body: bodyOf(o.kind, id, i, t) });
    }
    for (const r of o.reposts) {
      const v = o.versions[r.version % o.versions.length] as ObjectSpec['versions'][number];
      const t = spelled(v.offset, r.spelling);
      posts.push({ object: i, version: t, body: bodyOf(o.kind, id, i, t) });
    }
  });
  const order = posts
    .map((p, i) => ({ p, i, prio: data.priorities[i % data.priorities.length] as number }))
    .sort((a, b) => a.prio - b.prio || a.i - b.i)
    .map((x) => x.p);
  const cuts = [...new Set(data.cuts.map((c) => 1 + (c % order.length)))].filter((c) => c < order.length).sort((a, b) => a - b);
  const envelopes: Post[][] = [];
  let start = 0;
  for (const c of [...cuts, order.length]) {
    envelopes.push(order.slice(start, c));
    start = c;
  }
  return envelopes;
}

/** One stored version, as the oracle knows it. */
interface Stored {
  id: string;
  type: string;
  key: string;
  version: string;
  dateAdded: number;
  dateAddedText: string;
  body: Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------
// HTTP

interface Page {
  status: number;
  body: { more?: unknown; next?: unknown; objects?: unknown[] };
  first?: string;
  last?: string;
}

async function getPage(server: http.Server, url: string, params: [string, string][]): Promise<Page> {
  const qs = new URLSearchParams(params).toString();
  const res = await request(server)
    .get(qs ? `${url}?${qs}` : url)
    .set(...auth('member'))
    .set('Accept', TAXII);
  if (res.status !== 200) throw new Error(`GET ${url}?${qs} → ${res.status} ${res.text}`);
  expect(res.headers['content-type']).toBe(TAXII);
  return {
    status: res.status,
    body: JSON.parse(res.text) as Page['body'],
    first: res.headers['x-taxii-date-added-first'] as string | undefined,
    last: res.headers['x-taxii-date-added-last'] as string | undefined,
  };
}

/** Follows `next` until `more` is false, checking the shape of every page (§3.5). */
async function pageThrough(server: http.Server, url: string, params: [string, string][], limit: number): Promise<Page[]> {
  const pages: Page[] = [];
  let next: string | undefined;
  for (let guard = 0; guard < 1000; guard++) {
    const page = await getPage(server, url, [...params, ['limit', String(limit)], ...(next !== undefined ? [['next', next] as [string, string]] : [])]);
    pages.push(page);
    const items = page.body.objects ?? [];
    expect(Array.isArray(items)).toBe(true);
    // The list is omitted rather than empty (§3.7, §5.3.1).
    if (page.body.objects !== undefined) expect(items.length).toBeGreaterThan(0);
    expect(items.length).toBeLessThanOrEqual(limit);
    if (page.body.more !== undefined) expect(typeof page.body.more).toBe('boolean');
    const more = page.body.more === true;
    // next is present exactly when more is true.
    expect(page.body.next !== undefined).toBe(more);
    if (!more) {
      // Only a first page may be empty: "more" promised a further item.
      if (pages.length > 1) expect(items.length).toBeGreaterThan(0);
      return pages;
    }
    expect(typeof page.body.next).toBe('string');
    // Every page but the last is full.
    expect(items).toHaveLength(limit);
    next = page.body.next as string;
  }
  throw new Error('paging did not terminate');
}

/** Checks X-TAXII-Date-Added-First/-Last against the items each page should hold. */
function expectPageHeaders(pages: Page[], expected: Stored[]): void {
  let offset = 0;
  for (const page of pages) {
    const n = page.body.objects?.length ?? 0;
    if (n > 0) {
      expect(page.first).toBe((expected[offset] as Stored).dateAddedText);
      expect(page.last).toBe((expected[offset + n - 1] as Stored).dateAddedText);
    }
    offset += n;
  }
}

// ---------------------------------------------------------------------------------------
// Setting up one run: post, then learn every date_added from the manifest

interface World {
  server: http.Server;
  close(): Promise<void>;
  stored: Stored[];
  data: DataSpec;
}

async function buildWorld(data: DataSpec): Promise<World> {
  const t = await makeTestApp();
  const server = http.createServer(t.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  expect((server.address() as AddressInfo).port).toBeGreaterThan(0);
  const close = async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await t.close();
  };
  try {
    const envelopes = plan(data);
    // The stored copy of each version is the first one posted.
    const firstPosts: Post[] = [];
    const seen = new Set<string>();
    for (const envelope of envelopes) {
      const res = await request(server)
        .post(objectsUrl(SHARED))
        .set(...auth('member'))
        .set('Content-Type', TAXII)
        .set('Accept', TAXII)
        .send({ objects: envelope.map((p) => p.body) });
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ status: 'complete', total_count: envelope.length, success_count: envelope.length, failure_count: 0 });
      for (const p of envelope) {
        const k = `${p.body.id as string} ${p.version === undefined ? '-' : versionKey(p.version)}`;
        if (!seen.has(k)) {
          seen.add(k);
          firstPosts.push(p);
        }
      }
    }

    // §3.4.1 match[version]=all on the manifest: every (id, version, date_added).
    const pages = await pageThrough(server, manifestUrl(SHARED), [['match[version]', 'all']], 1 + (data.cuts[0] ?? 6) % 40);
    const manifest = pages.flatMap((p) => (p.body.objects ?? []) as { id: string; version: string; date_added: string; media_type: string }[]);
    // One entry per distinct version posted, in the order the versions were first posted.
    expect(manifest.map((m) => m.id)).toEqual(firstPosts.map((p) => p.body.id));
    const stored = manifest.map((m, i): Stored => {
      const p = firstPosts[i] as Post;
      expect(m.media_type).toBe(STIX_MEDIA_TYPE);
      // A versioned object keeps the version as first spelled; an unversioned one gets its date_added.
      expect(m.version).toBe(p.version ?? m.date_added);
      const dateAdded = parseRfc3339Micros(m.date_added) as number;
      expect(Number.isSafeInteger(dateAdded)).toBe(true);
      return {
        id: m.id,
        type: p.body.type as string,
        key: versionKey(m.version) as string,
        version: m.version,
        dateAdded,
        dateAddedText: m.date_added,
        body: p.body,
      };
    });
    for (let i = 1; i < stored.length; i++) {
      expect((stored[i] as Stored).dateAdded).toBeGreaterThan((stored[i - 1] as Stored).dateAdded);
    }
    return { server, close, stored, data };
  } catch (e) {
    await close();
    throw e;
  }
}

// ---------------------------------------------------------------------------------------
// The oracle

interface Resolved {
  params: [string, string][];
  expected: Stored[];
}

function resolveQuery(world: World, q: QuerySpec): Resolved {
  const { stored, data } = world;
  const params: [string, string][] = [];
  let selected = stored;

  if (q.types) {
    params.push(['match[type]', q.types.join(',')]);
    selected = selected.filter((s) => q.types?.includes(s.type));
  }
  if (q.ids) {
    const wanted = q.ids.picks.map((n) => objectId((data.objects[n % data.objects.length] as ObjectSpec).kind, n % data.objects.length));
    if (q.ids.unknown) wanted.push('indicator--ffffffff-ffff-4fff-8fff-ffffffffffff');
    params.push(['match[id]', wanted.join(',')]);
    selected = selected.filter((s) => wanted.includes(s.id));
  }

  // §3.4.1: last by default; first/last are per object, over every version it has.
  const bounds = new Map<string, { lo: string; hi: string }>();
  for (const s of stored) {
    const b = bounds.get(s.id);
    if (!b) bounds.set(s.id, { lo: s.key, hi: s.key });
    else {
      if (s.key < b.lo) b.lo = s.key;
      if (s.key > b.hi) b.hi = s.key;
    }
  }
  let first = false;
  let last = true;
  let all = false;
  const exact = new Set<string>();
  if (typeof q.version === 'string') {
    params.push(['match[version]', q.version]);
    const parts = q.version.split(',');
    all = parts.includes('all');
    first = parts.includes('first');
    last = parts.includes('last');
  } else if (q.version) {
    const values: string[] = [];
    first = q.version.withFirst;
    last = q.version.withLast;
    if (first) values.push('first');
    for (const n of q.version.picks) {
      const s = stored[n % stored.length] as Stored;
      if (exact.has(s.key)) continue; // a repeated version is a 400 (§3.4.1)
      exact.add(s.key);
      values.push(respell(s.key, q.version.spelling));
    }
    if (q.version.missing) {
      const missing = versionKey('2023-06-01T00:00:00Z') as string;
      exact.add(missing);
      values.push(respell(missing, q.version.spelling));
    }
    if (last) values.push('last');
    params.push(['match[version]', values.join(',')]);
  }
  selected = selected.filter((s) => {
    if (all) return true;
    const b = bounds.get(s.id) as { lo: string; hi: string };
    return (first && s.key === b.lo) || (last && s.key === b.hi) || exact.has(s.key);
  });

  if (q.addedAfter) {
    const pick = stored[q.addedAfter.pick % stored.length] as Stored;
    const newest = stored[stored.length - 1] as Stored;
    const [text, after] =
      q.addedAfter.form === 'Z'
        ? [pick.dateAddedText, pick.dateAdded]
        : q.addedAfter.form === '+00:00'
          ? [pick.dateAddedText.replace(/Z$/, '+00:00'), pick.dateAdded]
          : q.addedAfter.form === 'before-all'
            ? ['2000-01-01T00:00:00Z', 0]
            : [newest.dateAddedText, newest.dateAdded];
    params.push(['added_after', text]);
    // Strictly after (§3.4).
    selected = selected.filter((s) => s.dateAdded > after);
  }

  if (q.specVersion) {
    params.push(['match[spec_version]', q.specVersion]);
    const wanted = q.specVersion.split(',');
    selected = selected.filter((s) => wanted.includes((s.body.spec_version as string | undefined) ?? '2.1'));
  }

  return { params, expected: [...selected].sort((a, b) => a.dateAdded - b.dateAdded) };
}

async function withWorld(data: DataSpec, queries: QuerySpec[], check: (world: World, q: QuerySpec) => Promise<void>): Promise<void> {
  const world = await buildWorld(data);
  try {
    for (const q of queries) await check(world, q);
  } finally {
    await world.close();
  }
}

const queriesArb = fc.array(querySpecArb, { minLength: 1, maxLength: 4 });

// ---------------------------------------------------------------------------------------

describe('paging properties (TAXII 2.1 §3.4 filtering, §3.5 pagination)', () => {
  test('TAXII 2.1 §3.4, §3.5, §5.4: GET objects/ paged with next returns exactly the filtered set, in date_added order, no duplicates or gaps', async () => {
    await fc.assert(
      fc.asyncProperty(dataArb, queriesArb, async (data, queries) => {
        await withWorld(data, queries, async (world, q) => {
          const { params, expected } = resolveQuery(world, q);
          const pages = await pageThrough(world.server, objectsUrl(SHARED), params, q.limit);
          const got = pages.flatMap((p) => p.body.objects ?? []) as Record<string, unknown>[];
          const identities = got.map((o) => `${o.id as string} ${(o.modified as string | undefined) ?? '-'}`);
          expect(new Set(identities).size).toBe(identities.length);
          expect(got).toEqual(expected.map((s) => s.body));
          expect(pages).toHaveLength(Math.max(1, Math.ceil(expected.length / q.limit)));
          expectPageHeaders(pages, expected);
        });
      }),
      { numRuns: NUM_RUNS },
    );
  }, 300_000);

  test('TAXII 2.1 §3.4, §3.5, §5.3: GET manifest/ paged with next returns exactly the filtered set, in date_added order, no duplicates or gaps', async () => {
    await fc.assert(
      fc.asyncProperty(dataArb, queriesArb, async (data, queries) => {
        await withWorld(data, queries, async (world, q) => {
          const { params, expected } = resolveQuery(world, q);
          const pages = await pageThrough(world.server, manifestUrl(SHARED), params, q.limit);
          const got = pages.flatMap((p) => p.body.objects ?? []) as { id: string; date_added: string; version: string; media_type: string }[];
          const identities = got.map((m) => `${m.id} ${m.version}`);
          expect(new Set(identities).size).toBe(identities.length);
          expect(got).toEqual(
            expected.map((s) => ({ id: s.id, date_added: s.dateAddedText, version: s.version, media_type: STIX_MEDIA_TYPE })),
          );
          const added = got.map((m) => parseRfc3339Micros(m.date_added) as number);
          for (let i = 1; i < added.length; i++) expect(added[i] as number).toBeGreaterThan(added[i - 1] as number);
          expect(pages).toHaveLength(Math.max(1, Math.ceil(expected.length / q.limit)));
          expectPageHeaders(pages, expected);
        });
      }),
      { numRuns: NUM_RUNS },
    );
  }, 300_000);
});
