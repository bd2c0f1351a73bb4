// `concord serve` with server.workers: a primary that does the start-up duties once and
// worker processes serving the one port over the same embedded store. What one worker
// stores, every other serves; date_added stays unique and increasing across them; a
// worker that dies is replaced; SIGTERM stops them all after their requests.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { TAXII } from '../helpers/test-app';
import { serveProcess, stopServers, type ServerProcess } from '../helpers/serve-process';

let dataDir: string;
let server: ServerProcess;
const TOKEN = 'workers-token-12345';
const headers = { Authorization: `Bearer ${TOKEN}`, Accept: TAXII, 'Content-Type': TAXII };

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-workers-'));
  // From the TypeScript sources each process compiles the project: starting takes a while.
  server = await serveProcess({ env: { CONCORD_DATA_DIR: dataDir, CONCORD_ADMIN_TOKEN: TOKEN, CONCORD_WORKERS: '2' }, startTimeoutMs: 150_000 });
}, 160_000);
afterAll(async () => {
  await stopServers();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** The primary's worker processes, from /proc. */
function workerPids(): number[] {
  const pid = server.child.pid as number;
  return fs
    .readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
    .split(' ')
    .filter((s) => s.trim() !== '')
    .map(Number);
}

/** A GET on a connection of its own; resolves with the status, 0 if no answer within 3 s. */
function freshGet(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: 3000, headers: { Authorization: headers.Authorization, Accept: TAXII } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

/**
 * The first answer to a GET, retried as a client would: a connection the primary handed to
 * a worker at the moment it died is lost with it.
 */
async function getRetrying(url: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const status = await freshGet(url);
    if (status !== 0 || attempt === 5) return status;
  }
}

function ipv4(i: number, run: number) {
  return { type: 'ipv4-addr', spec_version: '2.1', id: `ipv4-addr--${String(run).padStart(8, '0')}-0000-4000-8000-${String(i).padStart(12, '0')}`, value: `10.${run}.${Math.floor(i / 256)}.${i % 256}` };
}

test('the primary announced the workers and printed no credentials twice', () => {
  expect(workerPids()).toHaveLength(2);
  expect(server.stderr().match(/username:/g) ?? []).toHaveLength(0); // CONCORD_ADMIN_TOKEN: nothing to print
});

test('publishes through both workers at once: every status is read through any worker, every date_added is unique and increasing', async () => {
  const envelopes = 24;
  const posted = await Promise.all(
    Array.from({ length: envelopes }, async (_, run) => {
      const objects = Array.from({ length: 20 }, (_, i) => ipv4(i, run + 1));
      // A connection of its own each: the primary hands connections to the workers in turn.
      const res = await fetch(`${server.url}/hub/collections/indicators/objects/`, { method: 'POST', headers: { ...headers, Connection: 'close' }, body: JSON.stringify({ objects }) });
      expect(res.status).toBe(202);
      return ((await res.json()) as { id: string; success_count: number }).id;
    }),
  );
  for (const id of posted) {
    const res = await fetch(`${server.url}/hub/status/${id}/`, { headers: { ...headers, Connection: 'close' } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { success_count: number }).success_count).toBe(20);
  }
  const seen: string[] = [];
  let next: string | undefined;
  do {
    const res = await fetch(`${server.url}/hub/collections/indicators/manifest/?limit=100${next ? `&next=${encodeURIComponent(next)}` : ''}`, { headers: { ...headers, Connection: 'close' } });
    const body = (await res.json()) as { more?: boolean; next?: string; objects?: Array<{ id: string; date_added: string }> };
    for (const o of body.objects ?? []) if (o.id.startsWith('ipv4-addr--')) seen.push(o.date_added);
    next = body.more ? body.next : undefined;
  } while (next);
  expect(seen).toHaveLength(envelopes * 20);
  expect(new Set(seen).size).toBe(seen.length);
  expect([...seen].sort()).toEqual(seen);
});

test('a worker that dies is replaced, and the others serve meanwhile', async () => {
  const [victim] = workerPids();
  process.kill(victim as number, 'SIGKILL');
  // On new connections (fetch may reuse one the dead worker held).
  expect(await getRetrying(`${server.url}/taxii2/`)).toBe(200);
  for (let i = 0; i < 600 && !(workerPids().length === 2 && !workerPids().includes(victim as number)); i++) await new Promise((r) => setTimeout(r, 100));
  expect(workerPids()).toHaveLength(2);
  expect(workerPids()).not.toContain(victim);
  expect(await getRetrying(`${server.url}/taxii2/`)).toBe(200);
}, 90_000);

test('SIGTERM stops the primary and every worker, with exit code 0', async () => {
  const pids = workerPids();
  server.child.kill('SIGTERM');
  expect(await server.exited).toBe(0);
  for (const pid of pids) expect(fs.existsSync(`/proc/${pid}`)).toBe(false);
}, 60_000);
