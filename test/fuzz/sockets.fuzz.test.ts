// Fuzz over raw sockets, against the real listening server (startServer, with the
// HTTP server settings of production): what supertest cannot send. Content-Length
// mismatches, slow bodies, stalled headers, hundreds of idle connections, URLs of 8 KB and
// more. Invariants: no 5xx; every refusal a TAXII error, the HTTP parser's included; other
// clients keep being served within their normal latency while slow or stalled clients
// hold connections; a refused request stores nothing.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { buildConfig } from '../../src/config';
import { startServer, type RunningServer } from '../../src/main';
import { indicator } from '../helpers/stix-fixtures';
import { TAXII } from '../helpers/test-app';

const TOKEN = 'fuzz-sockets-admin-token';
const COLLECTION = '5f0a3c1e-2b4d-4e6f-8a9b-1c2d3e4f5a6b';
const OBJECTS = `/fuzz/collections/${COLLECTION}/objects/`;

let server: RunningServer;
let port: number;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-fuzz-sockets-'));
  fs.writeFileSync(
    path.join(dir, 'fuzz.json'),
    JSON.stringify({ api_roots: [{ path: 'fuzz', title: 'Fuzz', max_content_length: 100_000, collections: [{ id: COLLECTION, title: 'Fuzz' }] }] }),
  );
  const config = buildConfig(
    { security: { auth_failures_per_window: 1_000_000 }, server: { max_connections_per_address: 1_000 } },
    {
      CONCORD_SQLITE_FILE: path.join(dir, 'concord.db'),
      CONCORD_DIRECTORY_DIR: dir,
      CONCORD_APPLY_ON_START: 'true',
      CONCORD_ADMIN_TOKEN: TOKEN,
      CONCORD_PORT: '0',
      CONCORD_VALIDATION_THREADS: '0',
    },
    'fuzz-sockets',
  );
  server = await startServer(config, pino({ level: 'silent' }));
  port = Number(new URL(server.url).port);
});
afterAll(async () => {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Parses the first HTTP/1.1 response out of the bytes read so far (undefined: not complete yet). */
function parseResponse(data: Buffer): RawResponse | undefined {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const lines = data.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(lines[0] ?? '')?.[1]);
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  if (data.length < end + 4 + length) return undefined;
  return { status, headers, body: data.subarray(end + 4, end + 4 + length).toString('utf8') };
}

/**
 * Writes `chunks` to a fresh connection (`gapMs` apart), then waits for the first response,
 * or for the server to close the connection (undefined), at most `timeoutMs`.
 */
function raw(chunks: Array<string | Buffer>, options: { gapMs?: number; timeoutMs?: number; endAfter?: boolean } = {}): Promise<RawResponse | undefined> {
  const { gapMs = 0, timeoutMs = 5000, endAfter = false } = options;
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    let done = false;
    const finish = (r: RawResponse | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    socket.on('data', (d: Buffer) => {
      data = Buffer.concat([data, d]);
      const r = parseResponse(data);
      if (r) finish(r);
    });
    socket.on('close', () => finish(parseResponse(data)));
    socket.on('error', (e) => (done ? undefined : data.length > 0 ? finish(parseResponse(data)) : reject(e)));
    socket.on('connect', async () => {
      for (const c of chunks) {
        if (done || socket.destroyed) return;
        socket.write(c);
        if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
      }
      if (endAfter && !socket.destroyed) socket.end();
    });
  });
}

const head = (method: string, target: string, extra: string[] = []) =>
  [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', `Authorization: Bearer ${TOKEN}`, `Accept: ${TAXII}`, ...extra, '', ''].join('\r\n');

/** Every refusal, the application's or the HTTP parser's (src/http/connection-limits.ts), is a TAXII error. */
function expectTaxiiError(r: RawResponse | undefined, status: number): void {
  expect(r).toBeDefined();
  const res = r as RawResponse;
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe(TAXII);
  const body = JSON.parse(res.body) as { http_status: string; title: string };
  expect(body.http_status).toBe(String(status));
  expect(typeof body.title).toBe('string');
}

async function storedCount(): Promise<number> {
  let count = 0;
  let next: string | undefined;
  do {
    const res = await fetch(`${server.url}/fuzz/collections/${COLLECTION}/manifest/?match[version]=all&limit=1000${next ? `&next=${encodeURIComponent(next)}` : ''}`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    const body = (await res.json()) as { more?: boolean; next?: string; objects?: unknown[] };
    count += body.objects?.length ?? 0;
    next = body.more ? body.next : undefined;
  } while (next);
  return count;
}

/** Latencies (ms) of `n` GETs of the collection's objects, one after another, each on a new connection. */
async function latencies(n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await raw([head('GET', `${OBJECTS}?limit=10`, ['Connection: close'])]);
    out.push(performance.now() - t0);
    expect(r?.status).toBe(200);
  }
  return out;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

let baseline: number;
beforeAll(async () => {
  await latencies(5); // warm up
  baseline = median(await latencies(15));
});

/** Other clients are served as usual: median within 10× the quiet median (+50 ms for a busy host), none over 2 s. */
async function expectOthersServed(): Promise<void> {
  const under = await latencies(15);
  expect(median(under)).toBeLessThan(baseline * 10 + 50);
  expect(Math.max(...under)).toBeLessThan(2000);
}

describe('raw sockets', () => {
  test('Content-Length larger than the body, then the client closes: no 5xx, nothing stored', async () => {
    const before = await storedCount();
    const body = JSON.stringify({ objects: [indicator()] });
    const r = await raw([head('POST', OBJECTS, [`Content-Type: ${TAXII}`, `Content-Length: ${body.length + 100}`]), body], { endAfter: true, timeoutMs: 3000 });
    // A 400 (the body ended early), or the connection closed unanswered.
    if (r !== undefined) expectTaxiiError(r, 400);
    expect(await storedCount()).toBe(before);
  });

  test('Content-Length larger than the body, the client stalls: others are served meanwhile, nothing stored', async () => {
    const before = await storedCount();
    const body = JSON.stringify({ objects: [indicator()] });
    const stalled = raw([head('POST', OBJECTS, [`Content-Type: ${TAXII}`, `Content-Length: ${body.length + 100}`]), body], { timeoutMs: 2500 });
    await expectOthersServed();
    expect(await stalled).toBeUndefined(); // still waiting for the rest of its body
    expect(await storedCount()).toBe(before);
  });

  test('Content-Length smaller than the body: 400 (the cut JSON, or the rest read as a next request), nothing stored', async () => {
    const before = await storedCount();
    const body = JSON.stringify({ objects: [indicator()] });
    const r = await raw([head('POST', OBJECTS, [`Content-Type: ${TAXII}`, `Content-Length: ${body.length - 5}`]) + body]);
    expectTaxiiError(r, 400);
    // Without the rest, the cut body alone reaches the application: a TAXII 400.
    const cut = await raw([head('POST', OBJECTS, [`Content-Type: ${TAXII}`, `Content-Length: ${body.length - 5}`]) + body.slice(0, -5)]);
    expectTaxiiError(cut, 400);
    expect(await storedCount()).toBe(before);
  });

  test('a Content-Length over max_content_length is 413 before the body is read', async () => {
    const r = await raw([head('POST', OBJECTS, [`Content-Type: ${TAXII}`, 'Content-Length: 100001'])]);
    expectTaxiiError(r, 413);
  });

  test('a slow body (dripped over ~3 s) is stored in the end, and blocks nobody meanwhile', async () => {
    const before = await storedCount();
    const o = indicator();
    const body = JSON.stringify({ objects: [o] });
    const pieces = Array.from({ length: 20 }, (_, i) => body.slice((i * body.length) / 20, ((i + 1) * body.length) / 20));
    const slow = raw([head('POST', OBJECTS, [`Content-Type: ${TAXII}`, `Content-Length: ${Buffer.byteLength(body)}`]), ...pieces], { gapMs: 150, timeoutMs: 15_000 });
    await expectOthersServed();
    const r = await slow;
    expect(r?.status).toBe(202);
    expect(JSON.parse((r as RawResponse).body).success_count).toBe(1);
    expect(await storedCount()).toBe(before + 1);
  });

  test('stalled headers and hundreds of idle connections block nobody', async () => {
    const idle: net.Socket[] = [];
    const open = (n: number) =>
      Promise.all(
        Array.from({ length: n }, () => new Promise<void>((resolve, reject) => {
          const s = net.connect(port, '127.0.0.1', () => resolve());
          s.on('error', reject);
          idle.push(s);
        })),
      );
    try {
      await open(300);
      // Some with half a request line or half the headers, some after a complete request (kept alive).
      idle.slice(0, 50).forEach((s) => s.write('GET /taxii2/ HT'));
      idle.slice(50, 100).forEach((s) => s.write(`GET /taxii2/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n`));
      idle.slice(100, 150).forEach((s) => s.write(`GET /taxii2/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`));
      await expectOthersServed();
      const health = await fetch(`${server.url}/healthz`);
      expect(health.status).toBe(200);
    } finally {
      for (const s of idle) s.destroy();
    }
  });

  test('long URLs: served up to server.max_url_bytes (8 KB), 414 beyond, 431 past the head limit — TAXII errors all, and the server goes on', async () => {
    const ok = await raw([head('GET', `${OBJECTS}?x=${'a'.repeat(7 * 1024)}`)]);
    expect(ok?.status).toBe(200);
    for (const [size, status] of [
      [8 * 1024, 414],
      [12 * 1024, 414],
      // Past the request-head limit (server.max_header_bytes, 16 KB) the HTTP parser refuses
      // before the application; the server's clientError handler still answers a TAXII error.
      [20 * 1024, 431],
    ] as const) {
      const r = await raw([head('GET', `${OBJECTS}?x=${'a'.repeat(size)}`)]);
      expect(r?.status).toBe(status);
      expect(r?.headers['content-type']).toBe(TAXII);
      expect(JSON.parse(r?.body ?? '{}')).toMatchObject({ http_status: String(status), title: expect.any(String) });
    }
    const after = await raw([head('GET', `${OBJECTS}?limit=1`)]);
    expect(after?.status).toBe(200);
  });

  test('header junk the HTTP parser refuses is a 400, and the server goes on', async () => {
    for (const junk of [
      'GARBAGE\r\n\r\n',
      `POST ${OBJECTS} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      `POST ${OBJECTS} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: ${TAXII}\r\n\r\nZZ\r\nxx\r\n`,
      `GET ${OBJECTS} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer\u0000${TOKEN}\r\n\r\n`,
      `GET ${OBJECTS} HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n`,
    ]) {
      const r = await raw([junk], { timeoutMs: 3000 });
      if (r !== undefined) {
        expect(r.status).toBeGreaterThanOrEqual(400);
        expect(r.status).toBeLessThan(500);
        expect(r.headers['content-type']).toBe(TAXII);
      }
    }
    const after = await raw([head('GET', `${OBJECTS}?limit=1`)]);
    expect(after?.status).toBe(200);
  });
});
