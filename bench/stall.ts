// Stall benchmark: figures, not pass/fail. Does one member's largest publish hold up the
// others? Starts the built server in a child process (embedded store unless MONGODB_URI),
// lets reader members probe it at a steady pace (discovery and a page of a collection
// view, alternately), then one member POSTs the largest envelope the limits allow.
// Prints the probes' latency before and during the POST (p50, p99, max; each latency
// counts from when its probe was due, so a stalled server is not hidden by probes not
// sent), the POST's answer and time, and the server's RSS: before, and its peak during
// the POST, against the bound "baseline + 2 × the body".
//
//   npm run build && npx ts-node --transpile-only bench/stall.ts
//
// Knobs: STALL_OBJECTS (default 100000, the default max_objects_per_envelope),
// STALL_READERS (members probing, 4), STALL_PROBE_MS (each reader's probe interval, 50),
// STALL_WORKERS (server.workers, default 1), STALL_PRELOAD (objects in the probed
// collection, 2000), STALL_NODE_ARGS (node flags for the server, e.g. --cpu-prof). Objects are re-identified copies of the real bundles in ../shared/datasets/.
import os from 'node:os';
import { cpuSeconds, issueToken, rssParts, sleep, startChildServer } from './child-server';
import { loadTemplates, percentile, reidentify } from './workload';

const OBJECTS = Number(process.env.STALL_OBJECTS ?? 100_000);
const READERS = Number(process.env.STALL_READERS ?? 4);
const PROBE_MS = Number(process.env.STALL_PROBE_MS ?? 50);
const WORKERS = Number(process.env.STALL_WORKERS ?? 1);
const PRELOAD = Number(process.env.STALL_PRELOAD ?? 2000);
const ADMIN = `stall-admin-${process.pid}`;
const TAXII = 'application/taxii+json;version=2.1';
const PUBLISHED = '0c0a5000-0000-4000-8000-000000000001';
const PROBED = '0c0a5000-0000-4000-8000-000000000002';
const readers = Array.from({ length: READERS }, (_, i) => `reader-${i + 1}`);

const directory = {
  api_roots: [
    {
      path: 'stall',
      title: 'Stall',
      max_content_length: 100 * 1024 * 1024,
      collections: [
        { id: PUBLISHED, title: 'Published', validation: 'standard', allow_custom: true, acl: [{ grantee: 'group:socs', read: true, write: true }] },
        { id: PROBED, title: 'Probed', validation: 'standard', allow_custom: true, acl: [{ grantee: 'group:socs', read: true, write: true }] },
      ],
    },
  ],
  groups: [{ id: 'socs', name: 'Member SOCs' }],
  members: ['big', ...readers].map((id) => ({ id, name: id, contact: `${id}@stall.example`, groups: ['socs'] })),
  mous: ['big', ...readers].map((member) => ({
    member,
    provide: {
      default_marking: 'green',
      audiences: [
        { markings: ['clear', 'green'], to: ['everyone'] },
        { markings: ['amber', 'amber+strict'], types: ['report'], to: ['group:socs'] },
      ],
    },
  })),
};

interface Probe {
  kind: 'discovery' | 'page';
  due: number;
  ms: number;
  status: number;
}

async function main(): Promise<void> {
  const server = await startChildServer({
    config: {
      taxii: { page_size_default: 100, page_size_max: 1000 },
      security: { requests_per_member_per_minute: 10_000_000, requests_per_address_per_minute: 10_000_000 },
      server: { max_connections_per_address: 10_000, ...(WORKERS !== 1 ? { workers: WORKERS } : {}) },
    },
    directory,
    adminToken: ADMIN,
    nodeArgs: (process.env.STALL_NODE_ARGS ?? '').split(' ').filter((a) => a !== ''),
  });
  try {
    const tokens = new Map<string, string>();
    for (const m of ['big', ...readers]) tokens.set(m, await issueToken(server.base, ADMIN, m));
    const templates = loadTemplates();
    const post = async (member: string, collection: string, body: string) =>
      fetch(`${server.base}/stall/collections/${collection}/objects/`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${tokens.get(member) as string}`, Accept: TAXII, 'Content-Type': TAXII },
        body,
      });
    for (let start = 0; start < PRELOAD; start += 1000) {
      const items = Array.from({ length: Math.min(1000, PRELOAD - start) }, (_, i) => reidentify(templates[(start + i) % templates.length] as string, 1 + Math.floor((start + i) / templates.length)));
      const res = await post('reader-1', PROBED, `{"objects":[${items.join(',')}]}`);
      if (res.status !== 202) throw new Error(`preload: ${res.status} ${await res.text()}`);
    }
    const items = Array.from({ length: OBJECTS }, (_, i) => reidentify(templates[i % templates.length] as string, 10_000 + Math.floor(i / templates.length)));
    const body = `{"objects":[${items.join(',')}]}`;
    const bodyMb = Buffer.byteLength(body) / 1024 / 1024;

    const probes: Probe[] = [];
    let probing = true;
    const prober = async (reader: string, index: number) => {
      const auth = { Authorization: `Bearer ${tokens.get(reader) as string}`, Accept: TAXII };
      let due = performance.now() + (index * PROBE_MS) / READERS;
      for (let n = 0; probing; n++) {
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        const kind = n % 2 === 0 ? 'discovery' : 'page';
        const url = kind === 'discovery' ? `${server.base}/taxii2/` : `${server.base}/stall/collections/${PROBED}/objects/?limit=100`;
        const started = due;
        let status = 0;
        try {
          const res = await fetch(url, { headers: auth });
          await res.arrayBuffer();
          status = res.status;
        } catch {
          status = -1;
        }
        probes.push({ kind, due: started, ms: performance.now() - started, status });
        due += PROBE_MS;
        // A stalled server: the missed slots are not sent later in a burst, the next probe is due now.
        if (due < performance.now()) due = performance.now();
      }
    };
    const probers = readers.map((r, i) => prober(r, i));

    await sleep(3000);
    const before = rssParts(server.pid) ?? { total: NaN, anon: NaN, file: NaN };
    const peak = { ...before };
    const sampler = setInterval(() => {
      const now = rssParts(server.pid);
      if (now === undefined) return;
      peak.total = Math.max(peak.total, now.total);
      peak.anon = Math.max(peak.anon, now.anon);
      peak.file = Math.max(peak.file, now.file);
    }, 100);
    const cpuBefore = cpuSeconds(server.pid) ?? NaN;
    const t0 = performance.now();
    const res = await post('big', PUBLISHED, body);
    const answer = await res.text();
    const t1 = performance.now();
    clearInterval(sampler);
    const cpu = (cpuSeconds(server.pid) ?? NaN) - cpuBefore;
    await sleep(1000);
    probing = false;
    await Promise.all(probers);

    const rows: string[] = [];
    rows.push(
      `Concord stall: ${READERS} readers probing every ${PROBE_MS} ms (discovery, page), while one member POSTs ${OBJECTS} objects (${bodyMb.toFixed(1)} MB); server.workers ${WORKERS}; node ${process.version}, ${os.cpus().length} CPUs`,
    );
    let summary = answer.slice(0, 200);
    try {
      const s = JSON.parse(answer) as { success_count?: number; failure_count?: number; status?: string };
      summary = `status ${s.status}, ${s.success_count} succeeded, ${s.failure_count} failed`;
    } catch {
      // not a status
    }
    rows.push(`POST:          ${res.status} after ${((t1 - t0) / 1000).toFixed(1)} s (${summary}); server CPU ${cpu.toFixed(1)} s`);
    for (const [label, from, to] of [
      ['before', 0, t0],
      ['during', t0, t1],
    ] as const) {
      for (const kind of ['discovery', 'page'] as const) {
        const xs = probes.filter((p) => p.kind === kind && p.due >= from && p.due < to);
        const ms = xs.map((p) => p.ms).sort((a, b) => a - b);
        const bad = xs.filter((p) => p.status !== 200);
        rows.push(
          `${label} ${kind.padEnd(9)}  ${String(xs.length).padStart(5)} probes, p50 ${percentile(ms, 50).toFixed(1)} ms, p99 ${percentile(ms, 99).toFixed(1)} ms, max ${(ms[ms.length - 1] ?? NaN).toFixed(0)} ms${bad.length > 0 ? `, ${bad.length} not 200 (${[...new Set(bad.map((p) => p.status))].join(', ')})` : ''}`,
        );
      }
    }
    rows.push(
      `server RSS:    ${before.total.toFixed(0)} MB before, peak ${peak.total.toFixed(0)} MB during (+${(peak.total - before.total).toFixed(0)} MB; bound baseline + 2 × body = ${(before.total + 2 * bodyMb).toFixed(0)} MB)`,
      `  of which     anonymous (heap) ${before.anon.toFixed(0)} → peak ${peak.anon.toFixed(0)} MB (+${(peak.anon - before.anon).toFixed(0)}); file pages (the store's mapped file) ${before.file.toFixed(0)} → peak ${peak.file.toFixed(0)} MB`,
    );
    process.stdout.write(`${rows.join('\n')}\n`);
  } finally {
    await server.stop();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
