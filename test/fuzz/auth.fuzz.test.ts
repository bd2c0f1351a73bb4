// Fuzz: junk Authorization headers on every TAXII endpoint. A credential is
// honoured only under its own scheme (Basic for passwords; Bearer — and `Token`, the scheme
// of taxii2-client's TokenAuth, where the server takes it — for tokens; scheme names
// case-insensitive); anything else is 401 with WWW-Authenticate and a TAXII error.
import { propertyRuns } from '../helpers/test-store';
import fc from 'fast-check';
import request from 'supertest';
import { PASSWORDS, SHARED, TAXII, TOKENS, makeTestApp, type TestApp } from '../helpers/test-app';
import { checkAnswer, checkNoPollution } from './fuzz-world';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(() => t.close());

const BASIC = Buffer.from(`${PASSWORDS.member.username}:${PASSWORDS.member.password}`).toString('base64');
const TOKEN = TOKENS.member;
const ENDPOINTS = ['/taxii2/', '/hub/', '/hub/collections/', `/hub/collections/${SHARED}/`, `/hub/collections/${SHARED}/objects/`, `/hub/collections/${SHARED}/manifest/`];

async function get(path: string, authorization: string | undefined) {
  const req = request(t.app).get(path).set('Accept', TAXII);
  if (authorization !== undefined) req.set('Authorization', authorization);
  const res = await req;
  return { status: res.status, headers: res.headers as Record<string, string>, text: res.text };
}

test('the valid credentials work (so that the refusals below mean something)', async () => {
  expect((await get('/hub/collections/', `Basic ${BASIC}`)).status).toBe(200);
  expect((await get('/hub/collections/', `basic ${BASIC}`)).status).toBe(200);
  expect((await get('/hub/collections/', `Bearer ${TOKEN}`)).status).toBe(200);
});

test.each([
  ['NotBasic', `NotBasic ${BASIC}`],
  ['Basic without a space', `Basic${BASIC}`],
  ['XBasic', `XBasic ${BASIC}`],
  ['Basic as a suffix', `Digest Basic ${BASIC}`],
  ['Basic credentials as a Bearer token', `Bearer ${BASIC}`],
  ['a token as Basic credentials', `Basic ${Buffer.from(TOKEN).toString('base64')}`],
  ['a token as a Basic password', `Basic ${Buffer.from(`member:${TOKEN}`).toString('base64')}`],
  ['a token under Basic', `Basic ${TOKEN}`],
  ['Basic credentials under the Token scheme', `Token ${BASIC}`],
  ['Token scheme without a space', `Token${TOKEN}`],
  ['a token without a scheme', TOKEN],
  ['Basic credentials without a scheme', BASIC],
  ['a token with a suffix', `Bearer ${TOKEN}x`],
  ['a token prefix', `Bearer ${TOKEN.slice(0, -1)}`],
  ['the username alone', `Basic ${Buffer.from(PASSWORDS.member.username).toString('base64')}`],
  ['the password cut at its first colon', `Basic ${Buffer.from(`${PASSWORDS.member.username}:${PASSWORDS.member.password.split(':')[0] as string}`).toString('base64')}`],
  ['two schemes', `Bearer ${TOKEN}, Basic ${BASIC}`],
  ['empty Basic', 'Basic '],
  ['empty Bearer', 'Bearer '],
  ['empty', ''],
])('%s is refused with 401 and a TAXII error', async (_name, header) => {
  for (const path of ENDPOINTS) {
    const a = await get(path, header);
    checkAnswer(a, `${path} with ${header}`);
    expect([path, a.status]).toEqual([path, 401]);
    expect(a.headers['www-authenticate']).toContain('Basic');
  }
});

test('random Authorization headers: only a valid credential under its own scheme is served', async () => {
  const scheme = fc.oneof(
    fc.constantFrom('Basic', 'basic', 'BASIC', 'bAsIc', 'Bearer', 'bearer', 'BEARER', 'NotBasic', 'Basicx', 'Bearerx', 'Digest', 'Negotiate', 'Token', 'JWT', ''),
    fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'), maxLength: 10 }),
  );
  const credential = fc.oneof(
    fc.constantFrom(BASIC, TOKEN, `${BASIC}=`, `${TOKEN} `, BASIC.toLowerCase(), TOKEN.toUpperCase(), '', '=', '===', 'Og==', 'Onx8', 'AAAA'),
    fc.base64String({ maxLength: 60 }),
    fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 }),
    fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
  );
  const separator = fc.constantFrom(' ', '', '  ', '\t', ' , ');
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...ENDPOINTS), scheme, separator, credential, async (path, s, sep, cred) => {
      const header = `${s}${sep}${cred}`;
      let a;
      try {
        a = await get(path, header);
      } catch (e) {
        // Characters Node's HTTP client refuses to send (they never reach the server).
        if (/Invalid character in header content/.test((e as Error).message)) return;
        throw e;
      }
      checkAnswer(a, `${path} with Authorization: ${JSON.stringify(header)}`);
      checkNoPollution(header);
      if (a.status !== 401 && a.status !== 400) {
        // Served: it must have been one of the valid credentials under its own scheme.
        // (base64 padding is not part of the credential: `…=` decodes to the same pair)
        const basicOk = /^basic$/i.test(s) && Buffer.from(cred.trim(), 'base64').toString() === `${PASSWORDS.member.username}:${PASSWORDS.member.password}`;
        const bearerOk = /^(bearer|token)$/i.test(s) && sep.trim() === '' && sep !== '' && cred.trim() === TOKEN;
        if (!basicOk && !bearerOk) throw new Error(`served ${a.status} with Authorization: ${JSON.stringify(header)}`);
      }
    }),
    { numRuns: propertyRuns(300) },
  );
});

test('a token in the URL is refused (400), also next to a valid header', async () => {
  for (const q of [`access_token=${TOKEN}`, `x=1&access_token=${TOKEN}`]) {
    const a = await get(`/hub/collections/?${q}`, `Bearer ${TOKEN}`);
    checkAnswer(a, q);
    expect(a.status).toBe(400);
    const b = await get(`/hub/collections/?${q}`, undefined);
    checkAnswer(b, q);
    expect([400, 401]).toContain(b.status);
  }
});
