// TAXII 2.1 §4.1 Server Discovery, and the authentication every endpoint shares (§1.6.5, §3.6).
import request from 'supertest';
import { hashToken } from '../../src/access/secrets';
import { makeTestApp, testConfigObject, auth, PASSWORDS, ROOT, OTHER_ROOT, TAXII, TOKENS, type TestApp } from '../helpers/test-app';

const DISCOVERY = '/taxii2/';
const basic = (username: string, password: string) => Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
const memberBasic = () => basic(PASSWORDS.member.username, PASSWORDS.member.password);

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(() => t.close());

function expectTaxiiError(res: request.Response, status: number): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe(TAXII);
  const body = JSON.parse(res.text) as Record<string, unknown>;
  expect(body.http_status).toBe(String(status));
  expect(typeof body.title).toBe('string');
  expect(body.error_id).toBe(res.headers['x-request-id']);
}

describe('§4.1 discovery resource', () => {
  test('§4.1 GET /taxii2/ → 200 discovery resource with title, description, contact, default and api_roots', async () => {
    const res = await request(t.app).get(DISCOVERY).set(...auth('admin')).set('Accept', TAXII);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(TAXII);
    const body = JSON.parse(res.text) as Record<string, unknown>;
    expect(body).toEqual({
      title: 'Concord test hub',
      description: 'test',
      contact: 'ops@example.org',
      default: `/${ROOT}/`,
      api_roots: [`/${ROOT}/`, `/${OTHER_ROOT}/`],
    });
  });

  test('§4.1 GET /taxii2 (no trailing slash) → 200 the same resource', async () => {
    const a = await request(t.app).get('/taxii2').set(...auth('admin'));
    const b = await request(t.app).get(DISCOVERY).set(...auth('admin'));
    expect(a.status).toBe(200);
    expect(a.text).toBe(b.text);
  });

  test('§4.1 api_roots are URLs ending in "/" and default is one of them', async () => {
    const res = await request(t.app).get(DISCOVERY).set(...auth('admin'));
    const body = JSON.parse(res.text) as { default: string; api_roots: string[] };
    expect(body.api_roots.length).toBeGreaterThan(0);
    for (const url of body.api_roots) {
      expect(typeof url).toBe('string');
      expect(url.endsWith('/')).toBe(true);
      expect(() => new URL(url, 'https://taxii.example.org')).not.toThrow();
    }
    expect(body.api_roots).toContain(body.default);
  });

  test('§4.1 every advertised API root answers 200 for the same principal (§4.2)', async () => {
    for (const who of ['admin', 'member', 'outsider'] as const) {
      const res = await request(t.app).get(DISCOVERY).set(...auth(who));
      const body = JSON.parse(res.text) as { api_roots: string[] };
      for (const url of body.api_roots) {
        const root = await request(t.app).get(url).set(...auth(who));
        expect(root.status).toBe(200);
      }
    }
  });
});

describe('§4.1 api_roots filtered per principal', () => {
  test('§4.1 admin → 200 both API roots and the default', async () => {
    const body = JSON.parse((await request(t.app).get(DISCOVERY).set(...auth('admin'))).text) as Record<string, unknown>;
    expect(body.api_roots).toEqual([`/${ROOT}/`, `/${OTHER_ROOT}/`]);
    expect(body.default).toBe(`/${ROOT}/`);
  });

  test('§4.1 member → 200 only /hub/ (and the default, which it may use)', async () => {
    const body = JSON.parse((await request(t.app).get(DISCOVERY).set(...auth('member'))).text) as Record<string, unknown>;
    expect(body.api_roots).toEqual([`/${ROOT}/`]);
    expect(body.default).toBe(`/${ROOT}/`);
  });

  test('§4.1 reader and writer → 200 only /hub/', async () => {
    for (const who of ['reader', 'writer'] as const) {
      const body = JSON.parse((await request(t.app).get(DISCOVERY).set(...auth(who))).text) as Record<string, unknown>;
      expect(body.api_roots).toEqual([`/${ROOT}/`]);
    }
  });

  test('§4.1 outsider → 200 only /isac/, default omitted because it cannot use the default root', async () => {
    const res = await request(t.app).get(DISCOVERY).set(...auth('outsider'));
    expect(res.status).toBe(200);
    const body = JSON.parse(res.text) as Record<string, unknown>;
    expect(body.api_roots).toEqual([`/${OTHER_ROOT}/`]);
    expect(body).not.toHaveProperty('default');
    expect(body.title).toBe('Concord test hub');
  });

  test('§4.1 a principal with no collection at all → 200 without api_roots or default', async () => {
    const cfg = testConfigObject();
    (cfg.users as Array<Record<string, unknown>>).push({ id: 'nobody', token_sha256: [hashToken('nobody-token-0123456789')] });
    const app = await makeTestApp({ config: cfg });
    try {
      const res = await request(app.app).get(DISCOVERY).set('Authorization', 'Bearer nobody-token-0123456789');
      expect(res.status).toBe(200);
      const body = JSON.parse(res.text) as Record<string, unknown>;
      expect(body).not.toHaveProperty('api_roots');
      expect(body).not.toHaveProperty('default');
      expect(body.title).toBe('Concord test hub');
    } finally {
      await app.close();
    }
  });
});

describe('§4.1 absolute URLs with a public base URL', () => {
  let pub: TestApp;
  beforeAll(async () => {
    pub = await makeTestApp({ config: testConfigObject({ server: { public_base_url: 'https://taxii.example.org:8443' } }) });
  });
  afterAll(() => pub.close());

  test('§4.1 server.public_base_url → 200 with absolute api_roots and default URLs', async () => {
    const res = await request(pub.app).get(DISCOVERY).set(...auth('admin'));
    expect(res.status).toBe(200);
    const body = JSON.parse(res.text) as Record<string, unknown>;
    expect(body.api_roots).toEqual([`https://taxii.example.org:8443/${ROOT}/`, `https://taxii.example.org:8443/${OTHER_ROOT}/`]);
    expect(body.default).toBe(`https://taxii.example.org:8443/${ROOT}/`);
  });

  test('§4.1 CONCORD_PUBLIC_URL → 200 with absolute URLs under that base (path prefix kept)', async () => {
    const env = await makeTestApp({ env: { CONCORD_PUBLIC_URL: 'https://proxy.example.org/taxii' } });
    try {
      const body = JSON.parse((await request(env.app).get(DISCOVERY).set(...auth('outsider'))).text) as Record<string, unknown>;
      expect(body.api_roots).toEqual([`https://proxy.example.org/taxii/${OTHER_ROOT}/`]);
    } finally {
      await env.close();
    }
  });
});

describe('§4.1 authentication (§3.6 401)', () => {
  test('§4.1 GET /taxii2/ without credentials → 401 with WWW-Authenticate offering Basic and Bearer', async () => {
    const res = await request(t.app).get(DISCOVERY).set('Accept', TAXII);
    expectTaxiiError(res, 401);
    const challenge = res.headers['www-authenticate'] as string;
    expect(challenge).toMatch(/\bBasic\b/);
    expect(challenge).toMatch(/\bBearer\b/);
  });

  test('§4.1 wrong Bearer token → 401 with WWW-Authenticate', async () => {
    const res = await request(t.app).get(DISCOVERY).set('Authorization', 'Bearer not-a-real-token-0123456789');
    expectTaxiiError(res, 401);
    expect(res.headers['www-authenticate']).toMatch(/Bearer/);
  });

  test('§4.1 another principal\'s token with one character changed → 401', async () => {
    const res = await request(t.app).get(DISCOVERY).set('Authorization', `Bearer ${TOKENS.member.slice(0, -1)}X`);
    expectTaxiiError(res, 401);
  });

  test('§4.1 HTTP Basic with the member username and a password containing colons → 200 (member view)', async () => {
    const res = await request(t.app).get(DISCOVERY).set('Authorization', `Basic ${memberBasic()}`);
    expect(res.status).toBe(200);
    expect((JSON.parse(res.text) as Record<string, unknown>).api_roots).toEqual([`/${ROOT}/`]);
  });

  test('§4.1 lower-case "basic" scheme → 200', async () => {
    const res = await request(t.app).get(DISCOVERY).set('Authorization', `basic ${memberBasic()}`);
    expect(res.status).toBe(200);
  });

  test('§4.1 lower-case "bearer" scheme → 200', async () => {
    const res = await request(t.app).get(DISCOVERY).set('Authorization', `bearer ${TOKENS.member}`);
    expect(res.status).toBe(200);
  });

  test('§4.1 Basic with a wrong password → 401', async () => {
    const res = await request(t.app).get(DISCOVERY).set('Authorization', `Basic ${basic(PASSWORDS.member.username, 'member:pass')}`);
    expectTaxiiError(res, 401);
  });

  test('§4.1 Basic with the password cut at its second colon → 401', async () => {
    const cut = PASSWORDS.member.password.split(':').slice(0, 1).join(':');
    const res = await request(t.app).get(DISCOVERY).set('Authorization', `Basic ${basic(PASSWORDS.member.username, cut)}`);
    expectTaxiiError(res, 401);
  });

  test('§4.1 Basic with an unknown username → 401', async () => {
    const res = await request(t.app).get(DISCOVERY).set('Authorization', `Basic ${basic('nobody', PASSWORDS.member.password)}`);
    expectTaxiiError(res, 401);
  });

  test.each(['NotBasic', 'Basicx', 'XBasic', 'Bearer'])('§4.1 scheme "%s" with valid Basic credentials → 401', async (scheme) => {
    const res = await request(t.app).get(DISCOVERY).set('Authorization', `${scheme} ${memberBasic()}`);
    expectTaxiiError(res, 401);
    expect(res.headers['www-authenticate']).toMatch(/Basic/);
  });

  test('§4.1 scheme "NotBearer" with a valid token → 401', async () => {
    const res = await request(t.app).get(DISCOVERY).set('Authorization', `NotBearer ${TOKENS.member}`);
    expectTaxiiError(res, 401);
  });

  test('§4.1 ?access_token= in the URL → 400 (credentials belong in the Authorization header)', async () => {
    const res = await request(t.app).get(`${DISCOVERY}?access_token=${TOKENS.member}`);
    expectTaxiiError(res, 400);
  });

  test('§4.1 ?access_token= in the URL alongside a valid Authorization header → 400', async () => {
    const res = await request(t.app).get(`${DISCOVERY}?foo=1&access_token=${TOKENS.member}`).set(...auth('member'));
    expectTaxiiError(res, 400);
  });

  test('§4.1 POST /taxii2/ → 405 with Allow: GET', async () => {
    const res = await request(t.app).post(DISCOVERY).set(...auth('member')).set('Content-Type', TAXII).send('{}');
    expectTaxiiError(res, 405);
    expect(res.headers.allow).toBe('GET');
  });
});
