// Two processes writing at once over one MongoDB database: how the write lease shares
// them out. Each process publishes BENCH_LEASE_OBJECTS objects (default 200) in writes of
// BENCH_LEASE_BATCH (default 20), as a POST does at the store: the base rows into a
// collection, then every reader's rows (two audience classes' views of it and their
// feeds, checked against the directory revision; BENCH_LEASE_FEEDS=0: no feeds). Run
// twice: both processes to one collection, then each to its own; objects per second over
// both.
//
//   MONGODB_URI=mongodb://127.0.0.1:27991/ npx ts-node --transpile-only bench/lease.ts
//
// On FerretDB (.ci/ferretdb) the figures are FerretDB's round trips, not MongoDB's speed.
// BENCH_LEASE_DELAY_MS=d puts a proxy between the processes and the server that delays
// every packet by d ms each way: a server across a network (round trip 2d), where a
// write's time is mostly round trips, which another process can use while it waits.
import { fork } from 'node:child_process';
import crypto from 'node:crypto';
import net from 'node:net';
import { MongoStore } from '../src/store/mongo/mongo-store';
import type { NewObjectVersion, PartitionBatch } from '../src/store/store';
import { feedPartition, viewPartition } from '../src/directory/hub-ids';
import { versionKey } from '../src/vocabulary/time';

const MONGODB_URI = process.env.MONGODB_URI;
const OBJECTS = Number(process.env.BENCH_LEASE_OBJECTS ?? 200);
const BATCH = Number(process.env.BENCH_LEASE_BATCH ?? 20);
const ROUNDS = Number(process.env.BENCH_LEASE_ROUNDS ?? 3);
const CLASSES = ['class-a', 'class-b'];
const FEEDS = process.env.BENCH_LEASE_FEEDS !== '0';
const DELAY_MS = Number(process.env.BENCH_LEASE_DELAY_MS ?? 0);

interface WorkerReport {
  ms: number;
  objects: number;
  /** Time spent taking leases (the store's own count, when it keeps one). */
  takingMs?: number;
}

function version(n: number): NewObjectVersion {
  const id = `indicator--${crypto.randomUUID()}`;
  const modified = '2025-06-01T00:00:00.000Z';
  const json = JSON.stringify({ type: 'indicator', spec_version: '2.1', id, created: modified, modified, name: `lease ${n}` });
  return { id, type: 'indicator', version: modified, versionKey: versionKey(modified) as string, specVersion: '2.1', json, provider: 'bench' };
}

/** One process: waits until `startAt`, then publishes OBJECTS objects to `collection`. */
async function worker(uri: string, database: string, collection: string, startAt: number): Promise<WorkerReport> {
  const store = await MongoStore.open(uri, database);
  try {
    const revision = await store.directoryRevision();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())));
    const t0 = performance.now();
    for (let done = 0; done < OBJECTS; done += BATCH) {
      const base = Array.from({ length: Math.min(BATCH, OBJECTS - done) }, (_, i) => version(done + i));
      const added = await store.addObjects(collection, base);
      const rows = base.map((v, i) => {
        const a = added[i];
        return { ...v, json: '', provider: undefined, baseCollection: collection, ...(a?.outcome === 'added' ? { dateAdded: a.dateAdded } : {}) };
      });
      const views: PartitionBatch[] = CLASSES.flatMap((cls) => [
        { partition: viewPartition(cls, collection), versions: rows },
        ...(FEEDS ? [{ partition: feedPartition(cls), versions: rows }] : []),
      ]);
      await store.addObjectsToMany(views, { directoryRevision: revision });
    }
    const ms = performance.now() - t0;
    // Absent before the leases per key (the same bench on the earlier code).
    const stats = (store as { leaseStats?: () => { takingMs: number } }).leaseStats?.();
    return { ms, objects: OBJECTS, ...(stats ? { takingMs: stats.takingMs } : {}) };
  } finally {
    await store.close();
  }
}

/** A TCP proxy to the server of `uri` delaying every chunk by `ms` each way; resolves to its URI. */
async function delayingProxy(uri: string, ms: number): Promise<{ uri: string; close: () => void }> {
  const m = /^mongodb:\/\/([^/:]+):(\d+)/.exec(uri);
  if (!m) throw new Error('BENCH_LEASE_DELAY_MS needs a mongodb://host:port/ URI');
  const [host, port] = [m[1] as string, Number(m[2])];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    // Timers of one duration fire in the order they were set: the byte stream keeps its order.
    client.on('data', (d) => setTimeout(() => upstream.write(d), ms));
    upstream.on('data', (d) => setTimeout(() => client.write(d), ms));
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: local } = server.address() as net.AddressInfo;
  return {
    uri: `mongodb://127.0.0.1:${local}/?directConnection=true`,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

interface Figure {
  objectsPerSecond: number;
  /** Share of the processes' time spent taking leases. */
  taking?: number;
}

async function run(uri: string, database: string, collections: string[]): Promise<Figure> {
  const startAt = Date.now() + 1_500;
  const reports = await Promise.all(
    collections.map(
      (collection) =>
        new Promise<WorkerReport>((resolve, reject) => {
          const child = fork(__filename, ['worker', uri, database, collection, String(startAt)], { execArgv: ['-r', 'ts-node/register/transpile-only'] });
          child.once('message', (m) => resolve(m as WorkerReport));
          child.once('error', reject);
          child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`worker exited with ${code}`))));
        }),
    ),
  );
  const objects = reports.reduce((n, r) => n + r.objects, 0);
  const ms = Math.max(...reports.map((r) => r.ms));
  const taking = reports.every((r) => r.takingMs !== undefined)
    ? reports.reduce((n, r) => n + (r.takingMs as number), 0) / reports.reduce((n, r) => n + r.ms, 0)
    : undefined;
  return { objectsPerSecond: objects / (ms / 1000), ...(taking !== undefined ? { taking } : {}) };
}

async function main(): Promise<void> {
  if (!MONGODB_URI) throw new Error('MONGODB_URI is not set');
  if (process.argv[2] === 'worker') {
    const [, , , uri, database, collection, startAt] = process.argv;
    const report = await worker(uri as string, database as string, collection as string, Number(startAt));
    (process.send as (m: unknown) => void)(report);
    return;
  }
  const proxy = DELAY_MS > 0 ? await delayingProxy(MONGODB_URI, DELAY_MS) : undefined;
  const uri = proxy?.uri ?? MONGODB_URI;
  const figures: Record<'alone' | 'same' | 'two', Figure[]> = { alone: [], same: [], two: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of ['alone', 'same', 'two'] as const) {
      const database = `concord_bench_lease_${crypto.randomBytes(3).toString('hex')}`;
      const c1 = crypto.randomUUID();
      const c2 = mode === 'same' ? c1 : crypto.randomUUID();
      try {
        figures[mode].push(await run(uri, database, mode === 'alone' ? [c1] : [c1, c2]));
      } finally {
        const store = await MongoStore.open(MONGODB_URI, database);
        await store.dropDatabase();
        await store.close();
      }
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const fmt = (fs: Figure[]) => {
    const xs = fs.map((f) => f.objectsPerSecond);
    const taking = fs.every((f) => f.taking !== undefined) ? `, ${(median(fs.map((f) => f.taking as number)) * 100).toFixed(0)}% of the time taking leases` : '';
    return `${median(xs).toFixed(0)} obj/s (runs: ${xs.map((x) => x.toFixed(0)).join(', ')})${taking}`;
  };
  proxy?.close();
  const delay = DELAY_MS > 0 ? `, ${DELAY_MS} ms added each way` : '';
  console.log(`${OBJECTS} objects per process in writes of ${BATCH}, base rows + ${CLASSES.length} classes' views${FEEDS ? ' and feeds' : ''}${delay}:`);
  console.log(`  one process alone:                        ${fmt(figures.alone)}`);
  console.log(`  two processes, both to one collection:     ${fmt(figures.same)}`);
  console.log(`  two processes, each to its own collection: ${fmt(figures.two)}`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
