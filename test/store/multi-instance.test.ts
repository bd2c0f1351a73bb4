// Two Concord processes over one MongoDB database, as behind a load balancer
// (docs/scaling.md): what one acknowledges, the other serves; concurrent POSTs on both
// keep date_added unique and increasing; paging through either sees every object once.
import { v4 as uuidv4 } from 'uuid';
import { MONGODB_URI, freshDatabaseName } from '../helpers/test-store';
import { MongoStore } from '../../src/store/mongo/mongo-store';
import { TAXII } from '../helpers/test-app';
import { serveProcess, type ServerProcess } from '../helpers/serve-process';

const TOKEN = 'multi-instance-admin-token-0123456789';
// The shipped example's shared indicators collection (collections/api-roots.json).
const INDICATORS = '2f0d6a3e-6c1b-4c55-9a7e-2b8f0c1d4e5a';
const headers = { Authorization: `Bearer ${TOKEN}`, Accept: TAXII, 'Content-Type': TAXII };

/** Error-level log lines of both servers, shown when a request fails. */
const logs: string[] = [];

function serve(database: string): Promise<ServerProcess> {
  return serveProcess({
    env: { MONGODB_URI, MONGODB_DATABASE: database, CONCORD_ADMIN_TOKEN: TOKEN, CONCORD_VALIDATION_THREADS: '0' },
    startTimeoutMs: 30_000,
    onStdout: (text) => {
      if (/"level":(50|60)/.test(text)) logs.push(text);
    },
  });
}

function indicator(n: number): Record<string, unknown> {
  const t = '2025-06-01T00:00:00.000Z';
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: `indicator--${uuidv4()}`,
    created: t,
    modified: t,
    name: `multi-instance ${n}`,
    pattern: `[ipv4-addr:value = '10.0.${Math.floor(n / 256) % 256}.${n % 256}']`,
    pattern_type: 'stix',
    valid_from: t,
  };
}

async function post(url: string, objects: unknown[]): Promise<{ id: string; status: string; success_count: number }> {
  const res = await fetch(`${url}/hub/collections/${INDICATORS}/objects/`, { method: 'POST', headers, body: JSON.stringify({ objects }) });
  if (res.status !== 202) throw new Error(`POST → ${res.status}: ${await res.text()}\n${logs.join('')}`);
  return (await res.json()) as { id: string; status: string; success_count: number };
}

/** Every version in the collection, following `next` to the end. */
async function pageAll(url: string, limit: number): Promise<Array<{ id: string; dateAdded: string }>> {
  const seen: Array<{ id: string; dateAdded: string }> = [];
  let next: string | undefined;
  for (let guard = 0; guard < 1000; guard++) {
    const q = new URLSearchParams({ limit: String(limit), 'match[version]': 'all' });
    if (next) q.set('next', next);
    const res = await fetch(`${url}/hub/collections/${INDICATORS}/manifest/?${q}`, { headers });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { objects?: Array<{ id: string; date_added: string }>; more?: boolean; next?: string };
    for (const o of body.objects ?? []) seen.push({ id: o.id, dateAdded: o.date_added });
    if (!body.more) return seen;
    next = body.next;
  }
  throw new Error('paging did not end');
}

const maybe = MONGODB_URI ? describe : describe.skip;

maybe('two Concord processes over one MongoDB database', () => {
  jest.setTimeout(120_000);
  const database = freshDatabaseName();
  let a: ServerProcess;
  let b: ServerProcess;

  beforeAll(async () => {
    // Started together: both apply the shipped directory files at once (one wins, the other finds nothing to do).
    [a, b] = await Promise.all([serve(database), serve(database)]);
  });

  afterAll(async () => {
    for (const r of [a, b]) r?.child.kill('SIGTERM');
    await Promise.all([a?.exited, b?.exited]);
    const store = await MongoStore.open(MONGODB_URI as string, database);
    await store.dropDatabase();
    await store.close();
  });

  test('a POST acknowledged by one is served by the other: status and objects', async () => {
    const objects = [indicator(1), indicator(2), indicator(3)];
    const status = await post(a.url, objects);
    expect(status.status).toBe('complete');
    expect(status.success_count).toBe(3);
    const polled = await fetch(`${b.url}/hub/status/${status.id}/`, { headers });
    expect(polled.status).toBe(200);
    expect(await polled.json()).toMatchObject({ id: status.id, status: 'complete', success_count: 3, total_count: 3 });
    for (const o of objects) {
      const res = await fetch(`${b.url}/hub/collections/${INDICATORS}/objects/${o.id as string}/`, { headers });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { objects: unknown[] }).objects).toEqual([o]);
    }
  });

  test('concurrent POSTs on both keep date_added unique and increasing; paging either sees every object once', async () => {
    const before = await pageAll(a.url, 1000);
    const posted: string[] = [];
    const rounds = Array.from({ length: 10 }, async (_, round) => {
      const objects = Array.from({ length: 20 }, (_, i) => indicator(round * 100 + i));
      posted.push(...objects.map((o) => o.id as string));
      const status = await post(round % 2 === 0 ? a.url : b.url, objects);
      expect(status.success_count).toBe(20);
    });
    await Promise.all(rounds);
    for (const url of [a.url, b.url]) {
      const all = await pageAll(url, 37);
      const fresh = all.slice(before.length);
      expect(fresh.map((r) => r.id).sort()).toEqual([...posted].sort());
      expect(new Set(all.map((r) => r.id)).size).toBe(all.length);
      // Microsecond timestamps of one fixed width: string order is time order.
      expect(all.every((r) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/.test(r.dateAdded))).toBe(true);
      for (let i = 1; i < all.length; i++) expect((all[i] as { dateAdded: string }).dateAdded > (all[i - 1] as { dateAdded: string }).dateAdded).toBe(true);
    }
  });
});
