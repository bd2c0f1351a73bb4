// Liveness and readiness probes (outside TAXII: no authentication, no content negotiation).
import request from 'supertest';
import { makeTestApp, type TestApp } from '../helpers/test-app';

describe('health probes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp();
  });
  afterAll(() => t.close());

  test('GET /healthz without credentials → 200 {"status":"ok"}', async () => {
    const res = await request(t.app).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({ status: 'ok' });
  });

  test('GET /readyz without credentials, store open → 200 {"status":"ready"}', async () => {
    const res = await request(t.app).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready' });
  });

  test('GET /healthz ignores Accept (a probe is not a TAXII client) → 200', async () => {
    const res = await request(t.app).get('/healthz').set('Accept', 'text/plain');
    expect(res.status).toBe(200);
  });

  test('responses carry an X-Request-Id', async () => {
    const res = await request(t.app).get('/healthz').set('X-Request-Id', 'abcdef12-trace');
    expect(res.headers['x-request-id']).toBe('abcdef12-trace');
  });
});

describe('readiness after the store is closed', () => {
  test('GET /readyz after store.close() → 503 {"status":"unavailable"}; /healthz stays 200', async () => {
    const t = await makeTestApp();
    expect((await request(t.app).get('/readyz')).status).toBe(200);
    await t.store.close();
    const res = await request(t.app).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ status: 'unavailable' });
    expect((await request(t.app).get('/healthz')).status).toBe(200);
    await t.close(); // closing twice is harmless
  });
});
