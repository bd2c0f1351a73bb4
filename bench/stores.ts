// `npm run bench` (third part): the same workload on each store, side by side — the
// embedded SQLite store and, when MONGODB_URI is set, the MongoDB store. The real server
// over HTTP on 127.0.0.1; BENCH_STORE_OBJECTS objects (default 10,000).
//
// Here the MongoDB column is FerretDB v1 with its SQLite backend (.ci/ferretdb), not
// MongoDB: FerretDB pushes few filters and sorts down to SQLite, so most of its queries
// scan the collection. Its figures say what the MongoDB store's own code costs (round
// trips, lease, bulk writes) on a real wire-protocol server, not how fast MongoDB is.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { buildConfig } from '../src/config';
import { startServer } from '../src/main';
import { MongoStore } from '../src/store/mongo/mongo-store';
import { BENCH_DIRECTORY, PAGE, TOKEN, ingest, latePage, loadTemplates, pageThrough, pointReads } from './workload';

const TOTAL = Number(process.env.BENCH_STORE_OBJECTS ?? 10_000);
const MONGODB_URI = process.env.MONGODB_URI || undefined;

interface Figures {
  post: string;
  objects: string;
  manifest: string;
  filtered: string;
  late: string;
  byId: string;
  rare: string;
}

async function run(storeEnv: NodeJS.ProcessEnv): Promise<Figures> {
  const directoryDir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-bench-directory-'));
  fs.writeFileSync(path.join(directoryDir, 'bench.json'), JSON.stringify(BENCH_DIRECTORY));
  const config = buildConfig(
    { taxii: { page_size_default: PAGE, page_size_max: PAGE } },
    { CONCORD_DIRECTORY_DIR: directoryDir, CONCORD_APPLY_ON_START: 'true', CONCORD_PORT: '0', CONCORD_ADMIN_TOKEN: TOKEN, ...storeEnv },
    'bench-stores',
  );
  const server = await startServer(config, pino({ level: 'silent' }));
  try {
    const templates = loadTemplates();
    const posted = await ingest(server.url, templates, TOTAL);
    const objects = await pageThrough(server.url, 'objects', '');
    const manifest = await pageThrough(server.url, 'manifest', '');
    const filtered = await pageThrough(server.url, 'objects', '&match[type]=indicator,malware');
    const late = await latePage(server.url, manifest.lastPageStart);
    const point = await pointReads(server.url);
    if (objects.count !== posted.ingested) throw new Error(`paging returned ${objects.count} of ${posted.ingested} objects`);
    const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
    const p = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor((q / 100) * sorted.length))] as number;
    return {
      post: `${fmt(posted.ingested / posted.ingestSeconds)} obj/s, p50 ${p(posted.postLatencies, 50).toFixed(0)} ms`,
      objects: `${fmt(objects.count / objects.seconds)} obj/s, p50 ${objects.p50.toFixed(1)} ms`,
      manifest: `${fmt(manifest.count / manifest.seconds)} rec/s, p50 ${manifest.p50.toFixed(1)} ms`,
      filtered: `${fmt(filtered.count / filtered.seconds)} obj/s, p50 ${filtered.p50.toFixed(1)} ms`,
      late: `p50 ${p(late, 50).toFixed(1)} ms, p99 ${p(late, 99).toFixed(1)} ms`,
      byId: `p50 ${p(point.byId, 50).toFixed(1)} ms, p99 ${p(point.byId, 99).toFixed(1)} ms`,
      rare: `p50 ${p(point.rare, 50).toFixed(1)} ms (${point.rarest})`,
    };
  } finally {
    await server.close();
    fs.rmSync(directoryDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  process.stdout.write(`\nConcord bench, per store: ${TOTAL.toLocaleString('en-US')} objects, POST envelopes of 1,000, pages of ${PAGE}\n`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-bench-sqlite-'));
  const columns: Array<[string, Figures | string]> = [];
  try {
    columns.push(['SQLite (embedded)', await run({ CONCORD_DATA_DIR: dataDir })]);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  if (MONGODB_URI) {
    const database = `concord_bench_${process.pid}`;
    try {
      columns.push(['MongoDB store (FerretDB here)', await run({ MONGODB_URI, MONGODB_DATABASE: database })]);
    } finally {
      const store = await MongoStore.open(MONGODB_URI, database);
      await store.dropDatabase();
      await store.close();
    }
  } else {
    columns.push(['MongoDB store', 'skipped: MONGODB_URI is not set']);
  }
  const rows: Array<[string, keyof Figures]> = [
    ['POST, envelopes of 1,000', 'post'],
    ['GET objects/, whole collection', 'objects'],
    ['GET manifest/, whole collection', 'manifest'],
    ['GET objects/ match[type]=indicator,malware', 'filtered'],
    ['late page (added_after, limit=100)', 'late'],
    ['GET objects/{id}/ and versions/', 'byId'],
    ['rarest type, limit=100', 'rare'],
  ];
  const labelWidth = Math.max(...rows.map((r) => r[0].length));
  const cell = (f: Figures | string, k: keyof Figures) => (typeof f === 'string' ? (k === 'post' ? f : '') : f[k]);
  const widths = columns.map(([name, f]) => Math.max(name.length, ...rows.map(([, k]) => cell(f, k).length)));
  const line = (label: string, cells: string[]) =>
    `  ${label.padEnd(labelWidth)}  ${cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ')}\n`;
  process.stdout.write(line('', columns.map(([name]) => name)));
  for (const [label, k] of rows) process.stdout.write(line(label, columns.map(([, f]) => cell(f, k))));
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
