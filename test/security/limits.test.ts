// Issue 8's limits, each at a small configured value: requests per member and per
// address (429 + Retry-After + TAXII error, problem document on the admin API), string and
// array sizes per object (that object refused, the rest stored), connections per address,
// and the header timeout (408), each answered with a TAXII error body (§3.6.1).
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { v4 as uuidv4 } from 'uuid';
import { buildConfig } from '../../src/config';
import { startServer, type RunningServer } from '../../src/main';
import { ROOT, SHARED, TAXII, auth, makeTestApp, objectsUrl, testConfigObject, type TestApp } from '../helpers/test-app';

const HIGH = 1_000_000_000;

function indicator(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const t = '2025-01-01T00:00:00.000Z';
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: `indicator--${uuidv4()}`,
    created: t,
    modified: t,
    pattern: "[ipv4-addr:value = '10.0.0.1']",
    pattern_type: 'stix',
    valid_from: t,
    ...extra,
  };
}

function expectTaxii429(r: request.Response): void {
  expect(r.status).toBe(429);
  expect(r.headers['content-type']).toBe(TAXII);
  expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  expect(JSON.parse(r.text)).toMatchObject({ http_status: '429', title: 'Too Many Requests' });
}

describe('requests per member and per address', () => {
  let t: TestApp;
  afterEach(() => t.close());

  test('a member beyond its limit gets 429 on TAXII and the admin API; other members are served', async () => {
    t = await makeTestApp({
      config: testConfigObject({ security: { auth_failures_per_window: HIGH, requests_per_member_per_minute: 5, requests_per_address_per_minute: HIGH } }),
    });
    for (let i = 0; i < 5; i++) expect((await request(t.app).get(objectsUrl(SHARED)).set(...auth('member'))).status).toBe(200);
    expectTaxii429(await request(t.app).get(objectsUrl(SHARED)).set(...auth('member')));
    // Another endpoint, the same member: the count is per member, not per URL.
    expectTaxii429(await request(t.app).get(`/${ROOT}/collections/`).set(...auth('member')));
    expect((await request(t.app).get(objectsUrl(SHARED)).set(...auth('reader'))).status).toBe(200);

    for (let i = 0; i < 5; i++) expect((await request(t.app).get('/admin/v1/members').set(...auth('admin'))).status).toBe(200);
    const admin = await request(t.app).get('/admin/v1/members').set(...auth('admin'));
    expect(admin.status).toBe(429);
    expect(admin.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(admin.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  test('an address beyond its limit gets 429 whatever credentials it sends, and nothing it sends is stored', async () => {
    t = await makeTestApp({
      config: testConfigObject({ security: { auth_failures_per_window: HIGH, requests_per_member_per_minute: HIGH, requests_per_address_per_minute: 4 } }),
    });
    for (let i = 0; i < 2; i++) expect((await request(t.app).get(objectsUrl(SHARED))).status).toBe(401);
    for (let i = 0; i < 2; i++) expect((await request(t.app).get(objectsUrl(SHARED)).set(...auth('member'))).status).toBe(200);
    expectTaxii429(await request(t.app).get(objectsUrl(SHARED)).set(...auth('reader')));
    const o = indicator();
    const posted = await request(t.app).post(objectsUrl(SHARED)).set(...auth('member')).set('Content-Type', TAXII).send(JSON.stringify({ objects: [o] }));
    expectTaxii429(posted);
    expect(await t.store.hasObject(SHARED, o.id as string)).toBe(false);
  });
});

describe('string and array sizes per object', () => {
  let t: TestApp;
  afterEach(() => t.close());

  test('an object beyond a limit is refused with a reason naming the property; the others are stored', async () => {
    t = await makeTestApp({ config: testConfigObject({ taxii: { page_size_default: 100, page_size_max: 1000, max_string_length: 2000, max_array_length: 20 } }) });
    const good = indicator({ description: 'x'.repeat(2000), labels: Array.from({ length: 20 }, (_, i) => `l${i}`) });
    const longString = indicator({ description: 'x'.repeat(2001) });
    const longArray = indicator({ labels: Array.from({ length: 21 }, (_, i) => `l${i}`) });
    const nested = indicator({ external_references: [{ source_name: 'x', description: 'y'.repeat(2001) }] });
    const r = await request(t.app)
      .post(objectsUrl(SHARED))
      .set(...auth('member'))
      .set('Content-Type', TAXII)
      .send(JSON.stringify({ objects: [good, longString, longArray, nested] }));
    expect(r.status).toBe(202);
    const status = JSON.parse(r.text) as { success_count: number; failure_count: number; failures: Array<{ id: string; message: string }> };
    expect(status.success_count).toBe(1);
    expect(status.failure_count).toBe(3);
    const reasons = new Map(status.failures.map((f) => [f.id, f.message]));
    expect(reasons.get(longString.id as string)).toMatch(/description is a string of 2001 characters; the hub accepts at most 2000/);
    expect(reasons.get(longArray.id as string)).toMatch(/labels has 21 items; the hub accepts at most 20/);
    expect(reasons.get(nested.id as string)).toMatch(/external_references\[0\]\.description is a string of 2001 characters/);
    for (const o of [longString, longArray, nested]) expect(await t.store.hasObject(SHARED, o.id as string)).toBe(false);
    expect(await t.store.hasObject(SHARED, good.id as string)).toBe(true);
  });
});

describe('on the listening server', () => {
  let server: RunningServer;
  let dir: string;
  let port: number;
  const TOKEN = 'limits-admin-token-0123456789';

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-limits-'));
    const config = buildConfig(
      { server: { max_connections_per_address: 5, headers_timeout_ms: 1000, request_timeout_ms: 60_000 } },
      { CONCORD_SQLITE_FILE: path.join(dir, 'concord.db'), CONCORD_DIRECTORY_DIR: dir, CONCORD_ADMIN_TOKEN: TOKEN, CONCORD_PORT: '0', CONCORD_VALIDATION_THREADS: '0' },
      'limits',
    );
    server = await startServer(config, pino({ level: 'silent' }));
    port = Number(new URL(server.url).port);
  });
  afterAll(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const connect = () =>
    new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(s));
      s.on('error', reject);
    });
  /** Everything the server sends until it closes the connection (or `ms` pass). */
  const readAll = (s: net.Socket, ms = 5000) =>
    new Promise<string>((resolve) => {
      let data = '';
      const timer = setTimeout(() => resolve(data), ms);
      s.on('data', (d: Buffer) => (data += d.toString()));
      s.on('close', () => {
        clearTimeout(timer);
        resolve(data);
      });
    });

  test('connections beyond max_connections_per_address get 429 with a TAXII error and are closed; closing one frees a place', async () => {
    const held = await Promise.all(Array.from({ length: 5 }, connect));
    try {
      const extra = await connect();
      const answer = await readAll(extra);
      expect(answer).toMatch(/^HTTP\/1\.1 429 Too Many Requests\r\n/);
      expect(answer).toContain(`Content-Type: ${TAXII}`);
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ http_status: '429' });
      (held.pop() as net.Socket).destroy();
      await new Promise((r) => setTimeout(r, 100));
      const res = await fetch(`${server.url}/taxii2/`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(200);
    } finally {
      for (const s of held) s.destroy();
    }
  });

  test('a request head not finished within headers_timeout_ms gets 408 with a TAXII error', async () => {
    // The previous test's sockets are closed by now on the server's side too.
    await new Promise((r) => setTimeout(r, 300));
    const s = await connect();
    s.write('GET /taxii2/ HTTP/1.1\r\nHost: x\r\n');
    const started = Date.now();
    const answer = await readAll(s, 10_000);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(answer).toContain(`Content-Type: ${TAXII}`);
  });
});
