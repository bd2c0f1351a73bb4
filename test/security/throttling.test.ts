// Failed-authentication throttling (src/http/rate-limit.ts), as OWASP's Authentication
// Cheat Sheet describes: 401s are counted per address and claimed identity (the Basic
// user name, or a Concord token's public prefix), so that one user's failures behind a
// shared NAT or proxy lock out that user only; and per address in all, a much higher
// backstop against spraying many user names. Beyond either: 429 + Retry-After + a TAXII
// error, before the credentials are checked. Successful requests are never counted.
import { EventEmitter } from 'node:events';
import type { NextFunction, Request, Response } from 'express';
import request from 'supertest';
import { TaxiiError } from '../../src/taxii/taxii-error';
import { authFailureLimiter, claimOf } from '../../src/http/rate-limit';
import { hashPassword, hashToken } from '../../src/access/secrets';
import { SHARED, TAXII, TOKENS, makeTestApp, objectsUrl, testConfigObject, type TestApp } from '../helpers/test-app';
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

  // test-app.ts's tokens are not in Concord's format (no public prefix): their failures
  // and theirs alone count per address, as every failure did before.
  test('after 3 failures naming no user, such credentials from that address get 429, even valid ones; another address still authenticates', async () => {
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
  function fakeExchange(ip: string, authorization?: string): { req: Request; res: Response & EventEmitter } {
    const res = Object.assign(new EventEmitter(), { statusCode: 200 }) as unknown as Response & EventEmitter;
    const headers = authorization === undefined ? {} : { authorization };
    return { req: { ip, socket: {}, headers } as unknown as Request, res };
  }
  async function pass(limiter: ReturnType<typeof authFailureLimiter>, ip: string, status: number, authorization?: string): Promise<unknown> {
    const { req, res } = fakeExchange(ip, authorization);
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

describe('the middleware, per address and claimed identity', () => {
  const basic = (user: string, password = 'wrong') => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const token = (c: string, rest = c) => `Bearer concord_${c.repeat(8)}${rest.repeat(35)}`;

  async function pass(limiter: ReturnType<typeof authFailureLimiter>, status: number, authorization?: string, ip = '203.0.113.7'): Promise<unknown> {
    const res = Object.assign(new EventEmitter(), { statusCode: 200 }) as unknown as Response & EventEmitter;
    const req = { ip, socket: {}, headers: authorization === undefined ? {} : { authorization } } as unknown as Request;
    const outcome = await new Promise<unknown>((resolve) => limiter(req, res, ((e?: unknown) => resolve(e ?? 'next')) as NextFunction));
    if (outcome === 'next') {
      res.statusCode = status;
      res.emit('finish');
      await new Promise((r) => setImmediate(r));
    }
    return outcome;
  }
  const status = (outcome: unknown) => (outcome instanceof TaxiiError ? outcome.status : outcome);

  test('claims: the Basic user name, a Concord token prefix; nothing for other tokens, schemes or none', () => {
    expect(claimOf(basic('alice'))).toEqual({ key: 'user alice', what: 'user name' });
    expect(claimOf(basic('alice', 'x:y:z'))).toEqual({ key: 'user alice', what: 'user name' });
    expect(claimOf(token('a', 'b'))).toEqual({ key: 'token concord_aaaaaaaa', what: 'token' });
    expect(claimOf(`Token concord_${'a'.repeat(43)}`)).toEqual({ key: 'token concord_aaaaaaaa', what: 'token' });
    expect(claimOf('Bearer member-token-0123456789')).toBeUndefined();
    expect(claimOf(`Bearer concord_${'a'.repeat(42)}`)).toBeUndefined();
    expect(claimOf(`NotBasic ${Buffer.from('alice:x').toString('base64')}`)).toBeUndefined();
    expect(claimOf(undefined)).toBeUndefined();
  });

  test("one user's failures throttle that user from that address, no other user, and not that user elsewhere", async () => {
    const limiter = authFailureLimiter({ maxFailures: 2, maxFailuresPerAddress: 100, windowSeconds: 60 });
    try {
      expect(await pass(limiter, 401, basic('alice'))).toBe('next');
      expect(await pass(limiter, 401, basic('alice'))).toBe('next');
      const refused = await pass(limiter, 200, basic('alice', 'right'));
      expect(status(refused)).toBe(429);
      expect((refused as TaxiiError).description).toMatch(/for this user name from this address/);
      expect(await pass(limiter, 200, basic('bob', 'right'))).toBe('next');
      expect(await pass(limiter, 200, basic('alice', 'right'), '198.51.100.1')).toBe('next');
      // Tokens sharing a prefix are one claim; another prefix is another.
      expect(await pass(limiter, 401, token('a', 'x'))).toBe('next');
      expect(await pass(limiter, 401, token('a', 'y'))).toBe('next');
      expect(status(await pass(limiter, 200, token('a', 'z')))).toBe(429);
      expect(await pass(limiter, 200, token('b'))).toBe('next');
      // Nothing claimed: its own count, untouched by the claimed failures.
      expect(await pass(limiter, 200, 'Bearer member-token-0123456789')).toBe('next');
      expect(await pass(limiter, 200, undefined)).toBe('next');
    } finally {
      limiter.shutdown();
    }
  });

  test('the per-address backstop counts every failure and refuses everyone from that address', async () => {
    const limiter = authFailureLimiter({ maxFailures: 3, maxFailuresPerAddress: 5, windowSeconds: 60 });
    try {
      for (let i = 0; i < 4; i++) expect(await pass(limiter, 401, basic(`user-${i}`))).toBe('next');
      expect(await pass(limiter, 200, basic('bob', 'right'))).toBe('next');
      expect(await pass(limiter, 401, undefined)).toBe('next');
      const refused = await pass(limiter, 200, basic('bob', 'right'));
      expect(status(refused)).toBe(429);
      expect((refused as TaxiiError).description).toMatch(/from this address; retry/);
      expect(await pass(limiter, 200, basic('bob', 'right'), '198.51.100.2')).toBe('next');
    } finally {
      limiter.shutdown();
    }
  });

  test('the backstop defaults to ten times the per-user limit', async () => {
    const limiter = authFailureLimiter({ maxFailures: 1, windowSeconds: 60 });
    try {
      for (let i = 0; i < 10; i++) expect(await pass(limiter, 401, basic(`user-${i}`))).toBe('next');
      expect(status(await pass(limiter, 200, basic('bob', 'right')))).toBe(429);
    } finally {
      limiter.shutdown();
    }
  });
});

describe('through the application: one user behind a shared address does not lock out the others', () => {
  // Tokens in Concord's format (concord_ + 43 characters), whose public prefixes differ.
  const ALICE_TOKEN = `concord_${'a'.repeat(43)}`;
  const BOB_TOKEN = `concord_${'b'.repeat(43)}`;
  const PASSWORD = { alice: 'alice-password-0123', bob: 'bob-password-0123' };
  const users = () => [
    ...(testConfigObject().users as unknown[]),
    { id: 'alice', username: 'alice', password_scrypt: hashPassword(PASSWORD.alice), token_sha256: [hashToken(ALICE_TOKEN)], collections: { [SHARED]: 'rw' } },
    { id: 'bob', username: 'bob', password_scrypt: hashPassword(PASSWORD.bob), token_sha256: [hashToken(BOB_TOKEN)], collections: { [SHARED]: 'rw' } },
  ];
  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const get = (t: TestApp, authorization: string) =>
    request(t.app).get(objectsUrl(SHARED)).set('Accept', TAXII).set('Authorization', authorization);
  function expectThrottled(r: request.Response, who: RegExp): void {
    expect(r.status).toBe(429);
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    expect(r.headers['content-type']).toBe(TAXII);
    expect(JSON.parse(r.text)).toEqual({
      title: 'Too Many Requests',
      description: expect.stringMatching(who) as unknown as string,
      error_id: r.headers['x-request-id'],
      http_status: '429',
    });
  }

  let t: TestApp;
  afterEach(() => t.close());

  test('with the default limits: 30 failed logins as alice, then bob gets in from the same address; alice is throttled', async () => {
    t = await makeTestApp({ config: testConfigObject({ security: { auth_failure_window_seconds: 60 }, users: users() }) });
    expect(t.config.security.authFailuresPerWindow).toBe(30);
    expect(t.config.security.authFailuresPerAddressPerWindow).toBe(300);
    for (let i = 0; i < 30; i++) expect((await get(t, basic('alice', `guess-${i}`))).status).toBe(401);
    expect((await get(t, basic('bob', PASSWORD.bob))).status).toBe(200);
    expect((await get(t, `Bearer ${BOB_TOKEN}`)).status).toBe(200);
    // Alice, even with her password, is refused before it is checked.
    expectThrottled(await get(t, basic('alice', PASSWORD.alice)), /for this user name from this address/);
    // Her token is another credential, with failures of its own (none).
    expect((await get(t, `Bearer ${ALICE_TOKEN}`)).status).toBe(200);
    // Credentials that claim no identity have their own count, untouched.
    expect((await get(t, `Bearer ${TOKENS.member}`)).status).toBe(200);
  });

  test('30 failures with tokens of one prefix throttle that prefix; another token and Basic users get in', async () => {
    t = await makeTestApp({ config: testConfigObject({ security: { auth_failure_window_seconds: 60 }, users: users() }) });
    for (let i = 0; i < 30; i++) {
      const guess = `concord_aaaaaaaa${String(i).padStart(35, 'x')}`;
      expect((await get(t, `Bearer ${guess}`)).status).toBe(401);
    }
    expectThrottled(await get(t, `Bearer ${ALICE_TOKEN}`), /for this token from this address/);
    expect((await get(t, `Bearer ${BOB_TOKEN}`)).status).toBe(200);
    expect((await get(t, basic('alice', PASSWORD.alice))).status).toBe(200);
  });

  test('a spray of one failure each over many user names hits the per-address backstop, for everyone', async () => {
    t = await makeTestApp({
      config: testConfigObject({ security: { auth_failures_per_window: 3, auth_failures_per_address_per_window: 12, auth_failure_window_seconds: 60 }, users: users() }),
    });
    for (let i = 0; i < 11; i++) expect((await get(t, basic(`user-${i}`, 'Winter2026!'))).status).toBe(401);
    // No user name is near its own limit, and the address is one failure short of the backstop.
    expect((await get(t, basic('bob', PASSWORD.bob))).status).toBe(200);
    expect((await get(t, basic('user-11', 'Winter2026!'))).status).toBe(401);
    expectThrottled(await get(t, basic('bob', PASSWORD.bob)), /from this address; retry/);
    expectThrottled(await get(t, `Bearer ${BOB_TOKEN}`), /from this address; retry/);
    // The admin API counts and refuses alike (as a problem document there).
    const admin = await request(t.app).get('/admin/v1/members').set('Authorization', `Bearer ${TOKENS.admin}`);
    expect(admin.status).toBe(429);
  });
});
