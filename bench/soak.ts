// Soak benchmark: figures, not pass/fail. Starts the built server in a child
// process (embedded SQLite store, temporary folder), preloads a dataset, then runs N
// concurrent keep-alive clients for a bounded time with a realistic mix:
//   70% paging reads with filters (match[type], added_after, limit; a client follows the
//       `next` of its previous page when it has one),
//   20% small POSTs (1–10 objects),
//   10% object / versions / manifest reads.
// Prints requests/s, errors by status, p50/p99 per kind, and the server's RSS sampled
// every 10 s with its linear trend (MB/min), so that "RSS flat" can be judged.
//
//   npm run build && npx ts-node --transpile-only bench/soak.ts
//
// The clients are member SOCs (SOAK_MEMBERS, default 4, one token each, clients shared
// round-robin): they publish under an agreement (green to everyone, amber reports to the
// group), so every POST is distributed to every member's view, and every read is served
// from the reader's view. SOAK_AS=admin runs every client as the hub's admin instead
// (base collections, no distribution).
//
// Knobs: SOAK_SECONDS (default 600), SOAK_CLIENTS (16), SOAK_RATE (paced run, req/s; default
// unset: closed loop), SOAK_MEMBERS (4), SOAK_AS (members; admin), SOAK_OBJECTS (preloaded, 20000),
// SOAK_COLLECTIONS (3), SOAK_LOG_LEVEL (the server's, default warn: request lines at info
// cost the server CPU that belongs to the figures), SOAK_SERVER (default dist/src/cli/concord.js),
// SOAK_NODE_ARGS (node flags for the server, e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof'),
// SOAK_WORKERS (server.workers, default 1).
// Objects are re-identified copies of the real bundles in ../shared/datasets/.
// Targets (2 cores, embedded store): ≥ 200 req/s sustained, 0 errors, p99 paging ≤ 100 ms, RSS flat.
import os from 'node:os';
import { cpuSeconds, issueToken, rssMb, sleep, startChildServer } from './child-server';
import { loadTemplates, percentile, reidentify } from './workload';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 16);
const PRELOAD = Number(process.env.SOAK_OBJECTS ?? 20_000);
const COLLECTIONS = Number(process.env.SOAK_COLLECTIONS ?? 3);
const LOG_LEVEL = process.env.SOAK_LOG_LEVEL ?? 'warn';
const AS_ADMIN = process.env.SOAK_AS === 'admin';
// Paced (open-loop) run: the clients together offer SOAK_RATE requests/s, whatever the
// latency, and each latency counts from when its request was due. Unset: closed loop,
// every client sends its next request as soon as it has the previous answer (saturation).
const RATE = process.env.SOAK_RATE ? Number(process.env.SOAK_RATE) : undefined;
const MEMBERS = AS_ADMIN ? 1 : Number(process.env.SOAK_MEMBERS ?? 4);
const SERVER_CLI = process.env.SOAK_SERVER;
const WORKERS = Number(process.env.SOAK_WORKERS ?? 1);
// Extra node flags for the server, e.g. SOAK_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof'.
const NODE_ARGS = (process.env.SOAK_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
const TOKEN = `soak-admin-${process.pid}-${Date.now()}`;
const TAXII = 'application/taxii+json;version=2.1';
const SAMPLE_MS = 10_000;

const collectionIds = Array.from({ length: COLLECTIONS }, (_, i) => `0c0a0000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`);
const headers = { Authorization: `Bearer ${TOKEN}`, Accept: TAXII };
const memberIds = Array.from({ length: MEMBERS }, (_, i) => `soc-${i + 1}`);

/** The directory file: the collections, and (unless SOAK_AS=admin) the members, their group, ACLs and agreements. */
function soakDirectory(): unknown {
  const acl = AS_ADMIN ? [] : [{ grantee: 'group:socs', read: true, write: true }];
  return {
    api_roots: [
      {
        path: 'soak',
        title: 'Soak',
        max_content_length: 100 * 1024 * 1024,
        collections: collectionIds.map((id, i) => ({ id, title: `Soak ${i + 1}`, validation: 'standard', allow_custom: true, acl })),
      },
    ],
    ...(AS_ADMIN
      ? {}
      : {
          groups: [{ id: 'socs', name: 'Member SOCs' }],
          members: memberIds.map((id) => ({ id, name: `SOC ${id}`, contact: `${id}@soak.example`, groups: ['socs'] })),
          mous: memberIds.map((member) => ({
            member,
            provide: {
              default_marking: 'green',
              audiences: [
                { markings: ['clear', 'green'], to: ['everyone'] },
                { markings: ['amber', 'amber+strict'], types: ['report'], to: ['group:socs'] },
              ],
            },
          })),
        }),
  };
}

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)] as T;

/** Least-squares slope of y over x. */
function slope(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxx === 0 ? NaN : sxy / sxx;
}

type Kind = 'page' | 'post' | 'object' | 'versions' | 'manifest';
const latencies: Record<Kind, number[]> = { page: [], post: [], object: [], versions: [], manifest: [] };
const errors = new Map<string, number>();
let requests = 0;

/** `scheduled`: in a paced run, when the request was due; its latency counts from then (no coordinated omission). */
async function timed(kind: Kind, url: string, init: RequestInit = {}, scheduled?: number): Promise<{ status: number; text: string } | undefined> {
  const t0 = scheduled ?? performance.now();
  try {
    const res = await fetch(url, { ...init, headers: { ...headers, ...(init.headers as Record<string, string> | undefined) } });
    const text = await res.text();
    latencies[kind].push(performance.now() - t0);
    requests++;
    const ok = kind === 'post' ? res.status === 202 : res.status === 200;
    if (!ok) errors.set(`${kind} ${res.status}`, (errors.get(`${kind} ${res.status}`) ?? 0) + 1);
    return { status: res.status, text };
  } catch (e) {
    requests++;
    const key = `${kind} ${(e as Error).message}`;
    errors.set(key, (errors.get(key) ?? 0) + 1);
    return undefined;
  }
}

interface Known {
  ids: string[][]; // per collection, object ids known to be there
  types: string[];
  dates: string[]; // date_added values seen (for added_after)
}

async function main(): Promise<void> {
  const server = await startChildServer({
    config: {
      taxii: { page_size_default: 100, page_size_max: 1000 },
      discovery: { title: 'Concord soak' },
      // A few members and one address stand for all the clients (SIEMs): the limiters run and
      // cost what they cost, but their limits are set above the load being measured.
      security: { requests_per_member_per_minute: 10_000_000, requests_per_address_per_minute: 10_000_000 },
      server: { max_connections_per_address: 10_000, workers: WORKERS },
    },
    directory: soakDirectory(),
    adminToken: TOKEN,
    logLevel: LOG_LEVEL,
    nodeArgs: NODE_ARGS,
    ...(SERVER_CLI !== undefined ? { serverCli: SERVER_CLI } : {}),
  });
  const base = server.base;
  try {
    const pid = server.pid;

    // One token per member, issued through the admin API (what an operator would do).
    const tokens: string[] = [];
    for (const m of AS_ADMIN ? [] : memberIds) tokens.push(await issueToken(base, TOKEN, m));
    if (AS_ADMIN) tokens.push(TOKEN);
    const as = (member: number) => ({ Authorization: `Bearer ${tokens[member] as string}` });

    // Preload: copies of the real objects, round-robin over the collections, 1,000 a POST.
    const templates = loadTemplates();
    const knownBy: Known[] = tokens.map(() => ({ ids: collectionIds.map(() => []), types: [], dates: [] }));
    const t0 = performance.now();
    let copy = 1;
    for (let start = 0; start < PRELOAD; start += 1000) {
      const c = (start / 1000) % COLLECTIONS;
      const items: string[] = [];
      for (let i = start; i < Math.min(start + 1000, PRELOAD); i++) {
        const k = Math.floor(i / templates.length) + 1;
        copy = Math.max(copy, k);
        items.push(reidentify(templates[i % templates.length] as string, k));
      }
      const res = await fetch(`${base}/soak/collections/${collectionIds[c] as string}/objects/`, {
        method: 'POST',
        headers: { ...headers, ...as((start / 1000) % tokens.length), 'Content-Type': TAXII },
        body: `{"objects":[${items.join(',')}]}`,
      });
      const status = (await res.json()) as { success_count: number; failure_count: number; successes?: Array<{ id: string }> };
      if (res.status !== 202 || status.failure_count > 0) throw new Error(`preload refused: ${res.status} ${JSON.stringify(status).slice(0, 300)}`);
    }
    const preloadSeconds = (performance.now() - t0) / 1000;
    // What each member sees, from its manifests (its view: not every object reaches every member).
    for (const [m, k] of knownBy.entries()) {
      for (const [ci, c] of collectionIds.entries()) {
        let next: string | undefined;
        do {
          const res = await fetch(`${base}/soak/collections/${c}/manifest/?limit=1000${next ? `&next=${encodeURIComponent(next)}` : ''}`, { headers: { ...headers, ...as(m) } });
          const body = (await res.json()) as { more?: boolean; next?: string; objects?: Array<{ id: string; date_added: string }> };
          for (const r of body.objects ?? []) k.ids[ci]?.push(r.id);
          // date_added points to page from: the first page's.
          if (next === undefined) for (const r of body.objects ?? []) k.dates.push(r.date_added);
          next = body.more ? body.next : undefined;
        } while (next);
      }
      const typeCounts = new Map<string, number>();
      for (const list of k.ids) for (const id of list) typeCounts.set(id.split('--')[0] as string, (typeCounts.get(id.split('--')[0] as string) ?? 0) + 1);
      k.types = [...typeCounts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([t]) => t);
    }
    process.stdout.write(
      `Concord soak: ${CLIENTS} clients for ${SECONDS} s, ${RATE ? `paced at ${RATE} req/s (latency from when each request was due)` : 'closed loop (each client as fast as it is answered)'}, as ${AS_ADMIN ? 'the admin' : `${MEMBERS} members (reads from their views, POSTs distributed to all)`}; ${PRELOAD} objects preloaded in ${COLLECTIONS} collections (${preloadSeconds.toFixed(1)} s); node ${process.version}, ${os.cpus().length} CPUs, server log level ${LOG_LEVEL}, server.workers ${WORKERS}\n`,
    );

    // RSS, every 10 s.
    const rss: Array<[number, number]> = [];
    const tStart = performance.now();
    const sample = () => {
      const mb = rssMb(pid);
      if (mb !== undefined) rss.push([(performance.now() - tStart) / 60_000, mb]);
    };
    sample();
    const cpuStart = cpuSeconds(pid);
    const sampler = setInterval(() => {
      sample();
      const last = rss[rss.length - 1];
      const elapsed = (performance.now() - tStart) / 1000;
      process.stdout.write(`  ${elapsed.toFixed(0).padStart(4)} s  ${(requests / elapsed).toFixed(0)} req/s so far, RSS ${last ? last[1].toFixed(1) : '?'} MB\n`);
    }, SAMPLE_MS);

    const deadline = performance.now() + SECONDS * 1000;
    let postCopy = copy + 1_000; // fresh identifiers for POSTed objects
    const client = async (_: unknown, index: number) => {
      const member = index % tokens.length;
      const known = knownBy[member] as Known;
      const auth = as(member);
      const interval = RATE ? (1000 * CLIENTS) / RATE : 0;
      let slot = RATE ? performance.now() + Math.random() * interval : undefined;
      let cursor: { url: string; next: string } | undefined;
      while (performance.now() < deadline) {
        if (slot !== undefined) {
          const wait = slot - performance.now();
          if (wait > 0) await sleep(wait);
        }
        const due = slot;
        if (slot !== undefined) slot += interval;
        const r = Math.random();
        const ci = Math.floor(Math.random() * COLLECTIONS);
        const c = collectionIds[ci] as string;
        if (r < 0.7) {
          // A paging read: the next page of the previous query, or a new filtered query.
          let url: string;
          if (cursor) url = `${cursor.url}&next=${encodeURIComponent(cursor.next)}`;
          else {
            const limit = pick([50, 100, 200, 500]);
            const f = Math.random();
            const filter =
              f < 0.4
                ? `&match[type]=${pick(known.types)}`
                : f < 0.7
                  ? `&added_after=${encodeURIComponent(pick(known.dates))}`
                  : f < 0.85
                    ? `&match[type]=${pick(known.types)},${pick(known.types)}&added_after=${encodeURIComponent(pick(known.dates))}`
                    : '';
            url = `${base}/soak/collections/${c}/objects/?limit=${limit}${filter}`;
          }
          const res = await timed('page', url, { headers: auth }, due);
          cursor = undefined;
          if (res?.status === 200) {
            // The server writes "more" and "next" first: read them without parsing the page
            // (the clients share the two cores with the server; their CPU is not the figure).
            const m = /^\{"more":true,"next":("(?:[^"\\]|\\.)*")/.exec(res.text.slice(0, 512));
            if (m) cursor = { url: url.replace(/&next=[^&]*$/, ''), next: JSON.parse(m[1] as string) as string };
          }
        } else if (r < 0.9) {
          const n = 1 + Math.floor(Math.random() * 10);
          const k = postCopy++;
          const items = Array.from({ length: n }, () => reidentify(pick(templates), k));
          const unique = [...new Map(items.map((s) => [/"id":"([^"]+)"/.exec(s)?.[1], s])).values()];
          const res = await timed('post', `${base}/soak/collections/${c}/objects/`, {
            method: 'POST',
            headers: { ...auth, 'Content-Type': TAXII },
            body: `{"objects":[${unique.join(',')}]}`,
          }, due);
          if (res?.status === 202) {
            const status = JSON.parse(res.text) as { failure_count: number; successes?: Array<{ id: string }>; failures?: unknown[] };
            if (status.failure_count > 0) errors.set('post refused objects', (errors.get('post refused objects') ?? 0) + status.failure_count);
            for (const s of status.successes ?? []) known.ids[ci]?.push(s.id);
          }
        } else {
          const id = pick(known.ids[ci] as string[]);
          const which = Math.random();
          if (which < 1 / 3) await timed('object', `${base}/soak/collections/${c}/objects/${id}/`, { headers: auth }, due);
          else if (which < 2 / 3) await timed('versions', `${base}/soak/collections/${c}/objects/${id}/versions/`, { headers: auth }, due);
          else await timed('manifest', `${base}/soak/collections/${c}/manifest/?limit=100&match[type]=${pick(known.types)}`, { headers: auth }, due);
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, client));
    clearInterval(sampler);
    sample();
    const seconds = (performance.now() - tStart) / 1000;
    const cpuEnd = cpuSeconds(pid);

    const rows: string[] = [];
    rows.push(`requests:      ${requests} in ${seconds.toFixed(1)} s = ${(requests / seconds).toFixed(0)} req/s`);
    const errorCount = [...errors.values()].reduce((a, b) => a + b, 0);
    rows.push(`errors:        ${errorCount}${errorCount > 0 ? ` (${[...errors.entries()].map(([k, v]) => `${k}: ${v}`).join(', ')})` : ''}`);
    for (const kind of Object.keys(latencies) as Kind[]) {
      const xs = [...latencies[kind]].sort((a, b) => a - b);
      rows.push(
        `${kind.padEnd(9)}      ${String(xs.length).padStart(7)} requests (${((100 * xs.length) / Math.max(1, requests)).toFixed(0)}%), p50 ${percentile(xs, 50).toFixed(1)} ms, p99 ${percentile(xs, 99).toFixed(1)} ms, max ${(xs[xs.length - 1] ?? NaN).toFixed(0)} ms`,
      );
    }
    const mbs = rss.map(([, y]) => y);
    rows.push(
      `server RSS:    ${rss.length} samples, first ${mbs[0]?.toFixed(1)} MB, last ${mbs[mbs.length - 1]?.toFixed(1)} MB, max ${Math.max(...mbs).toFixed(1)} MB; trend ${slope(rss).toFixed(2)} MB/min (least squares over the samples)`,
    );
    rows.push(`               ${rss.map(([x, y]) => `${(x * 60).toFixed(0)}s:${y.toFixed(0)}`).join(' ')}`);
    if (cpuStart !== undefined && cpuEnd !== undefined) {
      rows.push(`server CPU:    ${(cpuEnd - cpuStart).toFixed(1)} s over ${seconds.toFixed(0)} s = ${((cpuEnd - cpuStart) / seconds).toFixed(2)} cores (the clients run on the same ${os.cpus().length} CPUs)`);
    }
    process.stdout.write(`${rows.join('\n')}\n`);
  } finally {
    await server.stop();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
