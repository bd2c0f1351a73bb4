// `npm run bench` (last part): a large collection on the embedded store. One member
// publishes indicators, envelopes of 1,000, to a collection it reads (each object is a
// base row plus the member's view and feed rows), over HTTP on 127.0.0.1, up to
// BENCH_LARGE_OBJECTS (default 1,000,000; `npm run bench` sets 200,000). At 10k, 100k,
// 250k, 500k and 1M objects (those within the size, and the size itself) it prints:
//   - ingest: objects/s over the last envelopes before the checkpoint, and the process's
//     CPU time per envelope (steadier than the rate when the machine is shared);
//   - disk: bytes per object (main file + WAL), rows per object, and the largest tables
//     and indexes (SQLite's dbstat), in bytes per object;
//   - reads: p50/p99 of GET objects/ limit=1000 pages at random positions (added_after
//     the start of a random envelope, then the page after it with next), as the admin on
//     the base collection and as the member on its view.
// Then a policy change of each kind for the member (it sees every object): the time until
// the admin request returns, and until the background builds end.
// The 1M curve: BENCH_LARGE_OBJECTS=1000000 npx ts-node --transpile-only bench/large.ts
// (about 6 minutes on a 2-core machine).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { v4 as uuidv4 } from 'uuid';
import { buildConfig } from '../src/config';
import { startServer } from '../src/main';
import { percentile } from './workload';

const TOTAL = Number(process.env.BENCH_LARGE_OBJECTS ?? 1_000_000);
const SAMPLES = Number(process.env.BENCH_LARGE_SAMPLES ?? 100);
const BATCH = 1000;
const PAGE = 1000;
const COLLECTION = '5c2e9a41-3b7d-4f0e-9a6c-1d8e2f4b6a70';
const ADMIN_TOKEN = 'bench-large-admin-token';
const MEMBER = 'member-001';
const IDENTITY = `identity--${uuidv4()}`;
const TLP_GREEN = 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb';
const CHECKPOINTS = [...new Set([10_000, 100_000, 250_000, 500_000, 1_000_000].filter((c) => c < TOTAL).concat(TOTAL))];

const DIRECTORY = {
  members: [{ id: MEMBER, name: 'Member 1', identity_ref: IDENTITY }],
  api_roots: [
    {
      path: 'bench',
      title: 'Bench',
      max_content_length: 200 * 1024 * 1024,
      collections: [{ id: COLLECTION, title: 'Large', acl: [{ grantee: `member:${MEMBER}`, read: true, write: true }] }],
    },
  ],
};

function indicator(i: number): Record<string, unknown> {
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: `indicator--${uuidv4()}`,
    created: '2026-01-01T00:00:00.000Z',
    modified: '2026-01-01T00:00:00.000Z',
    created_by_ref: IDENTITY,
    object_marking_refs: [TLP_GREEN],
    name: `bench indicator ${i}`,
    pattern: `[ipv4-addr:value = '10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}']`,
    pattern_type: 'stix',
    valid_from: '2026-01-01T00:00:00Z',
  };
}

interface Checkpoint {
  objects: number;
  ingestRate: number;
  /** CPU ms per envelope of 1,000 (client, server and validation threads): less sensitive than the rate to other load on the machine. */
  cpuPerEnvelope: number;
  bytesPerObject: number;
  rowsPerObject: number;
  largest: Array<[string, number]>;
  admin: { p50: number; p99: number };
  member: { p50: number; p99: number };
}

/** Disk figures, read through a second (read-only) connection to the data file. */
function diskFigures(file: string, objects: number): Pick<Checkpoint, 'bytesPerObject' | 'rowsPerObject' | 'largest'> {
  const size = (f: string) => (fs.existsSync(f) ? fs.statSync(f).size : 0);
  const bytes = size(file) + size(`${file}-wal`);
  const db = new Database(file, { readonly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
    let rows = 0;
    for (const t of tables) rows += db.prepare(`SELECT count(*) FROM "${t}"`).pluck().get() as number;
    const sizes = db.prepare('SELECT name, pgsize FROM dbstat WHERE aggregate = TRUE ORDER BY pgsize DESC LIMIT 8').raw(true).all() as Array<[string, number]>;
    return { bytesPerObject: bytes / objects, rowsPerObject: rows / objects, largest: sizes.filter(([, s]) => s > 65536) };
  } finally {
    db.close();
  }
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-bench-large-'));
  const dirDir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-bench-large-dir-'));
  fs.writeFileSync(path.join(dirDir, 'hub.json'), JSON.stringify(DIRECTORY));
  const config = buildConfig(
    { taxii: { page_size_default: PAGE, page_size_max: PAGE } },
    { CONCORD_DATA_DIR: dataDir, CONCORD_PORT: '0', CONCORD_ADMIN_TOKEN: ADMIN_TOKEN, CONCORD_DIRECTORY_DIR: dirDir, CONCORD_APPLY_ON_START: 'true' },
    'bench-large',
  );
  process.stdout.write(`Concord large-collection bench: up to ${TOTAL.toLocaleString('en-US')} objects, one member publishing to a collection it reads; node ${process.version}, ${os.cpus().length} CPUs\n`);
  const server = await startServer(config, pino({ level: 'silent' }));
  const started = process.hrtime.bigint();
  try {
    const res = await fetch(`${server.url}/admin/v1/members/${MEMBER}/credentials`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ kind: 'token', role: 'publisher' }),
    });
    if (res.status !== 201) throw new Error(`token: ${res.status} ${await res.text()}`);
    const memberToken = ((await res.json()) as { token: string }).token;
    const url = `${server.url}/bench/collections/${COLLECTION}/objects/`;

    /** Per envelope: the wall clock (ms) just before its POST, and how long the POST took (ms). */
    const postedAt: number[] = [];
    const postMs: number[] = [];
    /** Per envelope: this process's CPU time (µs, every thread) during its POST. */
    const postCpu: number[] = [];
    const results: Checkpoint[] = [];
    const samplePages = async (token: string, envelopes: number) => {
      const latencies: number[] = [];
      for (let s = 0; s < SAMPLES; s++) {
        // A random envelope, leaving two full pages after it.
        const k = Math.floor(Math.random() * Math.max(1, envelopes - 2));
        const after = new Date((postedAt[k] as number) - 1).toISOString();
        let next: string | undefined;
        for (let p = 0; p < 2; p++) {
          const t0 = process.hrtime.bigint();
          const page = await fetch(`${url}?limit=${PAGE}&added_after=${after}${next ? `&next=${encodeURIComponent(next)}` : ''}`, {
            headers: { Authorization: `Bearer ${token}`, Accept: 'application/taxii+json;version=2.1' },
          });
          if (page.status !== 200) throw new Error(`GET → ${page.status} ${await page.text()}`);
          const body = (await page.json()) as { more?: boolean; next?: string; objects?: unknown[] };
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
          if ((body.objects?.length ?? 0) !== PAGE) throw new Error(`a page of ${body.objects?.length ?? 0} objects at envelope ${k}`);
          next = body.next;
          if (!body.more || !next) break;
        }
      }
      latencies.sort((a, b) => a - b);
      return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
    };

    let posted = 0;
    for (const checkpoint of CHECKPOINTS) {
      while (posted < checkpoint) {
        const n = Math.min(BATCH, checkpoint - posted);
        const body = JSON.stringify({ objects: Array.from({ length: n }, (_, k) => indicator(posted + k)) });
        postedAt.push(Date.now());
        const t0 = process.hrtime.bigint();
        const cpu0 = process.cpuUsage();
        const r = await fetch(url, {
          method: 'POST',
          headers: { Authorization: `Bearer ${memberToken}`, 'Content-Type': 'application/taxii+json;version=2.1', Accept: 'application/taxii+json;version=2.1' },
          body,
        });
        const status = (await r.json()) as { success_count?: number; failure_count?: number; failures?: unknown[] };
        if (r.status !== 202 || (status.failure_count ?? 0) > 0) throw new Error(`POST ${r.status} ${JSON.stringify(status.failures?.slice(0, 2) ?? status)}`);
        postMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
        const cpu = process.cpuUsage(cpu0);
        postCpu.push(cpu.user + cpu.system);
        posted += n;
      }
      // The last envelopes: 10% of the checkpoint, at least 5 (past the warm-up at 10k), at most 20.
      const window = Math.min(20, Math.max(5, Math.round(postMs.length / 10)));
      const windowMs = postMs.slice(-window).reduce((a, b) => a + b, 0);
      const windowCpuMs = postCpu.slice(-window).reduce((a, b) => a + b, 0) / 1000;
      const disk = diskFigures(config.sqliteFile as string, posted);
      const admin = await samplePages(ADMIN_TOKEN, postedAt.length);
      const member = await samplePages(memberToken, postedAt.length);
      const c: Checkpoint = { objects: posted, ingestRate: (window * BATCH) / (windowMs / 1000), cpuPerEnvelope: windowCpuMs / window, ...disk, admin, member };
      results.push(c);
      const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
      process.stdout.write(
        `  ${posted.toLocaleString('en-US').padStart(9)} objects (${elapsed.toFixed(0)} s): ingest ${Math.round(c.ingestRate).toLocaleString('en-US')} objects/s (CPU ${Math.round(c.cpuPerEnvelope)} ms/envelope), ` +
          `${Math.round(c.bytesPerObject).toLocaleString('en-US')} B/object, ${c.rowsPerObject.toFixed(2)} rows/object, ` +
          `page p50/p99 admin ${admin.p50.toFixed(1)}/${admin.p99.toFixed(1)} ms, member ${member.p50.toFixed(1)}/${member.p99.toFixed(1)} ms\n` +
          `      largest (B/object): ${c.largest.map(([n, s]) => `${n} ${Math.round(s / posted)}`).join(', ')}\n`,
      );
    }
    const first = results[0] as Checkpoint;
    const last = results[results.length - 1] as Checkpoint;
    process.stdout.write(
      `  ingest at ${last.objects.toLocaleString('en-US')} is ${((last.ingestRate / first.ingestRate) * 100).toFixed(0)}% of its rate at ${first.objects.toLocaleString('en-US')}\n`,
    );
    // Policy changes for a member that sees every object: how long until the admin request
    // returns (everything the change hides is hidden by then), and until its background
    // builds end. Its receiving terms (its class changes), then its providing terms (every
    // class changes).
    const changeMou = async (mou: Record<string, unknown>) => {
      const t0 = process.hrtime.bigint();
      const r = await fetch(`${server.url}/admin/v1/members/${MEMBER}/mou`, {
        method: 'PUT',
        headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(mou),
      });
      if (r.status !== 200) throw new Error(`PUT mou: ${r.status} ${await r.text()}`);
      const returned = Number(process.hrtime.bigint() - t0) / 1e6;
      process.stdout.write(`${Math.round(returned).toLocaleString('en-US')} ms until the request returns, `);
      for (;;) {
        // A poll may meet a keep-alive connection the server is closing: asked again.
        const builds = await fetch(`${server.url}/admin/v1/sharing/builds`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } }).catch(() => undefined);
        if (builds !== undefined && ((await builds.json()) as { builds: unknown[] }).builds.length === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      process.stdout.write(`${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s until rebuilt\n`);
    };
    process.stdout.write(`  the member's receiving terms changed: `);
    await changeMou({ receive: { types: ['indicator', 'identity', 'marking-definition'] } });
    process.stdout.write(`  the member's providing terms changed: `);
    await changeMou({ receive: { types: ['indicator', 'identity', 'marking-definition'] }, provide: { attribution: 'pseudonymise' } });
  } finally {
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(dirDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
