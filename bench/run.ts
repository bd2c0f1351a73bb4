// `npm run bench`: figures, not pass/fail. Starts the real server (embedded SQLite store,
// a temporary data directory) and measures, over HTTP on 127.0.0.1:
//   - ingest: POST envelopes of 1,000 objects (objects/s);
//   - paging: GET objects/ with limit=1000 through the whole collection, following next
//     (objects/s, p50/p99 page latency), and the same for the manifest;
//   - filtered paging: match[type]=indicator,malware (two types: the merged index path);
//   - a late page: one page requested at the end of the collection (its cost must not grow
//     with the collection's size).
// Objects are re-identified copies of the two real bundles in ../shared/datasets/.
// BENCH_OBJECTS (default 100000) sets the collection size.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { buildConfig } from '../src/config';
import { startServer } from '../src/main';
import { StixValidator } from '../src/stix/stix-validator';

const TOTAL = Number(process.env.BENCH_OBJECTS ?? 100_000);
const BATCH = 1000;
const PAGE = 1000;
const TOKEN = 'bench-admin-token';
const COLLECTION = '0b6f6c2e-6f0e-4c3b-9d0a-8f1e2d3c4b5a';
const DATASETS = path.resolve(__dirname, '../../shared/datasets');
const FILES = ['fireeye-pivy-report-with-indicators.json', 'mobile-attack-17.1.json'];

function loadTemplates(): string[] {
  const templates: string[] = [];
  for (const f of FILES) {
    const file = path.join(DATASETS, f);
    if (!fs.existsSync(file)) throw new Error(`dataset not found: ${file} (run from a clone with ../shared beside it)`);
    const bundle = JSON.parse(fs.readFileSync(file, 'utf8')) as { objects: unknown[] };
    for (const o of bundle.objects) templates.push(JSON.stringify(o));
  }
  return templates;
}

const UUID_REF = /([a-z0-9-]+--)([0-9a-f]{8})(-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/g;

/** Copy `k` of a template object: every identifier (its own and its references) gets copy k's prefix. */
function reidentify(template: string, k: number): string {
  const prefix = k.toString(16).padStart(8, '0');
  return template.replace(UUID_REF, (_m, type: string, _first: string, rest: string) => `${type}${prefix}${rest}`);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = process.hrtime.bigint();
  const r = await fn();
  return [r, Number(process.hrtime.bigint() - t0) / 1e6];
}

async function pageThrough(base: string, endpoint: 'objects' | 'manifest', query: string) {
  const latencies: number[] = [];
  let next: string | undefined;
  let count = 0;
  let lastPageStart: string | undefined;
  const t0 = process.hrtime.bigint();
  do {
    const url = `${base}/bench/collections/${COLLECTION}/${endpoint}/?limit=${PAGE}${query}${next ? `&next=${encodeURIComponent(next)}` : ''}`;
    const [body, ms] = await timed(async () => {
      const res = await fetch(url, { headers: { Authorization: `Bearer ${TOKEN}`, Accept: 'application/taxii+json;version=2.1' } });
      if (res.status !== 200) throw new Error(`GET ${url} → ${res.status} ${await res.text()}`);
      lastPageStart = res.headers.get('X-TAXII-Date-Added-First') ?? undefined;
      return (await res.json()) as { more?: boolean; next?: string; objects?: unknown[] };
    });
    latencies.push(ms);
    count += body.objects?.length ?? 0;
    next = body.more ? body.next : undefined;
  } while (next);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  latencies.sort((a, b) => a - b);
  return { count, seconds, pages: latencies.length, p50: percentile(latencies, 50), p99: percentile(latencies, 99), lastPageStart };
}

/** POSTs TOTAL objects in envelopes of BATCH, one after another. */
async function ingest(base: string, templates: string[]) {
  const postLatencies: number[] = [];
  let bytes = 0;
  let ingested = 0;
  const t0 = process.hrtime.bigint();
  for (let start = 0; start < TOTAL; start += BATCH) {
    const items: string[] = [];
    for (let i = start; i < Math.min(start + BATCH, TOTAL); i++) {
      items.push(reidentify(templates[i % templates.length] as string, Math.floor(i / templates.length) + 1));
    }
    const body = `{"objects":[${items.join(',')}]}`;
    bytes += body.length;
    const [status, ms] = await timed(async () => {
      const res = await fetch(`${base}/bench/collections/${COLLECTION}/objects/`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/taxii+json;version=2.1', Accept: 'application/taxii+json;version=2.1' },
        body,
      });
      if (res.status !== 202) throw new Error(`POST → ${res.status} ${await res.text()}`);
      return (await res.json()) as { success_count: number; failure_count: number };
    });
    if (status.failure_count > 0) throw new Error(`ingest refused ${status.failure_count} objects`);
    ingested += status.success_count;
    postLatencies.push(ms);
  }
  const ingestSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  postLatencies.sort((a, b) => a - b);

  return { ingested, ingestSeconds, bytes, postLatencies };
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-bench-'));
  const configObject = { taxii: { page_size_default: PAGE, page_size_max: PAGE } };
  // The bench API root and collection, as a directory file applied at start.
  const directoryFile = {
    api_roots: [
      {
        path: 'bench',
        title: 'Bench',
        max_content_length: 200 * 1024 * 1024,
        collections: [{ id: COLLECTION, title: 'Bench collection', validation: 'standard', allow_custom: true }],
      },
    ],
  };
  const directoryDir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-bench-directory-'));
  fs.writeFileSync(path.join(directoryDir, 'bench.json'), JSON.stringify(directoryFile));
  const directoryEnv = { CONCORD_DIRECTORY_DIR: directoryDir, CONCORD_APPLY_ON_START: 'true' };
  const config = buildConfig(configObject, { ...directoryEnv, CONCORD_DATA_DIR: dataDir, CONCORD_PORT: '0', CONCORD_ADMIN_TOKEN: TOKEN }, 'bench');
  const templates = loadTemplates();
  process.stdout.write(`Concord bench: ${TOTAL} objects (copies of ${templates.length} real objects), node ${process.version}, ${os.cpus().length} CPUs\n`);

  // The gatekeeper alone: schema compile once, then every real object (3 passes).
  const t0Compile = process.hrtime.bigint();
  const validator = StixValidator.load();
  const loadMs = Number(process.hrtime.bigint() - t0Compile) / 1e6;
  const parsedTemplates = templates.map((t) => JSON.parse(t) as Record<string, unknown>);
  let refused = 0;
  const tv = process.hrtime.bigint();
  for (let pass = 0; pass < 3; pass++) {
    for (const o of parsedTemplates) if (!validator.validate(o, { policy: 'standard', allowCustom: true }).accepted) refused++;
  }
  const validationSeconds = Number(process.hrtime.bigint() - tv) / 1e9;
  const validationRate = (3 * parsedTemplates.length) / validationSeconds;
  if (refused > 0) throw new Error(`the validator refused ${refused / 3} real objects`);

  // Baseline: the same ingest with validation switched off (a validator that checks
  // nothing, in place), on its own server and data directory.
  const baselineDir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-bench-baseline-'));
  const baselineServer = await startServer(
    buildConfig(configObject, { ...directoryEnv, CONCORD_DATA_DIR: baselineDir, CONCORD_PORT: '0', CONCORD_ADMIN_TOKEN: TOKEN, CONCORD_VALIDATION_THREADS: '0' }, 'bench-baseline'),
    pino({ level: 'silent' }),
    new StixValidator({ compileMs: 0, validate: () => [] }, []),
  );
  const baseline = await ingest(baselineServer.url, templates);
  await baselineServer.close();
  fs.rmSync(baselineDir, { recursive: true, force: true });

  const server = await startServer(config, pino({ level: 'silent' }));
  const base = server.url;
  const full = await ingest(base, templates);
  const { ingested, ingestSeconds, bytes, postLatencies } = full;

  const objects = await pageThrough(base, 'objects', '');
  const manifest = await pageThrough(base, 'manifest', '');
  const filtered = await pageThrough(base, 'objects', '&match[type]=indicator,malware');

  // A late page: the start of the collection's last 1,000 objects, reached with added_after.
  const late: number[] = [];
  const lateStart = encodeURIComponent(manifest.lastPageStart ?? '1970-01-01T00:00:00Z');
  for (let i = 0; i < 20; i++) {
    const [, ms] = await timed(async () => {
      const res = await fetch(`${base}/bench/collections/${COLLECTION}/objects/?limit=100&added_after=${lateStart}`, {
        headers: { Authorization: `Bearer ${TOKEN}` },
      });
      await res.text();
    });
    late.push(ms);
  }
  late.sort((a, b) => a - b);

  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const validationShare = ingestSeconds / baseline.ingestSeconds - 1;
  const rows: Array<[string, string]> = [
    ['schemas compiled (start-up)', `${loadMs.toFixed(0)} ms`],
    ['validator alone (standard policy)', `${fmt(validationRate)} objects/s`],
    ['objects stored', fmt(ingested)],
    ['POST, envelopes of 1,000', `${fmt(ingested / ingestSeconds)} objects/s (${(bytes / 1e6 / ingestSeconds).toFixed(1)} MB/s), p50 ${postLatencies[Math.floor(postLatencies.length / 2)]?.toFixed(0)} ms, p99 ${percentile(postLatencies, 99).toFixed(0)} ms per envelope`],
    ['GET objects/ limit=1000, whole collection', `${fmt(objects.count / objects.seconds)} objects/s, ${objects.pages} pages, p50 ${objects.p50.toFixed(1)} ms, p99 ${objects.p99.toFixed(1)} ms`],
    ['GET manifest/ limit=1000, whole collection', `${fmt(manifest.count / manifest.seconds)} records/s, p50 ${manifest.p50.toFixed(1)} ms, p99 ${manifest.p99.toFixed(1)} ms`],
    ['GET objects/ match[type]=indicator,malware', `${fmt(filtered.count)} objects, ${fmt(filtered.count / filtered.seconds)} objects/s, p50 ${filtered.p50.toFixed(1)} ms, p99 ${filtered.p99.toFixed(1)} ms`],
    ['POST without validation (baseline)', `${fmt(baseline.ingested / baseline.ingestSeconds)} objects/s`],
    ['validation share of ingest', `+${(validationShare * 100).toFixed(0)}% time over the baseline (${config.validationThreads} validation threads)`],
    ['late page (added_after = last 1,000, limit=100)', `p50 ${percentile(late, 50).toFixed(1)} ms, p99 ${percentile(late, 99).toFixed(1)} ms`],
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  for (const [k, v] of rows) process.stdout.write(`  ${k.padEnd(width)}  ${v}\n`);
  if (objects.count !== ingested) throw new Error(`paging returned ${objects.count} of ${ingested} objects`);

  await server.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(directoryDir, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
