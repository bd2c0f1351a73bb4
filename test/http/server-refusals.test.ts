// Refusals that Node's HTTP server would otherwise answer itself, with an empty body: a
// request without Host, an Expect it cannot meet, and what its parser gives up on. Each
// must be a TAXII error resource (§3.6.1) like every other refusal. supertest cannot send
// these requests (it always sends Host, and its server answers Expect itself), so they go
// over raw sockets to the real listening server (startServer, as `concord serve` runs it).
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { buildConfig } from '../../src/config';
import { startServer, type RunningServer } from '../../src/main';
import { indicator } from '../helpers/stix-fixtures';
import { TAXII } from '../helpers/test-app';

const TOKEN = 'server-refusals-admin-token';
const COLLECTION = '6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const OBJECTS = `/refusals/collections/${COLLECTION}/objects/`;

let server: RunningServer;
let port: number;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-refusals-'));
  fs.writeFileSync(
    path.join(dir, 'refusals.json'),
    JSON.stringify({ api_roots: [{ path: 'refusals', title: 'Refusals', max_content_length: 100_000, collections: [{ id: COLLECTION, title: 'Refusals' }] }] }),
  );
  const config = buildConfig(
    { security: { auth_failures_per_window: 1_000_000 } },
    {
      CONCORD_SQLITE_FILE: path.join(dir, 'concord.db'),
      CONCORD_DIRECTORY_DIR: dir,
      CONCORD_APPLY_ON_START: 'true',
      CONCORD_ADMIN_TOKEN: TOKEN,
      CONCORD_PORT: '0',
      CONCORD_VALIDATION_THREADS: '0',
    },
    'server-refusals',
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
  /** Everything received, interim responses included. */
  raw: string;
}

/** The last complete response in `data` (after any 1xx), or undefined while incomplete. */
function parseResponse(data: string): RawResponse | undefined {
  let at = 0;
  for (;;) {
    const end = data.indexOf('\r\n\r\n', at);
    if (end < 0) return undefined;
    const lines = data.slice(at, end).split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1]);
    if (status >= 100 && status < 200) {
      at = end + 4;
      continue;
    }
    const headers: Record<string, string> = {};
    for (const l of lines.slice(1)) {
      const i = l.indexOf(':');
      headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    if (data.length < end + 4 + length) return undefined;
    return { status, headers, body: data.slice(end + 4, end + 4 + length), raw: data };
  }
}

/**
 * Sends `head` on a fresh connection, then `body` once the server answers 100 Continue (or
 * at once when `waitForContinue` is false); resolves with the final response and whether
 * the server then closed the connection.
 */
function exchange(head: string, options: { body?: string; waitForContinue?: boolean } = {}): Promise<{ res: RawResponse | undefined; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    let res: RawResponse | undefined;
    let sentBody = false;
    const timer = setTimeout(() => finish(false), 3000);
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ res: res ?? parseResponse(data), closed });
    };
    socket.on('data', (d: Buffer) => {
      data += d.toString('latin1');
      if (!sentBody && options.body !== undefined && options.waitForContinue && /^HTTP\/1\.1 100 /.test(data)) {
        sentBody = true;
        socket.write(options.body);
      }
      res ??= parseResponse(data);
      // Give the server a moment to close the connection after its answer.
      if (res) setTimeout(() => finish(socket.readableEnded || socket.destroyed), 200);
    });
    socket.on('end', () => (res ? finish(true) : undefined));
    socket.on('close', () => finish(true));
    socket.on('error', (e) => (data.length > 0 ? finish(true) : reject(e)));
    socket.on('connect', () => {
      socket.write(head);
      if (options.body !== undefined && !options.waitForContinue) {
        sentBody = true;
        socket.write(options.body);
      }
    });
  });
}

const lines = (...l: string[]) => [...l, '', ''].join('\r\n');

/** A TAXII error resource: the media type, title, http_status as a string, description, error_id = X-Request-Id when one is sent. */
function expectTaxiiError(res: RawResponse | undefined, status: number, description?: RegExp): Record<string, string> {
  expect(res).toBeDefined();
  const r = res as RawResponse;
  expect(r.status).toBe(status);
  expect(r.headers['content-type']).toBe(TAXII);
  const body = JSON.parse(r.body) as Record<string, string>;
  expect(body.http_status).toBe(String(status));
  expect(typeof body.title).toBe('string');
  expect(body.title.length).toBeGreaterThan(0);
  expect(typeof body.description).toBe('string');
  if (description) expect(body.description).toMatch(description);
  expect(typeof body.error_id).toBe('string');
  expect(r.headers['x-request-id']).toBe(body.error_id);
  return body;
}

describe('Host (RFC 9112 §3.2)', () => {
  test('an HTTP/1.1 request without Host is a TAXII 400, and the connection is closed', async () => {
    const { res, closed } = await exchange(lines('GET /taxii2/ HTTP/1.1', `Authorization: Bearer ${TOKEN}`, `Accept: ${TAXII}`));
    expectTaxiiError(res, 400, /Host/);
    expect(closed).toBe(true);
  });

  test('an HTTP/1.1 request with two Host headers is a TAXII 400', async () => {
    const { res } = await exchange(lines('GET /taxii2/ HTTP/1.1', 'Host: a.example', 'Host: b.example', `Authorization: Bearer ${TOKEN}`));
    expectTaxiiError(res, 400, /Host/);
  });

  test('an HTTP/1.0 request without Host is served (Host is HTTP/1.1)', async () => {
    const { res } = await exchange(lines('GET /taxii2/ HTTP/1.0', `Authorization: Bearer ${TOKEN}`, `Accept: ${TAXII}`));
    expect(res?.status).toBe(200);
    expect(res?.headers['content-type']).toBe(TAXII);
  });
});

describe('Expect (RFC 9110 §10.1.1)', () => {
  test('an expectation other than 100-continue is a TAXII 417, and nothing is stored', async () => {
    const body = JSON.stringify({ objects: [indicator()] });
    const { res, closed } = await exchange(
      lines(`POST ${OBJECTS} HTTP/1.1`, 'Host: 127.0.0.1', `Authorization: Bearer ${TOKEN}`, `Accept: ${TAXII}`, `Content-Type: ${TAXII}`,
        `Content-Length: ${Buffer.byteLength(body)}`, 'Expect: 200-ok'),
      { body },
    );
    expectTaxiiError(res, 417, /100-continue/);
    expect(closed).toBe(true);
    const list = await fetch(`${server.url}${OBJECTS}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(((await list.json()) as { objects?: unknown[] }).objects ?? []).toHaveLength(0);
  });

  test('Expect: 100-continue still works: 100, then the body, then 202', async () => {
    const body = JSON.stringify({ objects: [indicator()] });
    const { res } = await exchange(
      lines(`POST ${OBJECTS} HTTP/1.1`, 'Host: 127.0.0.1', `Authorization: Bearer ${TOKEN}`, `Accept: ${TAXII}`, `Content-Type: ${TAXII}`,
        `Content-Length: ${Buffer.byteLength(body)}`, 'Expect: 100-continue'),
      { body, waitForContinue: true },
    );
    expect(res?.raw).toMatch(/^HTTP\/1\.1 100 Continue\r\n/);
    expect(res?.status).toBe(202);
  });
});

describe("what Node's HTTP parser refuses (the clientError path)", () => {
  test('a malformed request line is a TAXII 400', async () => {
    const { res, closed } = await exchange('GARBAGE\r\n\r\n');
    expectTaxiiError(res, 400);
    expect(closed).toBe(true);
  });

  test('an invalid header is a TAXII 400', async () => {
    const { res } = await exchange(lines('GET /taxii2/ HTTP/1.1', 'Host: 127.0.0.1', 'Bad Header: x'));
    expectTaxiiError(res, 400);
  });

  test('a request head past server.max_header_bytes is a TAXII 431', async () => {
    const { res } = await exchange(lines('GET /taxii2/ HTTP/1.1', 'Host: 127.0.0.1', `X-Padding: ${'a'.repeat(20_000)}`));
    expectTaxiiError(res, 431);
  });

  test('a chunk extension past the parser limit is a TAXII 413', async () => {
    const { res } = await exchange(
      lines(`POST ${OBJECTS} HTTP/1.1`, 'Host: 127.0.0.1', `Authorization: Bearer ${TOKEN}`, `Content-Type: ${TAXII}`, 'Transfer-Encoding: chunked') +
        `5;${'x'.repeat(20_000)}\r\n`,
    );
    expectTaxiiError(res, 413);
  });

  test('after a pipelined valid request, malformed bytes are a TAXII 400 that follows its answer', async () => {
    const data = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () =>
        socket.write(lines('GET /taxii2/ HTTP/1.1', 'Host: 127.0.0.1', `Authorization: Bearer ${TOKEN}`, `Accept: ${TAXII}`) + 'GARBAGE\r\n\r\n'),
      );
      let text = '';
      const timer = setTimeout(() => resolve(text), 3000);
      socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
      socket.on('close', () => {
        clearTimeout(timer);
        resolve(text);
      });
      socket.on('error', reject);
    });
    const first = parseResponse(data);
    expect(first?.status).toBe(200);
    expect(JSON.parse(first?.body ?? '{}')).toHaveProperty('api_roots');
    const rest = data.slice(data.indexOf('\r\n\r\n') + 4 + Number(first?.headers['content-length']));
    expectTaxiiError(parseResponse(rest), 400);
  });

  test('the server goes on serving', async () => {
    const res = await fetch(`${server.url}/taxii2/`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
  });
});
