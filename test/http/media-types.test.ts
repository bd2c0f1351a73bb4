// TAXII 2.1 §1.6.8 media types (content negotiation), §3.6.1 error resource, and the
// HTTP-level status codes every endpoint shares (§3.6: 400, 401, 403, 404, 405, 406, 413, 415, 422).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { makeTestApp, auth, objectsUrl, ROOT, SHARED, FEED, TAXII, TOKENS, type TestApp } from '../helpers/test-app';
import { indicator, envelope } from '../helpers/stix-fixtures';

const MAX = 1_000_000; // max_content_length of /hub/ in the test configuration

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(() => t.close());

/** A valid envelope of one indicator, as JSON text. */
const envelopeText = () => JSON.stringify(envelope([indicator()]));

/** `text` followed by spaces, to exactly `size` bytes (it must be ASCII). */
function padTo(text: string, size: number): string {
  expect(Buffer.byteLength(text)).toBeLessThanOrEqual(size);
  return text + ' '.repeat(size - Buffer.byteLength(text));
}

function postRaw(body: string | Buffer, contentType: string | undefined, url = objectsUrl(SHARED)): request.Test {
  const req = request(t.app).post(url).set(...auth('member')).set('Accept', TAXII);
  if (contentType !== undefined) req.set('Content-Type', contentType);
  // Send the bytes as they are (superagent would JSON-encode a Buffer sent as +json).
  req.serialize(((b: unknown) => b) as unknown as (obj: unknown) => string);
  req.send(body as string);
  if (contentType === undefined) req.unset('Content-Type');
  return req;
}

function expectTaxiiError(res: request.Response, status: number): Record<string, unknown> {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe(TAXII);
  const body = JSON.parse(res.text) as Record<string, unknown>;
  expect(typeof body.title).toBe('string');
  expect((body.title as string).length).toBeGreaterThan(0);
  expect(body.http_status).toBe(String(status));
  expect(typeof res.headers['x-request-id']).toBe('string');
  expect(body.error_id).toBe(res.headers['x-request-id']);
  if (body.description !== undefined) expect(typeof body.description).toBe('string');
  return body;
}

const GET_ENDPOINTS = ['/taxii2/', `/${ROOT}/`, `/${ROOT}/collections/`, `/${ROOT}/collections/${SHARED}/`, objectsUrl(SHARED)];

describe('§1.6.8 Accept on GET', () => {
  const accepted: Array<[string, string | undefined]> = [
    ['application/taxii+json;version=2.1', TAXII],
    ['bare application/taxii+json', 'application/taxii+json'],
    ['parameter with a space', 'application/taxii+json; version=2.1'],
    ['*/*', '*/*'],
    ['application/*', 'application/*'],
    ['application/json, text/plain, */* (OpenCTI)', 'application/json, text/plain, */*'],
    ['q-values preferring another type', 'text/html;q=0.9, application/taxii+json;q=0.1'],
    ['TAXII 2.0 and 2.1 both listed', 'application/taxii+json;version=2.0, application/taxii+json;version=2.1'],
    ['upper-case type', 'APPLICATION/TAXII+JSON;version=2.1'],
    ['with a charset parameter', 'application/taxii+json;version=2.1;charset=utf-8'],
    ['no Accept header', undefined],
  ];

  test.each(accepted)('§1.6.8 Accept %s → 200, Content-Type exactly application/taxii+json;version=2.1', async (_name, accept) => {
    for (const url of GET_ENDPOINTS) {
      const req = request(t.app).get(url).set(...auth('member'));
      if (accept !== undefined) req.set('Accept', accept);
      const res = await req;
      expect([url, res.status]).toEqual([url, 200]);
      expect(res.headers['content-type']).toBe(TAXII);
      expect(() => JSON.parse(res.text) as unknown).not.toThrow();
    }
  });

  const refused: Array<[string, string]> = [
    ['text/html', 'text/html'],
    ['TAXII 2.0', 'application/taxii+json;version=2.0'],
    ['TAXII 2.1 with q=0', 'application/taxii+json;version=2.1;q=0'],
    ['TAXII 2.1 refused with q=0 beside */*', 'application/taxii+json;version=2.1;q=0, */*'],
    ['TAXII 2.0 only, beside application/json', 'application/taxii+json;version=2.0, application/json'],
    ['STIX alone', 'application/stix+json;version=2.1'],
    ['text/*', 'text/*'],
    ['application/xml', 'application/xml'],
  ];

  test.each(refused)('§1.6.8 Accept %s → 406', async (_name, accept) => {
    for (const url of GET_ENDPOINTS) {
      const res = await request(t.app).get(url).set(...auth('member')).set('Accept', accept);
      expect([url, res.status]).toEqual([url, 406]);
      expectTaxiiError(res, 406);
    }
  });

  test('§1.6.8 Content-Type: text/plain on a GET is ignored → 200', async () => {
    for (const url of GET_ENDPOINTS) {
      const res = await request(t.app).get(url).set(...auth('member')).set('Accept', TAXII).set('Content-Type', 'text/plain');
      expect([url, res.status]).toEqual([url, 200]);
    }
  });

  test('§1.6.8 Content-Type: application/taxii+json;version=2.0 on a GET is ignored → 200', async () => {
    const res = await request(t.app).get(`/${ROOT}/collections/`).set(...auth('member')).set('Content-Type', 'application/taxii+json;version=2.0');
    expect(res.status).toBe(200);
  });
});

describe('§1.6.8 Content-Type on POST (§5.5)', () => {
  test.each([
    'application/taxii+json;version=2.1',
    'application/taxii+json',
    'application/taxii+json; charset=utf-8; version=2.1',
    'application/taxii+json; version=2.1',
    'Application/TAXII+JSON;version=2.1',
  ])('§1.6.8 POST with Content-Type %p → 202', async (contentType) => {
    const res = await postRaw(envelopeText(), contentType);
    expect(res.status).toBe(202);
    expect(res.headers['content-type']).toBe(TAXII);
    expect((JSON.parse(res.text) as Record<string, unknown>).success_count).toBe(1);
  });

  test.each([
    'text/plain',
    'application/taxii+json;version=2.0',
    'application/xml',
    'application/taxii+json; charset=iso-8859-1; version=2.1',
    'application/x-www-form-urlencoded',
    'not a media type',
  ])('§1.6.8 POST with Content-Type %p → 415', async (contentType) => {
    expectTaxiiError(await postRaw(envelopeText(), contentType), 415);
  });

  test('§1.6.8 POST without Content-Type → 415', async () => {
    const res = await postRaw(envelopeText(), undefined);
    // The request really went out without one.
    const sent = (res as unknown as { req: { getHeader(name: string): unknown } }).req;
    expect(sent.getHeader('content-type')).toBeUndefined();
    expectTaxiiError(res, 415);
  });

  test('§1.6.8 POST with a valid Content-Type but Accept: text/html → 406', async () => {
    const res = await request(t.app)
      .post(objectsUrl(SHARED))
      .set(...auth('member'))
      .set('Accept', 'text/html')
      .set('Content-Type', TAXII)
      .send(envelopeText());
    expectTaxiiError(res, 406);
  });
});

// §1.6.8.2: the version parameter follows RFC 6838 §4.3, where "it is an error for a
// specific parameter to be specified more than once". Which of two versions a server
// would read is a guess (the first or the last), so a repeated parameter is refused.
describe('§1.6.8.2 a repeated media-type parameter is refused', () => {
  test.each([
    'application/taxii+json;version=2.1;version=2.0',
    'application/taxii+json;version=2.0;version=2.1',
    'application/taxii+json;version=2.1;version=2.1',
    'application/taxii+json;version=2.1; VERSION=2.1',
    'application/stix+json;version=2.1;version=2.1',
    'application/taxii+json;version=2.1;charset=utf-8;charset=utf-8',
    'application/json;charset=utf-8;charset=latin1',
  ])('POST with Content-Type %p → 415 naming the parameter; nothing stored', async (contentType) => {
    const o = indicator();
    const res = await postRaw(JSON.stringify(envelope([o])), contentType);
    const body = expectTaxiiError(res, 415);
    expect(body.description).toMatch(/parameter '(version|charset)' more than once/);
    expect(await t.store.hasObject(SHARED, o.id as string)).toBe(false);
  });

  test.each([
    'application/taxii+json;version=2.1;version=2.0',
    'application/taxii+json;version=2.0;version=2.1',
    'application/taxii+json;version=2.1;Version=2.1',
    'application/taxii+json;version=2.1;q=1;q=0',
    'application/json, application/taxii+json;version=2.1;version=2.0',
    'application/stix+json;version=2.1;version=2.1, application/taxii+json;version=2.1',
  ])('GET with Accept %p → 406 naming the parameter', async (accept) => {
    for (const url of GET_ENDPOINTS) {
      const res = await request(t.app).get(url).set(...auth('member')).set('Accept', accept);
      const body = expectTaxiiError(res, 406);
      expect(body.description).toMatch(/parameter '(version|q)' more than once/);
    }
  });

  test('POST with a repeated parameter in Accept → 406 before the body is read', async () => {
    const res = await request(t.app)
      .post(objectsUrl(SHARED))
      .set(...auth('member'))
      .set('Accept', 'application/taxii+json;version=2.1;version=2.0')
      .set('Content-Type', TAXII)
      .send(envelopeText());
    expectTaxiiError(res, 406);
  });

  test('a repeated parameter in another media range of Accept is not TAXII’s concern → 200', async () => {
    const res = await request(t.app).get('/taxii2/').set(...auth('member')).set('Accept', `text/html;level=1;level=2, ${TAXII}`);
    expect(res.status).toBe(200);
  });
});

describe('§4.2.1 max_content_length and request bodies (§3.6 400, 413, 422)', () => {
  test('§4.2.1 POST a body of max_content_length + 1 bytes → 413', async () => {
    const res = await postRaw(padTo(envelopeText(), MAX + 1), TAXII);
    expectTaxiiError(res, 413);
  });

  test('§4.2.1 POST a body of much more than max_content_length → 413', async () => {
    const res = await postRaw(padTo(envelopeText(), 3 * MAX), TAXII);
    expectTaxiiError(res, 413);
  });

  test('§4.2.1 POST a body of exactly max_content_length bytes → 202 (MUST NOT be refused)', async () => {
    const body = padTo(envelopeText(), MAX);
    expect(Buffer.byteLength(body)).toBe(MAX);
    const res = await postRaw(body, TAXII);
    expect(res.status).toBe(202);
    expect((JSON.parse(res.text) as Record<string, unknown>).success_count).toBe(1);
  });

  test('§4.2.1 POST a chunked body (no Content-Length) larger than max_content_length → 413', async () => {
    const server = t.app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    try {
      const { port } = server.address() as AddressInfo;
      const res = await new Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }>((resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: objectsUrl(SHARED),
            headers: { Authorization: `Bearer ${TOKENS.member}`, 'Content-Type': TAXII, 'Transfer-Encoding': 'chunked' },
          },
          (r) => {
            let text = '';
            r.setEncoding('utf8');
            r.on('data', (c: string) => (text += c));
            r.on('end', () => resolve({ status: r.statusCode ?? 0, headers: r.headers, text }));
          },
        );
        req.on('error', reject);
        const chunk = ' '.repeat(64 * 1024);
        req.write('{"objects":[]');
        let sent = 0;
        const pump = () => {
          while (sent <= MAX + chunk.length) {
            sent += chunk.length;
            if (!req.write(chunk)) return void req.once('drain', pump);
          }
          req.end('}');
        };
        pump();
      });
      expect(res.status).toBe(413);
      expect(res.headers['content-type']).toBe(TAXII);
      const body = JSON.parse(res.text) as Record<string, unknown>;
      expect(body.http_status).toBe('413');
      expect(body.error_id).toBe(res.headers['x-request-id']);
    } finally {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    }
  });

  test('§3.6 POST invalid JSON → 400', async () => {
    expectTaxiiError(await postRaw('{"objects": [', TAXII), 400);
  });

  test('§3.6 POST an empty body → 400', async () => {
    expectTaxiiError(await postRaw('', TAXII), 400);
  });

  test('§3.6 POST invalid UTF-8 bytes → 400', async () => {
    const bytes = Buffer.concat([Buffer.from('{"objects":[],"x":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('"}')]);
    const body = expectTaxiiError(await postRaw(bytes, TAXII), 400);
    expect(body.description).toMatch(/UTF-8/);
  });

  test.each([
    ['a JSON array', '[]'],
    ['a JSON string', '"x"'],
    ['a JSON number', '42'],
    ['JSON null', 'null'],
    ['an object whose objects is not a list', '{"objects": {}}'],
  ])('§3.6 POST %s as the body → 422', async (_name, body) => {
    expectTaxiiError(await postRaw(body, TAXII), 422);
  });
});

describe('§3.6.1 error resources for every error status', () => {
  const cases: Array<[number, string, () => request.Test]> = [
    [400, 'invalid JSON', () => postRaw('{nope', TAXII)],
    [400, 'access_token in the URL', () => request(t.app).get(`/taxii2/?access_token=x`)],
    [401, 'no credentials', () => request(t.app).get('/taxii2/')],
    [401, 'wrong token', () => request(t.app).get('/taxii2/').set('Authorization', 'Bearer wrong-token-0123456789')],
    [403, 'reader POSTs to a read-only collection', () =>
      request(t.app).post(objectsUrl(FEED)).set(...auth('reader')).set('Content-Type', TAXII).send(envelopeText())],
    [403, 'writer GETs a write-only collection', () => request(t.app).get(objectsUrl(FEED)).set(...auth('writer'))],
    [404, 'unknown path', () => request(t.app).get('/nope/x/y').set(...auth('member'))],
    [404, 'unknown API root', () => request(t.app).get('/nope/').set(...auth('member'))],
    [405, 'PUT on objects', () => request(t.app).put(objectsUrl(SHARED)).set(...auth('member')).set('Content-Type', TAXII).send('{}')],
    [406, 'Accept: text/html', () => request(t.app).get('/taxii2/').set(...auth('member')).set('Accept', 'text/html')],
    [413, 'body too large', () => postRaw(padTo(envelopeText(), MAX + 1), TAXII)],
    [415, 'Content-Type: text/plain', () => postRaw(envelopeText(), 'text/plain')],
    [422, 'body is an array', () => postRaw('[]', TAXII)],
  ];

  test.each(cases)('§3.6.1 %i (%s) → TAXII error resource, error_id = X-Request-Id', async (status, _name, make) => {
    expectTaxiiError(await make(), status);
  });

  test('§3.6.1 401 carries WWW-Authenticate with Basic and Bearer', async () => {
    const res = await request(t.app).get(`/${ROOT}/collections/`);
    expectTaxiiError(res, 401);
    expect(res.headers['www-authenticate']).toMatch(/Basic/);
    expect(res.headers['www-authenticate']).toMatch(/Bearer/);
  });

  test('§3.6 405 PUT /hub/collections/<id>/objects/ → Allow: GET, POST', async () => {
    const res = await request(t.app).put(objectsUrl(SHARED)).set(...auth('member')).set('Content-Type', TAXII).send('{}');
    expectTaxiiError(res, 405);
    expect(res.headers.allow).toBe('GET, POST');
  });

  test('§3.6 405 PATCH /hub/collections/<id>/objects/<id>/ → Allow: GET, DELETE', async () => {
    const res = await request(t.app).patch(`${objectsUrl(SHARED)}indicator--00000000-0000-4000-8000-000000000000/`).set(...auth('member'));
    expectTaxiiError(res, 405);
    expect(res.headers.allow).toBe('GET, DELETE');
  });

  test('§3.6 404 for an unknown path such as /nope/x/y', async () => {
    const body = expectTaxiiError(await request(t.app).get('/nope/x/y').set(...auth('admin')), 404);
    expect(body.title).toBe('Not Found');
  });

  test('§3.6.1 a client-supplied X-Request-Id (abcdef12-trace) is echoed, in the header and as error_id', async () => {
    const res = await request(t.app).get('/nope/x/y').set(...auth('member')).set('X-Request-Id', 'abcdef12-trace');
    expect(res.headers['x-request-id']).toBe('abcdef12-trace');
    expect(expectTaxiiError(res, 404).error_id).toBe('abcdef12-trace');
  });

  test('§3.6.1 a client-supplied X-Request-Id is echoed on success too', async () => {
    const res = await request(t.app).get('/taxii2/').set(...auth('member')).set('X-Request-Id', 'abcdef12-trace');
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toBe('abcdef12-trace');
  });

  test('§3.6.1 an unusable client X-Request-Id is replaced by a fresh one', async () => {
    const res = await request(t.app).get('/nope/x/y').set(...auth('member')).set('X-Request-Id', 'bad id with spaces');
    expect(res.headers['x-request-id']).not.toBe('bad id with spaces');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expectTaxiiError(res, 404);
  });

  test('§3.6.1 each request gets its own error_id', async () => {
    const a = expectTaxiiError(await request(t.app).get('/nope/x/y').set(...auth('member')), 404);
    const b = expectTaxiiError(await request(t.app).get('/nope/x/y').set(...auth('member')), 404);
    expect(a.error_id).not.toBe(b.error_id);
  });
});
