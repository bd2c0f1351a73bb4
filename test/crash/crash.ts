// Crash test (durability): the real server in a child process on a temporary
// SQLite file, envelopes POSTed continuously by a few concurrent clients, SIGKILL at a
// random moment, restart, check; several rounds. Not a jest test: run it with
//
//   npm run build && npx ts-node --transpile-only test/crash/crash.ts
//
// After every restart it checks that
//   - every object version whose POST got a 202 with a status listing it as a success is
//     there: the whole collection is read (manifest and objects, match[version]=all, keyset
//     paging) and every acknowledged version must be in it; the versions acknowledged in
//     the round just killed are also asked for by id (objects/?match[id]=…, all of them;
//     GET objects/{id}/, the last 50 before the kill and 100 more at random); after the
//     last round every acknowledged version is asked for by id again;
//   - every status id of the round (and 50 earlier ones; all after the last round) answers
//     200 with the same counts, or 404, never a 5xx;
//   - date_added is unique and strictly increasing over the whole collection (manifest
//     order), the X-TAXII-Date-Added-First/-Last headers of every page agree with it and
//     increase from page to page, a stored version keeps its date_added across restarts,
//     and everything added after a restart is dated after everything stored before it.
// It prints rounds, objects acknowledged and objects lost (must be 0), and exits 1 on any
// violation.
//
// Knobs: CRASH_ROUNDS (default 8), CRASH_MAX_LOAD_MS (load before the kill, chosen at
// random up to this; default 3000), CRASH_CLIENTS (default 4), CRASH_SEED (default: random),
// CRASH_SERVER (the CLI to run; default dist/src/cli/concord.js), CRASH_KEEP=1 (keep the
// temporary folder), CRASH_BY_ID_SAMPLE (default 100), CRASH_BY_ID_ALL=1 (GET objects/{id}/
// for every acknowledged object).
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const ROOT_DIR = path.resolve(__dirname, '../..');
const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 8);
const MAX_LOAD_MS = Number(process.env.CRASH_MAX_LOAD_MS ?? 3000);
const CLIENTS = Number(process.env.CRASH_CLIENTS ?? 4);
const SERVER_CLI = path.resolve(ROOT_DIR, process.env.CRASH_SERVER ?? 'dist/src/cli/concord.js');
const SEED = Number(process.env.CRASH_SEED ?? crypto.randomInt(1, 2 ** 31));
const TOKEN = `crash-admin-${crypto.randomBytes(12).toString('hex')}`;
const API_ROOT = 'crash';
const COLLECTION = 'c7a5e0f4-1b2d-4e3f-8a9b-0c1d2e3f4a5b';
const TAXII = 'application/taxii+json;version=2.1';
const REQUEST_TIMEOUT_MS = 15_000;
const BY_ID_LAST = 50;
const BY_ID_SAMPLE = Number(process.env.CRASH_BY_ID_SAMPLE ?? 100);
const BY_ID_ALL = process.env.CRASH_BY_ID_ALL === '1';
const STATUS_SAMPLE = 50;
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

// A small seeded generator (mulberry32), so that a failing run can be repeated with CRASH_SEED.
let rngState = SEED >>> 0;
function random(): number {
  rngState = (rngState + 0x6d2b79f5) >>> 0;
  let t = rngState;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const randomInt = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));

const violations: string[] = [];
function violation(message: string): void {
  violations.push(message);
  process.stdout.write(`  VIOLATION: ${message}\n`);
}

// ---------------------------------------------------------------- the server process

interface Server {
  child: ChildProcess;
  base: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderrTail: () => string;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function startServer(env: NodeJS.ProcessEnv, port: number): Promise<Server> {
  const child = spawn(process.execPath, [SERVER_CLI, 'serve'], {
    cwd: ROOT_DIR,
    env: { ...process.env, ...env, CONCORD_PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  let gone = false;
  void exited.then(() => (gone = true));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (gone) throw new Error(`the server exited during start:\n${stderr}`);
    if (Date.now() > deadline) throw new Error(`the server was not ready within 30 s:\n${stderr}`);
    try {
      const res = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      await res.text();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  return { child, base, exited, stderrTail: () => stderr };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------- what the clients learnt

interface Ack {
  id: string;
  version: string;
  round: number;
}
interface SeenStatus {
  id: string;
  round: number;
  total: number;
  success: number;
  failure: number;
  pending: number;
}

const acknowledged = new Map<string, Ack>(); // `${id}|${version}`
const statuses = new Map<string, SeenStatus>();
let postsSent = 0;
let postsAcknowledged = 0;
let postsInDoubt = 0; // the connection died before an answer: stored or not, both are fine
let objectsRefused = 0;
let objectsSent = 0;
let byIdChecked = 0;
let statusesChecked = 0;

/** Up to n distinct items at random. */
function pick<T>(items: T[], n: number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = randomInt(0, i);
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy.slice(0, n);
}

function indicatorJson(id: string, created: string, modified: string): Record<string, unknown> {
  return {
    type: 'indicator',
    spec_version: '2.1',
    id,
    created,
    modified,
    name: `crash test ${id.slice(11, 19)}`,
    pattern: `[ipv4-addr:value = '198.51.100.${randomInt(1, 254)}']`,
    pattern_type: 'stix',
    valid_from: created,
  };
}

/** One client: envelopes of 1–20 objects, new ones, new versions of its own, exact duplicates. */
interface Own {
  ids: string[];
  info: Map<string, { created: string; modified: number }>;
}

async function client(server: Server, round: number, mine: Own, stop: { now: boolean }) {
  while (!stop.now) {
    const objects: Record<string, unknown>[] = [];
    const count = randomInt(1, 20);
    for (let i = 0; i < count; i++) {
      const r = random();
      const known = mine.ids;
      if (r < 0.15 && known.length > 0) {
        // A new version of one of this client's objects.
        const id = known[randomInt(0, known.length - 1)] as string;
        const o = mine.info.get(id) as { created: string; modified: number };
        o.modified = Math.max(Date.now(), o.modified + 1);
        objects.push(indicatorJson(id, o.created, new Date(o.modified).toISOString()));
      } else if (r < 0.2 && known.length > 0) {
        // An exact duplicate of its latest version: a success that adds nothing (§5.5).
        const id = known[randomInt(0, known.length - 1)] as string;
        const o = mine.info.get(id) as { created: string; modified: number };
        objects.push(indicatorJson(id, o.created, new Date(o.modified).toISOString()));
      } else {
        const id = `indicator--${crypto.randomUUID()}`;
        const now = Date.now();
        const created = new Date(now).toISOString();
        mine.info.set(id, { created, modified: now });
        mine.ids.push(id);
        objects.push(indicatorJson(id, created, created));
      }
    }
    // Duplicates within one envelope (the same id twice in a row) are not what this tests.
    const seen = new Set<string>();
    const body = objects.filter((o) => {
      const k = `${o.id as string}|${o.modified as string}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    postsSent++;
    objectsSent += body.length;
    let res: Response;
    let text: string;
    try {
      res = await fetch(`${server.base}/${API_ROOT}/collections/${COLLECTION}/objects/`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': TAXII, Accept: TAXII },
        body: JSON.stringify({ objects: body }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      text = await res.text();
    } catch (e) {
      if ((e as Error).name === 'TimeoutError') violation(`round ${round}: a POST had no answer within ${REQUEST_TIMEOUT_MS} ms`);
      postsInDoubt++;
      if (stop.now) return;
      await sleep(20);
      continue;
    }
    if (res.status >= 500) violation(`round ${round}: POST answered ${res.status}: ${text.slice(0, 300)}`);
    if (res.status !== 202) {
      if (res.status < 500) violation(`round ${round}: POST answered ${res.status}: ${text.slice(0, 300)}`);
      continue;
    }
    const status = JSON.parse(text) as {
      id: string;
      status: string;
      total_count: number;
      success_count: number;
      failure_count: number;
      pending_count: number;
      successes?: Array<{ id: string; version: string }>;
      failures?: Array<{ id: string; message?: string }>;
    };
    postsAcknowledged++;
    statuses.set(status.id, {
      id: status.id,
      round,
      total: status.total_count,
      success: status.success_count,
      failure: status.failure_count,
      pending: status.pending_count,
    });
    if (status.status !== 'complete' || status.total_count !== body.length) {
      violation(`round ${round}: status ${status.id} is ${status.status} with total ${status.total_count} for ${body.length} objects`);
    }
    objectsRefused += status.failure_count;
    for (const f of status.failures ?? []) violation(`round ${round}: a valid object was refused: ${f.id}: ${f.message ?? ''}`);
    for (const s of status.successes ?? []) {
      const key = `${s.id}|${s.version}`;
      if (!acknowledged.has(key)) acknowledged.set(key, { id: s.id, version: s.version, round });
    }
  }
}

// ---------------------------------------------------------------- checks after a restart

/** GET with a retry on network errors only (a pooled connection to the killed process). */
async function get(url: string): Promise<{ status: number; headers: Headers; text: string }> {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(url, { headers: { Authorization: `Bearer ${TOKEN}`, Accept: TAXII }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      return { status: res.status, headers: res.headers, text: await res.text() };
    } catch (e) {
      // A hang is a failure, not something to retry.
      if ((e as Error).name === 'TimeoutError') throw new Error(`GET ${url}: no answer within ${REQUEST_TIMEOUT_MS} ms`);
      if (attempt >= 3) throw e;
      await sleep(50);
    }
  }
}

interface ManifestRecord {
  id: string;
  date_added: string;
  version: string;
}

/** Pages through an endpoint with match[version]=all, checking each page's headers. */
async function readAll<T>(server: Server, endpoint: 'manifest' | 'objects', round: number): Promise<T[]> {
  const items: T[] = [];
  let next: string | undefined;
  let previousLast: string | undefined;
  for (;;) {
    const url = `${server.base}/${API_ROOT}/collections/${COLLECTION}/${endpoint}/?match[version]=all&limit=1000${next ? `&next=${encodeURIComponent(next)}` : ''}`;
    const res = await get(url);
    if (res.status !== 200) {
      violation(`round ${round}: GET ${endpoint} answered ${res.status}: ${res.text.slice(0, 300)}`);
      return items;
    }
    const body = JSON.parse(res.text) as { more?: boolean; next?: string; objects?: T[] };
    const first = res.headers.get('x-taxii-date-added-first');
    const last = res.headers.get('x-taxii-date-added-last');
    const page = body.objects ?? [];
    if (page.length > 0) {
      if (!first || !last || !TIMESTAMP.test(first) || !TIMESTAMP.test(last) || first > last) {
        violation(`round ${round}: ${endpoint} page headers First=${first} Last=${last}`);
      }
      if (previousLast !== undefined && first !== null && first <= previousLast) {
        violation(`round ${round}: ${endpoint} page starts at ${first}, not after the previous page's last ${previousLast}`);
      }
      if (endpoint === 'manifest') {
        const records = page as unknown as ManifestRecord[];
        if (records[0]?.date_added !== first || records[records.length - 1]?.date_added !== last) {
          violation(`round ${round}: manifest headers ${first}..${last} disagree with its records ${records[0]?.date_added}..${records[records.length - 1]?.date_added}`);
        }
      }
      previousLast = last ?? previousLast;
    }
    items.push(...page);
    if (!body.more) return items;
    if (!body.next) {
      violation(`round ${round}: ${endpoint} says more without next`);
      return items;
    }
    next = body.next;
  }
}

/** date_added of every stored version, from the previous check (they must never change). */
let previousDates = new Map<string, string>();
let previousMax = '';

async function check(server: Server, round: number, full: boolean): Promise<number> {
  // The whole collection through the manifest: date_added order and uniqueness.
  const manifest = await readAll<ManifestRecord>(server, 'manifest', round);
  const dates = new Map<string, string>();
  let prev = '';
  for (const r of manifest) {
    if (!TIMESTAMP.test(r.date_added)) violation(`round ${round}: malformed date_added ${r.date_added}`);
    if (r.date_added <= prev) violation(`round ${round}: date_added ${r.date_added} of ${r.id} is not after ${prev}`);
    prev = r.date_added;
    const key = `${r.id}|${r.version}`;
    if (dates.has(key)) violation(`round ${round}: version ${key} listed twice`);
    dates.set(key, r.date_added);
  }
  for (const [key, date] of previousDates) {
    const now = dates.get(key);
    if (now === undefined) violation(`round ${round}: version ${key} (date_added ${date}) disappeared`);
    else if (now !== date) violation(`round ${round}: version ${key} changed date_added from ${date} to ${now}`);
  }
  for (const [key, date] of dates) {
    if (!previousDates.has(key) && date <= previousMax) {
      violation(`round ${round}: version ${key} added after the restart is dated ${date}, not after ${previousMax}`);
    }
  }

  // The same through objects/: every version once, in the same order.
  const objects = await readAll<{ id: string; modified: string }>(server, 'objects', round);
  if (objects.length !== manifest.length) violation(`round ${round}: objects/ lists ${objects.length} versions, the manifest ${manifest.length}`);
  for (let i = 0; i < Math.min(objects.length, manifest.length); i++) {
    const o = objects[i] as { id: string; modified: string };
    const m = manifest[i] as ManifestRecord;
    if (o.id !== m.id || o.modified !== m.version) {
      violation(`round ${round}: objects/ and manifest disagree at position ${i}: ${o.id}@${o.modified} vs ${m.id}@${m.version}`);
      break;
    }
  }

  // Every acknowledged version is there.
  let lost = 0;
  for (const [key, ack] of acknowledged) {
    if (!dates.has(key)) {
      lost++;
      violation(`round ${round}: acknowledged ${ack.id} version ${ack.version} (round ${ack.round}) is missing`);
    }
  }

  // By id, each acknowledged version of the round just killed (of every round after the
  // last one): all of them through match[id] (150 ids a request), and through the object
  // endpoint GET objects/{id}/ the last BY_ID_LAST acknowledged before the kill plus BY_ID_SAMPLE
  // others at random (CRASH_BY_ID_ALL=1: every one; slow on a busy machine, ~10 ms each).
  const roundAcks = [...acknowledged.values()].filter((a) => full || a.round === round);
  const byId = new Map<string, Set<string>>();
  for (const ack of roundAcks) {
    const set = byId.get(ack.id) ?? new Set<string>();
    set.add(ack.version);
    byId.set(ack.id, set);
  }
  const ids = [...byId.keys()];
  const batches: string[][] = [];
  for (let i = 0; i < ids.length; i += 150) batches.push(ids.slice(i, i + 150));
  await inParallel(batches, 4, async (batch) => {
    const found = new Set<string>();
    let next: string | undefined;
    do {
      const url = `${server.base}/${API_ROOT}/collections/${COLLECTION}/objects/?match[id]=${batch.join(',')}&match[version]=all&limit=1000${next ? `&next=${encodeURIComponent(next)}` : ''}`;
      const res = await get(url);
      if (res.status !== 200) {
        violation(`round ${round}: GET objects/?match[id]=… answered ${res.status}: ${res.text.slice(0, 200)}`);
        return;
      }
      const body = JSON.parse(res.text) as { more?: boolean; next?: string; objects?: Array<{ id: string; modified: string }> };
      for (const o of body.objects ?? []) found.add(`${o.id}|${o.modified}`);
      next = body.more ? body.next : undefined;
    } while (next);
    for (const id of batch) {
      for (const v of byId.get(id) as Set<string>) {
        if (!found.has(`${id}|${v}`)) violation(`round ${round}: match[id]=${id} lacks acknowledged version ${v}`);
      }
    }
  });
  const lastIds = [...new Set(roundAcks.slice(-BY_ID_LAST).map((a) => a.id))];
  const sampled = BY_ID_ALL ? ids : [...new Set([...lastIds, ...pick(ids, BY_ID_SAMPLE)])];
  byIdChecked += sampled.length;
  await inParallel(sampled, 4, async (id) => {
    const res = await get(`${server.base}/${API_ROOT}/collections/${COLLECTION}/objects/${id}/?match[version]=all&limit=1000`);
    if (res.status !== 200) {
      violation(`round ${round}: GET object ${id} answered ${res.status}: ${res.text.slice(0, 200)}`);
      return;
    }
    const versions = new Set(((JSON.parse(res.text) as { objects?: Array<{ modified: string }> }).objects ?? []).map((o) => o.modified));
    for (const v of byId.get(id) as Set<string>) {
      if (!versions.has(v)) violation(`round ${round}: GET object ${id} lacks acknowledged version ${v}`);
    }
  });

  // Statuses: those of the round just killed and STATUS_SAMPLE earlier ones at random (all
  // of them after the last round) answer 200 with the same counts, or 404; never a 5xx.
  const roundStatuses = [...statuses.values()].filter((st) => full || st.round === round);
  const earlier = full ? [] : pick([...statuses.values()].filter((st) => st.round !== round), STATUS_SAMPLE);
  statusesChecked += roundStatuses.length + earlier.length;
  await inParallel([...roundStatuses, ...earlier], 4, async (s) => {
    const res = await get(`${server.base}/${API_ROOT}/status/${s.id}/`);
    if (res.status === 404) return;
    if (res.status !== 200) {
      violation(`round ${round}: GET status ${s.id} answered ${res.status}: ${res.text.slice(0, 200)}`);
      return;
    }
    const b = JSON.parse(res.text) as { total_count: number; success_count: number; failure_count: number; pending_count: number };
    if (b.total_count !== s.total || b.success_count !== s.success || b.failure_count !== s.failure || b.pending_count !== s.pending) {
      violation(`round ${round}: status ${s.id} now counts ${JSON.stringify(b)}, was ${JSON.stringify(s)}`);
    }
  });

  previousDates = dates;
  previousMax = prev > previousMax ? prev : previousMax;
  return lost;
}

async function inParallel<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (i < items.length) await fn(items[i++] as T);
    }),
  );
}

// ---------------------------------------------------------------- the rounds

async function main(): Promise<void> {
  if (!fs.existsSync(SERVER_CLI)) throw new Error(`${SERVER_CLI} not found: run npm run build first`);
  const t0 = Date.now();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-crash-'));
  fs.writeFileSync(
    path.join(work, 'concord.json'),
    JSON.stringify({
      taxii: { page_size_default: 1000, page_size_max: 1000 },
      discovery: { title: 'Concord crash test' },
      directory: { dir: '.', apply_on_start: true },
      // One admin posts and checks as fast as the server answers: the request limits (their
      // own tests: test/security/throttling.test.ts) are set above that load, or a fast
      // machine would see 429s where this test looks for durability.
      security: { requests_per_member_per_minute: 10_000_000, requests_per_address_per_minute: 10_000_000 },
    }),
  );
  fs.writeFileSync(
    path.join(work, 'crash.json'),
    JSON.stringify({
      api_roots: [
        {
          path: API_ROOT,
          title: 'Crash test',
          max_content_length: 10 * 1024 * 1024,
          collections: [{ id: COLLECTION, alias: 'crash', title: 'Crash test collection', validation: 'standard' }],
        },
      ],
    }),
  );
  const env = {
    CONCORD_CONFIG: path.join(work, 'concord.json'),
    CONCORD_SQLITE_FILE: path.join(work, 'concord.db'),
    CONCORD_ADMIN_TOKEN: TOKEN,
    CONCORD_LOG_LEVEL: 'warn',
  };
  const port = await freePort();
  process.stdout.write(
    `Concord crash test: ${ROUNDS} rounds, ${CLIENTS} clients, load up to ${MAX_LOAD_MS} ms before each SIGKILL, seed ${SEED}\n  store ${env.CONCORD_SQLITE_FILE}\n`,
  );

  const mine: Own[] = Array.from({ length: CLIENTS }, () => ({ ids: [], info: new Map() }));
  let lost = 0;
  let server = await startServer(env, port);
  for (let round = 1; round <= ROUNDS; round++) {
    const stop = { now: false };
    const before = acknowledged.size;
    const clients = mine.map((m) => client(server, round, m, stop));
    const loadMs = randomInt(50, MAX_LOAD_MS);
    await sleep(loadMs);
    server.child.kill('SIGKILL');
    const { signal } = await server.exited;
    stop.now = true;
    await Promise.all(clients);
    if (signal !== 'SIGKILL') violation(`round ${round}: the server ended by ${signal ?? 'exit'} before it was killed:\n${server.stderrTail()}`);

    const tStart = Date.now();
    server = await startServer(env, port);
    const tCheck = Date.now();
    const roundLost = await check(server, round, round === ROUNDS);
    const tDone = Date.now();
    lost += roundLost;
    process.stdout.write(
      `  round ${round}: killed after ${loadMs} ms; ${acknowledged.size} versions acknowledged (+${acknowledged.size - before} this round), ${previousDates.size} stored, ${statuses.size} statuses, lost ${roundLost} (restart ${tCheck - tStart} ms, check ${tDone - tCheck} ms)\n`,
    );
  }
  // A clean stop at the end: SIGTERM lets the server finish and exit 0.
  server.child.kill('SIGTERM');
  const end = await server.exited;
  if (end.code !== 0) violation(`SIGTERM: the server exited with ${end.code ?? end.signal}`);

  const seconds = (Date.now() - t0) / 1000;
  process.stdout.write(
    [
      `rounds:                 ${ROUNDS}`,
      `POSTs:                  ${postsSent} sent, ${postsAcknowledged} acknowledged (202), ${postsInDoubt} cut by a kill`,
      `objects acknowledged:   ${acknowledged.size} versions (${objectsSent} objects sent, ${objectsRefused} refused)`,
      `versions stored:        ${previousDates.size}`,
      `statuses checked:       ${statusesChecked} checks of ${statuses.size} statuses`,
      `GET objects/{id}/:      ${byIdChecked} (every acknowledged version also through match[id] and the full read)`,
      `objects lost:           ${lost}`,
      `violations:             ${violations.length}`,
      `duration:               ${seconds.toFixed(1)} s`,
      '',
    ].join('\n'),
  );
  if (process.env.CRASH_KEEP) process.stdout.write(`kept ${work}\n`);
  else fs.rmSync(work, { recursive: true, force: true });
  if (violations.length > 0 || lost > 0) process.exit(1);
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
