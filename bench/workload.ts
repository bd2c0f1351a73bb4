// The workload both benchmarks run (bench/run.ts, bench/stores.ts): real objects from
// ../shared/datasets/, re-identified so that every copy is a new object, POSTed in
// envelopes and paged back over HTTP.
import fs from 'node:fs';
import path from 'node:path';

export const BATCH = 1000;
export const PAGE = 1000;
export const TOKEN = 'bench-admin-token';
export const COLLECTION = '0b6f6c2e-6f0e-4c3b-9d0a-8f1e2d3c4b5a';
const DATASETS = path.resolve(__dirname, '../../shared/datasets');
const FILES = ['fireeye-pivy-report-with-indicators.json', 'mobile-attack-17.1.json'];

/** The bench API root and collection, as a directory file applied at start. */
export const BENCH_DIRECTORY = {
  api_roots: [
    {
      path: 'bench',
      title: 'Bench',
      max_content_length: 200 * 1024 * 1024,
      collections: [{ id: COLLECTION, title: 'Bench collection', validation: 'standard', allow_custom: true }],
    },
  ],
};

export function loadTemplates(): string[] {
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
export function reidentify(template: string, k: number): string {
  const prefix = k.toString(16).padStart(8, '0');
  return template.replace(UUID_REF, (_m, type: string, _first: string, rest: string) => `${type}${prefix}${rest}`);
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

export async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = process.hrtime.bigint();
  const r = await fn();
  return [r, Number(process.hrtime.bigint() - t0) / 1e6];
}

export async function pageThrough(base: string, endpoint: 'objects' | 'manifest', query: string) {
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

/** POSTs `total` objects in envelopes of BATCH, one after another. */
export async function ingest(base: string, templates: string[], total: number) {
  const postLatencies: number[] = [];
  let bytes = 0;
  let ingested = 0;
  const t0 = process.hrtime.bigint();
  for (let start = 0; start < total; start += BATCH) {
    const items: string[] = [];
    for (let i = start; i < Math.min(start + BATCH, total); i++) {
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


/** One page requested 20 times at the start of the collection's last page (its cost must not grow with the collection). */
export async function latePage(base: string, lastPageStart: string | undefined): Promise<number[]> {
  const late: number[] = [];
  const start = encodeURIComponent(lastPageStart ?? '1970-01-01T00:00:00Z');
  for (let i = 0; i < 20; i++) {
    const [, ms] = await timed(async () => {
      const res = await fetch(`${base}/bench/collections/${COLLECTION}/objects/?limit=100&added_after=${start}`, {
        headers: { Authorization: `Bearer ${TOKEN}` },
      });
      await res.text();
    });
    late.push(ms);
  }
  return late.sort((a, b) => a - b);
}

/**
 * Latency of point reads: GET objects/{id}/ and objects/{id}/versions/ for `n` ids taken
 * from the collection's first page, and pages of its rarest type (cost must follow the
 * matches, not the collection).
 */
export async function pointReads(base: string, n = 200) {
  const get = async (url: string) => {
    const [, ms] = await timed(async () => {
      const res = await fetch(url, { headers: { Authorization: `Bearer ${TOKEN}`, Accept: 'application/taxii+json;version=2.1' } });
      if (res.status !== 200) throw new Error(`GET ${url} → ${res.status} ${await res.text()}`);
      await res.text();
    });
    return ms;
  };
  const root = `${base}/bench/collections/${COLLECTION}/objects/`;
  const first = await fetch(`${root}?limit=${PAGE}`, { headers: { Authorization: `Bearer ${TOKEN}`, Accept: 'application/taxii+json;version=2.1' } });
  const objects = ((await first.json()) as { objects?: Array<{ id: string; type: string }> }).objects ?? [];
  const counts = new Map<string, number>();
  for (const o of objects) counts.set(o.type, (counts.get(o.type) ?? 0) + 1);
  const rarest = [...counts.entries()].sort((a, b) => a[1] - b[1])[0]?.[0] ?? 'indicator';
  const byId: number[] = [];
  const rare: number[] = [];
  for (let i = 0; i < n; i++) {
    const id = encodeURIComponent((objects[(i * 37) % objects.length] as { id: string }).id);
    byId.push(await get(i % 2 === 0 ? `${root}${id}/` : `${root}${id}/versions/`));
    if (i % 10 === 0) rare.push(await get(`${root}?limit=100&match[type]=${rarest}`));
  }
  return { byId: byId.sort((a, b) => a - b), rare: rare.sort((a, b) => a - b), rarest };
}
