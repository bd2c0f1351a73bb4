// `npm run bench` (second part): the cost of distribution. Over HTTP on
//   127.0.0.1, embedded store, real validator:
//   - fan-out: ingest by one publisher into a collection read by N members with a handful
//     of distinct agreements among them (so a handful of audience classes, each with its
//     view and feed row per object), for N in BENCH_SHARING_READERS (default
//     1,50,500,1000,10000), against the same ingest with a single reader
//     (BENCH_FANOUT_OBJECTS, default 5000); with the rows stored per object;
//   - reads: a collection of BENCH_SHARING_OBJECTS (default 100000) read by 5 members, paged
//     whole as the admin (the base collection) and as a member with a realistic agreement
//     (its materialised view): objects/s and page latency.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { v4 as uuidv4 } from 'uuid';
import { buildConfig } from '../src/config';
import { startServer, type RunningServer } from '../src/main';

const READ_OBJECTS = Number(process.env.BENCH_SHARING_OBJECTS ?? 100_000);
const FANOUT_OBJECTS = Number(process.env.BENCH_FANOUT_OBJECTS ?? 5_000);
const READER_COUNTS = (process.env.BENCH_SHARING_READERS ?? '1,50,500,1000,10000').split(',').map(Number);
const READERS = 5;
const BATCH = 1000;
const PAGE = 1000;
const COLLECTION = '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const ADMIN_TOKEN = 'bench-sharing-admin-token';
const TLP = {
  green: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
  amber: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
  clear: 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487',
};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** A directory file: `readers` members who read the collection (member-000 alone publishes), with MOUs. */
function directoryFile(readers: number): Record<string, unknown> {
  const members = Array.from({ length: readers }, (_, i) => ({
    id: `member-${String(i).padStart(3, '0')}`,
    name: `Member ${i}`,
    identity_ref: `identity--${uuidv4()}`,
    groups: i % 2 === 0 ? ['even'] : ['odd'],
  }));
  return {
    groups: [
      { id: 'even', name: 'Even members' },
      { id: 'odd', name: 'Odd members' },
    ],
    members,
    // The publisher shares AMBER with the even group only and pseudonymises itself; every
    // fifth member receives indicators only; the rest use the defaults.
    mous: [
      { member: 'member-000', provide: { attribution: 'pseudonymise', audiences: [{ markings: ['amber'], to: ['group:even'] }] } },
      ...members.filter((_, i) => i > 0 && i % 5 === 0).map((m) => ({ member: m.id, receive: { types: ['indicator'] } })),
    ],
    api_roots: [
      {
        path: 'bench',
        title: 'Bench',
        max_content_length: 200 * 1024 * 1024,
        collections: [
          {
            id: COLLECTION,
            title: 'Shared',
            acl: [
              { grantee: 'everyone', read: true, write: false },
              { grantee: 'member:member-000', read: true, write: true },
            ],
          },
        ],
      },
    ],
  };
}

function object(i: number, publisherIdentity: string): Record<string, unknown> {
  const marking = i % 10 === 0 ? TLP.amber : i % 3 === 0 ? TLP.clear : TLP.green;
  const base = { spec_version: '2.1', created: '2026-01-01T00:00:00.000Z', modified: '2026-01-01T00:00:00.000Z', created_by_ref: publisherIdentity, object_marking_refs: [marking] };
  if (i % 4 === 3) return { ...base, type: 'malware', id: `malware--${uuidv4()}`, name: `malware ${i}`, is_family: false };
  return { ...base, type: 'indicator', id: `indicator--${uuidv4()}`, pattern: `[ipv4-addr:value = '10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}']`, pattern_type: 'stix', valid_from: '2026-01-01T00:00:00Z' };
}

interface BenchServer {
  server: RunningServer;
  tokens: string[];
  identity: string;
  /** Rows in the store's objects table (base rows and every view's rows). */
  rows(): number;
}

async function withServer<T>(readers: number, run: (bench: BenchServer) => Promise<T>): Promise<T> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-bench-sharing-'));
  const dirDir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-bench-sharing-dir-'));
  const file = directoryFile(readers);
  fs.writeFileSync(path.join(dirDir, 'hub.json'), JSON.stringify(file));
  const config = buildConfig(
    { taxii: { page_size_default: PAGE, page_size_max: PAGE } },
    { CONCORD_DATA_DIR: dataDir, CONCORD_PORT: '0', CONCORD_ADMIN_TOKEN: ADMIN_TOKEN, CONCORD_DIRECTORY_DIR: dirDir, CONCORD_APPLY_ON_START: 'true' },
    'bench-sharing',
  );
  const server = await startServer(config, pino({ level: 'silent' }));
  try {
    // Member tokens through the admin API, as an operator would issue them.
    const tokens: string[] = [];
    for (const m of (file.members as Array<{ id: string }>).slice(0, 2)) {
      const res = await fetch(`${server.url}/admin/v1/members/${m.id}/credentials`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ kind: 'token', role: 'publisher' }),
      });
      if (res.status !== 201) throw new Error(`token: ${res.status} ${await res.text()}`);
      tokens.push(((await res.json()) as { token: string }).token);
    }
    const identity = (file.members as Array<{ identity_ref: string }>)[0]?.identity_ref as string;
    const rows = () => {
      const db = new Database(path.join(dataDir, 'concord.db'), { readonly: true, fileMustExist: true });
      try {
        return db.prepare('SELECT count(*) FROM objects').pluck().get() as number;
      } finally {
        db.close();
      }
    };
    return await run({ server, tokens, identity, rows });
  } finally {
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(dirDir, { recursive: true, force: true });
  }
}

async function ingest(server: RunningServer, token: string, identity: string, total: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let start = 0; start < total; start += BATCH) {
    const objects = Array.from({ length: Math.min(BATCH, total - start) }, (_, k) => object(start + k, identity));
    const res = await fetch(`${server.url}/bench/collections/${COLLECTION}/objects/`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/taxii+json;version=2.1' },
      body: JSON.stringify({ objects }),
    });
    const status = (await res.json()) as { failure_count: number; failures?: unknown[] };
    if (res.status !== 202 || status.failure_count > 0) throw new Error(`POST ${res.status} ${JSON.stringify(status.failures?.slice(0, 2))}`);
  }
  return total / (Number(process.hrtime.bigint() - t0) / 1e9);
}

/**
 * Replaces the publisher's MOU (AMBER to `amberTo`) through the admin API: milliseconds
 * until it returns, and until the class builds it started have ended.
 */
async function putPublisherMou(server: RunningServer, amberTo: string[]): Promise<{ returned: number; built: number }> {
  const t0 = process.hrtime.bigint();
  const res = await fetch(`${server.url}/admin/v1/members/member-000/mou`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ provide: { attribution: 'pseudonymise', audiences: [{ markings: ['amber'], to: amberTo }] } }),
  });
  if (res.status !== 200) throw new Error(`PUT mou: ${res.status} ${await res.text()}`);
  const returned = Number(process.hrtime.bigint() - t0) / 1e6;
  for (;;) {
    const builds = await fetch(`${server.url}/admin/v1/sharing/builds`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    if (((await builds.json()) as { builds: unknown[] }).builds.length === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { returned, built: Number(process.hrtime.bigint() - t0) / 1e6 };
}

async function pageAll(server: RunningServer, token: string): Promise<{ count: number; rate: number; p50: number; p99: number }> {
  const latencies: number[] = [];
  let next: string | undefined;
  let count = 0;
  const t0 = process.hrtime.bigint();
  do {
    const a = process.hrtime.bigint();
    const res = await fetch(`${server.url}/bench/collections/${COLLECTION}/objects/?limit=${PAGE}${next ? `&next=${encodeURIComponent(next)}` : ''}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    const body = (await res.json()) as { objects?: unknown[]; more?: boolean; next?: string };
    latencies.push(Number(process.hrtime.bigint() - a) / 1e6);
    count += body.objects?.length ?? 0;
    next = body.more ? body.next : undefined;
  } while (next);
  latencies.sort((x, y) => x - y);
  return { count, rate: count / (Number(process.hrtime.bigint() - t0) / 1e9), p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function main(): Promise<void> {
  process.stdout.write(
    `Concord sharing bench: fan-out of ${FANOUT_OBJECTS} objects to ${READER_COUNTS.join(', ')} readers; reads over ${READ_OBJECTS} objects, ${READERS} members; node ${process.version}, ${os.cpus().length} CPUs\n`,
  );
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const lines: Array<[string, string]> = [];
  let single: number | undefined;
  for (const readers of READER_COUNTS) {
    const { rate, rowsPerObject, narrow, widen } = await withServer(readers, async (b) => {
      const rate = await ingest(b.server, b.tokens[0] as string, b.identity, FANOUT_OBJECTS);
      const rowsPerObject = b.rows() / FANOUT_OBJECTS;
      // A policy change every class reads: the publisher's AMBER to itself alone, then back.
      const narrow = await putPublisherMou(b.server, ['member:member-000']);
      const widen = await putPublisherMou(b.server, ['group:even']);
      return { rate, rowsPerObject, narrow, widen };
    });
    single ??= rate;
    lines.push([`POST, ${fmt(readers)} reader${readers === 1 ? '' : 's'}`, `${fmt(rate)} objects/s (${((rate / single) * 100).toFixed(0)}% of ${fmt(READER_COUNTS[0] as number)}), ${rowsPerObject.toFixed(1)} rows per object`]);
    lines.push([
      `  publisher's MOU narrowed / widened`,
      `${fmt(narrow.returned)} ms / ${fmt(widen.returned)} ms until the admin request returns, ${fmt(narrow.built)} ms / ${fmt(widen.built)} ms until rebuilt`,
    ]);
  }
  const reads = await withServer(READERS, async (b) => {
    const rate = await ingest(b.server, b.tokens[0] as string, b.identity, READ_OBJECTS);
    const admin = await pageAll(b.server, ADMIN_TOKEN);
    const member = await pageAll(b.server, b.tokens[1] as string);
    return { rate, admin, member };
  });
  lines.push(
    [`POST, ${READERS} readers`, `${fmt(reads.rate)} objects/s`],
    ['GET objects/ as the admin (base)', `${fmt(reads.admin.count)} objects, ${fmt(reads.admin.rate)} objects/s, p50 ${reads.admin.p50.toFixed(1)} ms, p99 ${reads.admin.p99.toFixed(1)} ms`],
    ['GET objects/ as a member (its view)', `${fmt(reads.member.count)} objects, ${fmt(reads.member.rate)} objects/s, p50 ${reads.member.p50.toFixed(1)} ms, p99 ${reads.member.p99.toFixed(1)} ms`],
    ['member throughput / admin throughput', `${((reads.member.rate / reads.admin.rate) * 100).toFixed(0)}%`],
  );
  const width = Math.max(...lines.map((l) => l[0].length));
  for (const [k, v] of lines) process.stdout.write(`  ${k.padEnd(width)}  ${v}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
