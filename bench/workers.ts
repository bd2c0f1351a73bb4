// Reads per second at 1 and 2 (or WORKERS_LIST) worker processes: figures, not pass/fail.
// Starts the built server in a child process (embedded store) for each worker count,
// preloads a collection as a member, then saturates it with autocannon: closed-loop
// keep-alive connections, each asking for pages of the member's view (objects/?limit=WORKERS_LIMIT,
// a different page each time via added_after) for WORKERS_SECONDS. Prints requests/s,
// latency p50/p99 and the speed-up over the first count.
//
//   npm run build && npx ts-node --transpile-only bench/workers.ts
//
// Knobs: WORKERS_LIST (default "1,2"), WORKERS_SECONDS (20), WORKERS_CONNECTIONS (32),
// WORKERS_OBJECTS (preloaded, 5000), WORKERS_LIMIT (objects per page, 10: small pages keep
// the load generator's share of the cores small). autocannon shares the machine's cores with the server:
// on 2 cores it takes part of one, which the figures include.
import os from 'node:os';
import autocannon from 'autocannon';
import { cpuSeconds, issueToken, startChildServer } from './child-server';
import { loadTemplates, reidentify } from './workload';

const LIST = (process.env.WORKERS_LIST ?? '1,2').split(',').map(Number);
const SECONDS = Number(process.env.WORKERS_SECONDS ?? 20);
const CONNECTIONS = Number(process.env.WORKERS_CONNECTIONS ?? 32);
const OBJECTS = Number(process.env.WORKERS_OBJECTS ?? 5000);
const LIMIT = Number(process.env.WORKERS_LIMIT ?? 10);
const ADMIN = `workers-admin-${process.pid}`;
const TAXII = 'application/taxii+json;version=2.1';
const COLLECTION = '0c0a6000-0000-4000-8000-000000000001';

const directory = {
  api_roots: [
    {
      path: 'bench',
      title: 'Bench',
      max_content_length: 100 * 1024 * 1024,
      collections: [{ id: COLLECTION, title: 'Read', validation: 'standard', allow_custom: true, acl: [{ grantee: 'group:socs', read: true, write: true }] }],
    },
  ],
  groups: [{ id: 'socs', name: 'Member SOCs' }],
  members: ['soc-1', 'soc-2'].map((id) => ({ id, name: id, contact: `${id}@bench.example`, groups: ['socs'] })),
  mous: ['soc-1', 'soc-2'].map((member) => ({ member, provide: { default_marking: 'green', audiences: [{ markings: ['clear', 'green'], to: ['everyone'] }] } })),
};

interface Figures {
  workers: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  cpu: number;
  /** The load generator's own CPU (cores). */
  client: number;
}

async function measure(workers: number): Promise<Figures> {
  const server = await startChildServer({
    config: {
      taxii: { page_size_default: 100, page_size_max: 1000 },
      security: { requests_per_member_per_minute: 100_000_000, requests_per_address_per_minute: 100_000_000 },
      server: { max_connections_per_address: 10_000, workers },
    },
    directory,
    adminToken: ADMIN,
  });
  try {
    const token = await issueToken(server.base, ADMIN, 'soc-1');
    const reader = await issueToken(server.base, ADMIN, 'soc-2');
    const templates = loadTemplates();
    const dates: string[] = [];
    for (let start = 0; start < OBJECTS; start += 1000) {
      const items = Array.from({ length: Math.min(1000, OBJECTS - start) }, (_, i) => reidentify(templates[(start + i) % templates.length] as string, 1 + Math.floor((start + i) / templates.length)));
      const res = await fetch(`${server.base}/bench/collections/${COLLECTION}/objects/`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, Accept: TAXII, 'Content-Type': TAXII },
        body: `{"objects":[${items.join(',')}]}`,
      });
      if (res.status !== 202) throw new Error(`preload: ${res.status} ${await res.text()}`);
    }
    // Page starts spread over the view: added_after each 100th date_added.
    let next: string | undefined;
    do {
      const res = await fetch(`${server.base}/bench/collections/${COLLECTION}/manifest/?limit=1000${next ? `&next=${encodeURIComponent(next)}` : ''}`, {
        headers: { Authorization: `Bearer ${reader}`, Accept: TAXII },
      });
      const body = (await res.json()) as { more?: boolean; next?: string; objects?: Array<{ date_added: string }> };
      (body.objects ?? []).forEach((o, i) => i % 100 === 0 && dates.push(o.date_added));
      next = body.more ? body.next : undefined;
    } while (next);
    let n = 0;
    const cpuBefore = cpuSeconds(server.pid) ?? NaN;
    const ownBefore = process.cpuUsage();
    const result = await autocannon({
      url: server.base,
      connections: CONNECTIONS,
      duration: SECONDS,
      headers: { Authorization: `Bearer ${reader}`, Accept: TAXII },
      requests: [
        {
          method: 'GET',
          setupRequest: (req) => ({
            ...req,
            path: `/bench/collections/${COLLECTION}/objects/?limit=${LIMIT}&added_after=${encodeURIComponent(dates[n++ % dates.length] as string)}`,
          }),
        },
      ],
    });
    const cpu = ((cpuSeconds(server.pid) ?? NaN) - cpuBefore) / SECONDS;
    const own = process.cpuUsage(ownBefore);
    const client = (own.user + own.system) / 1e6 / SECONDS;
    return { workers, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx, cpu, client };
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  process.stdout.write(
    `Concord workers: ${CONNECTIONS} keep-alive connections paging a member's view (limit=${LIMIT}) for ${SECONDS} s, ${OBJECTS} objects; node ${process.version}, ${os.cpus().length} CPUs\n`,
  );
  const figures: Figures[] = [];
  for (const workers of LIST) {
    const f = await measure(workers);
    figures.push(f);
    const first = figures[0] as Figures;
    process.stdout.write(
      `workers ${String(workers).padStart(2)}: ${f.rps.toFixed(0)} req/s (${(f.rps / first.rps).toFixed(2)}× ${first.workers} worker), p50 ${f.p50} ms, p99 ${f.p99} ms, ${f.errors} errors, server CPU ${f.cpu.toFixed(2)} cores, load generator ${f.client.toFixed(2)} cores\n`,
    );
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
