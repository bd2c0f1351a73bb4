// Restart of a MongoDB-store process that died holding the write lease: how long until
// it answers a read, and until a POST succeeds.
//
//   MONGODB_URI=mongodb://127.0.0.1:27991/ npx ts-node --transpile-only bench/restart.ts
//
// A first server (the shipped configuration and directory files) stores a few objects and
// stops. Then the crash is staged as a process killed in the middle of a POST leaves the
// database: its lock document, valid for BENCH_LEASE_MS more (default 30 s, the lease
// TTL), and its pending range (base rows written, readers' views not yet). A second
// server is started over it, timed from the call to startServer. On the code before the
// leases per collection, the lock to stage is BENCH_LOCKS=writer-lock.
import crypto from 'node:crypto';
import path from 'node:path';
import pino from 'pino';
import { MongoClient, type Document } from 'mongodb';
import { loadConfig } from '../src/config';
import { startServer } from '../src/main';
import { lockId, partitionKey } from '../src/store/mongo/write-lease';

const MONGODB_URI = process.env.MONGODB_URI;
const LEASE_MS = Number(process.env.BENCH_LEASE_MS ?? 30_000);
const TOKEN = 'bench-restart-admin-token';
// The shipped example's shared indicators collection (collections/api-roots.json).
const INDICATORS = '2f0d6a3e-6c1b-4c55-9a7e-2b8f0c1d4e5a';
const TAXII = 'application/taxii+json;version=2.1';
const headers = { Authorization: `Bearer ${TOKEN}`, Accept: TAXII, 'Content-Type': TAXII };
/** The lock documents a POST to INDICATORS holds while it writes its base rows (write-lease.ts). */
const LOCKS = process.env.BENCH_LOCKS?.split(',') ?? [lockId(partitionKey(INDICATORS))];

function indicator(n: number): Record<string, unknown> {
  const t = '2025-06-01T00:00:00.000Z';
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: `indicator--${crypto.randomUUID()}`,
    created: t,
    modified: t,
    name: `restart ${n}`,
    pattern: `[ipv4-addr:value = '10.1.0.${n % 256}']`,
    pattern_type: 'stix',
    valid_from: t,
  };
}

async function post(url: string, objects: unknown[]): Promise<void> {
  const res = await fetch(`${url}/hub/collections/${INDICATORS}/objects/`, { method: 'POST', headers, body: JSON.stringify({ objects }) });
  if (res.status !== 202) throw new Error(`POST → ${res.status}: ${await res.text()}`);
}

async function main(): Promise<void> {
  if (!MONGODB_URI) throw new Error('MONGODB_URI is not set');
  const database = `concord_bench_restart_${crypto.randomBytes(3).toString('hex')}`;
  const config = loadConfig({
    CONCORD_CONFIG: path.resolve(__dirname, '../collections/concord.json'),
    MONGODB_URI,
    MONGODB_DATABASE: database,
    CONCORD_PORT: '0',
    CONCORD_ADMIN_TOKEN: TOKEN,
    CONCORD_VALIDATION_THREADS: '0',
  });
  const logger = pino({ level: process.env.BENCH_LOG_LEVEL ?? 'silent' });
  const client = new MongoClient(MONGODB_URI);
  await client.connect();
  const db = client.db(database);
  try {
    const first = await startServer(config, logger);
    await post(first.url, Array.from({ length: 20 }, (_, i) => indicator(i)));
    await first.close();

    // The crash: a lock its holder will never release, and the range its POST left pending.
    const until = Date.now() + LEASE_MS;
    for (const id of LOCKS) await db.collection('meta').insertOne({ _id: id, owner: 'crashed-holder', until } as Document);
    // BENCH_PENDING=0: a crash between two writes, with nothing left pending.
    const rows = process.env.BENCH_PENDING === '0' ? [] : await db.collection('objects').find({ c: INDICATORS }).sort({ da: 1 }).toArray();
    const from = rows[0]?.da as number;
    const to = rows[rows.length - 1]?.da as number;
    if (rows.length > 0) await db.collection('pending').insertOne({ _id: `${INDICATORS}\u0000${from}`, c: INDICATORS, from, to } as unknown as Document);

    const t0 = performance.now();
    const since = () => `${((performance.now() - t0) / 1000).toFixed(2)} s`;
    const second = await startServer(config, logger);
    const listening = since();
    const discovery = await fetch(`${second.url}/taxii2/`, { headers });
    if (discovery.status !== 200) throw new Error(`discovery → ${discovery.status}`);
    const discoveryAt = since();
    const page = await fetch(`${second.url}/hub/collections/${INDICATORS}/objects/?limit=10`, { headers });
    if (page.status !== 200) throw new Error(`objects → ${page.status}`);
    const pageAt = since();
    await post(second.url, [indicator(100)]);
    const postAt = since();
    console.log(
      `lock valid ${(LEASE_MS / 1000).toFixed(0)} s more at the restart: listening ${listening}, ` +
        `discovery ${discoveryAt}, objects page ${pageAt}, first POST 202 ${postAt}`,
    );
    await second.close();
  } finally {
    await db.dropDatabase().catch(() => undefined);
    await client.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
