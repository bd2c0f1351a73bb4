// Failed-authentication throttling (src/http/rate-limit.ts): an address with too many 401s
// gets 429 + Retry-After + a TAXII error, whatever it sends; other addresses and
// successful requests are not affected.
import { EventEmitter } from 'node:events';
import type { NextFunction, Request, Response } from 'express';
import request from 'supertest';
import { TaxiiError } from '../../src/taxii/taxii-error';
import { authFailureLimiter } from '../../src/http/rate-limit';
import { SHARED, TAXII, TOKENS, objectsUrl } from '../helpers/test-app';
import { makeMatrixApp, type MatrixApp } from '../helpers/access-matrix';

describe('through the application', () => {
  let throttled: MatrixApp;
  let other: MatrixApp;
  beforeAll(async () => {
    const config = { security: { auth_failures_per_window: 3, auth_failure_window_seconds: 60 } };
    throttled = await makeMatrixApp({ config, seed: false });
    other = await makeMatrixApp({ config, seed: false });
  });
  afterAll(async () => {
    await throttled.close();
    await other.close();
  });

  const get = (m: MatrixApp, token: string) => request(m.app).get(objectsUrl(SHARED)).set('Accept', TAXII).set('Authorization', `Bearer ${token}`);

  test('successful requests, even many at once, are never counted', async () => {
    const all = await Promise.all(Array.from({ length: 20 }, () => get(throttled, TOKENS.member)));
    expect(all.map((r) => r.status)).toEqual(Array(20).fill(200));
    // 403s and 404s are not failed authentications either.
    for (let i = 0; i < 5; i++) expect((await get(throttled, TOKENS.outsider)).status).toBe(404);
  });

  test('after 3 failures the address gets 429, even with a valid credential; another address still authenticates', async () => {
    for (let i = 0; i < 3; i++) expect((await get(throttled, 'wrong-token')).status).toBe(401);
    const refused = await get(throttled, 'wrong-token');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(refused.headers['content-type']).toBe(TAXII);
    expect(JSON.parse(refused.text)).toEqual({
      title: 'Too Many Requests',
      description: expect.stringContaining('failed authentications') as unknown as string,
      error_id: refused.headers['x-request-id'],
      http_status: '429',
    });
    expect((await get(throttled, TOKENS.member)).status).toBe(429);
    // A different server instance stands for a different address here.
    expect((await get(other, TOKENS.member)).status).toBe(200);
    expect((await get(other, 'wrong-token')).status).toBe(401);
  });
});

describe('the admin API shares the count', () => {
  let app: MatrixApp;
  beforeAll(async () => {
    app = await makeMatrixApp({ config: { security: { auth_failures_per_window: 2, auth_failure_window_seconds: 60 } }, seed: false });
  });
  afterAll(async () => app.close());

  test('failures on /admin/v1 and on TAXII add up; the throttled admin API answers 429 as a problem document', async () => {
    expect((await request(app.app).get('/admin/v1/members').set('Authorization', 'Bearer wrong')).status).toBe(401);
    expect((await request(app.app).get('/taxii2/').set('Authorization', 'Bearer wrong')).status).toBe(401);
    const refused = await request(app.app).get('/admin/v1/members').set('Authorization', `Bearer ${TOKENS.admin}`);
    expect(refused.status).toBe(429);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await request(app.app).get('/taxii2/').set('Authorization', `Bearer ${TOKENS.admin}`)).status).toBe(429);
    // The public OpenAPI document needs no credential and is not throttled.
    expect((await request(app.app).get('/admin/v1/openapi.json')).status).toBe(200);
  });
});

describe('the middleware, per address', () => {
  function fakeExchange(ip: string): { req: Request; res: Response & EventEmitter } {
    const res = Object.assign(new EventEmitter(), { statusCode: 200 }) as unknown as Response & EventEmitter;
    return { req: { ip, socket: {} } as unknown as Request, res };
  }
  async function pass(limiter: ReturnType<typeof authFailureLimiter>, ip: string, status: number): Promise<unknown> {
    const { req, res } = fakeExchange(ip);
    const outcome = await new Promise<unknown>((resolve) => limiter(req, res, ((e?: unknown) => resolve(e ?? 'next')) as NextFunction));
    if (outcome === 'next') {
      res.statusCode = status;
      res.emit('finish');
      await new Promise((r) => setImmediate(r));
    }
    return outcome;
  }

  test('failures from one address do not throttle another', async () => {
    const limiter = authFailureLimiter({ maxFailures: 2, windowSeconds: 60 });
    try {
      expect(await pass(limiter, '203.0.113.1', 401)).toBe('next');
      expect(await pass(limiter, '203.0.113.1', 401)).toBe('next');
      const refused = await pass(limiter, '203.0.113.1', 200);
      expect(refused).toBeInstanceOf(TaxiiError);
      expect((refused as TaxiiError).status).toBe(429);
      expect((refused as TaxiiError).headers['Retry-After']).toMatch(/^\d+$/);
      expect(await pass(limiter, '198.51.100.9', 200)).toBe('next');
      expect(await pass(limiter, '198.51.100.9', 401)).toBe('next');
      expect(await pass(limiter, '198.51.100.9', 200)).toBe('next');
    } finally {
      limiter.shutdown();
    }
  });

  test('the window ends', async () => {
    const start = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(start);
    const limiter = authFailureLimiter({ maxFailures: 1, windowSeconds: 10 });
    try {
      expect(await pass(limiter, '203.0.113.2', 401)).toBe('next');
      expect(await pass(limiter, '203.0.113.2', 200)).toBeInstanceOf(TaxiiError);
      clock.mockReturnValue(start + 11_000);
      expect(await pass(limiter, '203.0.113.2', 200)).toBe('next');
    } finally {
      limiter.shutdown();
      clock.mockRestore();
    }
  });
});
