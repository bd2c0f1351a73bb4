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

import { BENCH_DIRECTORY, PAGE, TOKEN, ingest, latePage, loadTemplates, pageThrough, percentile } from './workload';

const TOTAL = Number(process.env.BENCH_OBJECTS ?? 100_000);

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-bench-'));
  const configObject = { taxii: { page_size_default: PAGE, page_size_max: PAGE } };
  const directoryFile = BENCH_DIRECTORY;
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
  const baseline = await ingest(baselineServer.url, templates, TOTAL);
  await baselineServer.close();
  fs.rmSync(baselineDir, { recursive: true, force: true });

  const server = await startServer(config, pino({ level: 'silent' }));
  const base = server.url;
  const full = await ingest(base, templates, TOTAL);
  const { ingested, ingestSeconds, bytes, postLatencies } = full;

  const objects = await pageThrough(base, 'objects', '');
  const manifest = await pageThrough(base, 'manifest', '');
  const filtered = await pageThrough(base, 'objects', '&match[type]=indicator,malware');

  // A late page: the start of the collection's last 1,000 objects, reached with added_after.
  const late = await latePage(base, manifest.lastPageStart);

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
