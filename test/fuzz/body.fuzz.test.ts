// Fuzz: hostile POST bodies on objects/ (TAXII 2.1 §5.5): invalid and truncated
// JSON, 10,000-deep nesting, huge arrays and strings within max_content_length, invalid
// UTF-8, duplicate keys, __proto__/constructor keys, non-object array members. After each
// case: no 5xx; every 4xx a TAXII error resource; a body refused as a whole stores nothing;
// a 202 stores exactly the objects its status lists as new successes; no prototype pollution.
import { propertyRuns } from '../helpers/test-store';
import fc from 'fast-check';
import request from 'supertest';
import { SHARED, TAXII, auth, makeTestApp } from '../helpers/test-app';
import { indicator, malware } from '../helpers/stix-fixtures';
import { manifestAll } from '../helpers/object-api';
import { checkAnswer, checkNoPollution, type Answer } from './fuzz-world';
import type { TestApp } from '../helpers/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(() => t.close());

const URL = `/hub/collections/${SHARED}/objects/`;
const MAX_CONTENT_LENGTH = 1_000_000; // the test configuration's hub API root

async function post(body: string | Buffer, contentType = TAXII): Promise<Answer> {
  const req = request(t.app).post(URL).set(...auth('member')).set('Accept', TAXII).set('Content-Type', contentType);
  // superagent would serialise a Buffer as JSON ({"type":"Buffer",…}) under a JSON media type: send its bytes.
  if (Buffer.isBuffer(body)) req.serialize(((b: Buffer) => b) as unknown as (obj: unknown) => string);
  const res = await req.send(body);
  return { status: res.status, headers: res.headers as Record<string, string>, text: res.text };
}

async function stored(): Promise<Map<string, string>> {
  const m = new Map<string, string>();
  for (const r of await manifestAll(t, SHARED)) m.set(`${r.id}@${r.version}`, r.date_added as string);
  return m;
}

/**
 * Posts, then checks the invariants: no 5xx, TAXII errors, a refusal stores nothing, a 202
 * stores exactly its new successes, and nothing is polluted.
 */
async function postAndCheck(body: string | Buffer, what: string): Promise<Answer> {
  const before = await stored();
  const a = await post(body);
  checkAnswer(a, what);
  checkNoPollution(what);
  const after = await stored();
  const added = [...after.keys()].filter((k) => !before.has(k));
  for (const [k, d] of before) if (after.get(k) !== d) throw new Error(`${what}: stored version ${k} changed or vanished`);
  if (a.status !== 202) {
    if (added.length > 0) throw new Error(`${what}: refused with ${a.status} but stored ${added.join(', ')}`);
    return a;
  }
  const status = JSON.parse(a.text) as { successes?: Array<{ id: string; version: string; message?: string }>; success_count: number; failure_count: number; total_count: number };
  if (status.success_count + status.failure_count !== status.total_count) throw new Error(`${what}: status counts do not add up: ${a.text.slice(0, 300)}`);
  const listed = new Set((status.successes ?? []).map((s) => `${s.id}@${s.version}`));
  for (const k of added) if (!listed.has(k)) throw new Error(`${what}: stored ${k}, which the status does not list as a success`);
  for (const k of listed) if (!after.has(k)) throw new Error(`${what}: the status lists ${k} as a success, but it is not stored`);
  return a;
}

const envelopeText = (objects: unknown[]) => JSON.stringify({ objects });

describe('malformed bodies are refused whole and store nothing', () => {
  test('every truncation of a valid envelope is 400', async () => {
    const text = envelopeText([indicator(), malware()]);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: text.length - 1 }), async (cut) => {
        const a = await postAndCheck(text.slice(0, cut), `truncated at ${cut}`);
        // The empty body is no JSON either.
        if (a.status !== 400) throw new Error(`truncated at ${cut}: ${a.status}`);
      }),
      { numRuns: propertyRuns(60) },
    );
  });

  test('random text and random JSON values: never a 5xx, nothing stored unless listed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.json({ maxDepth: 4 }),
          fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify({ objects: v })),
          fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }).map((v) => JSON.stringify({ objects: v })),
          fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }).map((o) => JSON.stringify({ objects: [{ ...indicator(), ...o }] })),
        ),
        async (body) => {
          await postAndCheck(body, `body ${body.slice(0, 80)}`);
        },
      ),
      { numRuns: propertyRuns(120) },
    );
  });

  test('10,000-deep nesting is 400 before parsing, in arrays, objects and inside an object (taxii.max_json_depth)', async () => {
    const deepArray = `{"objects":[${'['.repeat(10_000)}${']'.repeat(10_000)}]}`;
    const deepObject = `{"objects":[${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}]}`;
    const inObject = JSON.stringify({ objects: [{ ...indicator(), x_deep: 0 }] }).replace('0}', `${'['.repeat(10_000)}${']'.repeat(10_000)}}`);
    const unbalanced = `{"objects":[${'['.repeat(10_000)}]}`;
    for (const [name, body] of [['arrays', deepArray], ['objects', deepObject], ['a property', inObject], ['unbalanced', unbalanced]] as const) {
      const a = await postAndCheck(body, `10,000-deep ${name}`);
      expect([name, a.status]).toEqual([name, 400]);
    }
    // Brackets inside strings are not nesting: such an object is accepted.
    const inString = indicator({ name: `${'['.repeat(10_000)}{{{` });
    const ok = await postAndCheck(envelopeText([inString]), 'brackets in a string');
    expect(ok.status).toBe(202);
    expect(JSON.parse(ok.text).success_count).toBe(1);
  });

  test('nesting depths around the limit: never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 300 }), fc.constantFrom('[', '{"k":'), async (depth, open) => {
        const close = open === '[' ? ']' : '}';
        const inner = open === '[' ? '' : '1';
        const body = JSON.stringify({ objects: [{ ...indicator(), x_nested: 0 }] }).replace('"x_nested":0', `"x_nested":${open.repeat(depth)}${inner}${close.repeat(depth)}`);
        await postAndCheck(body, `depth ${depth}`);
      }),
      { numRuns: propertyRuns(30) },
    );
  });

  test('invalid UTF-8 anywhere in the body is 400', async () => {
    const text = Buffer.from(envelopeText([indicator({ name: 'utf8 here' })]));
    const at = text.indexOf('utf8 here');
    const sequences = [[0xff], [0xfe, 0xff], [0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xc3], [0x80], [0xf0, 0x9f, 0x92]];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...sequences), fc.integer({ min: 0, max: 8 }), async (seq, offset) => {
        const body = Buffer.concat([text.subarray(0, at + offset), Buffer.from(seq), text.subarray(at + offset)]);
        const a = await postAndCheck(body, `invalid UTF-8 ${seq.map((b) => b.toString(16)).join(' ')}`);
        if (a.status !== 400) throw new Error(`invalid UTF-8 answered ${a.status}`);
      }),
      { numRuns: propertyRuns(40) },
    );
    // A BOM or a UTF-16 body is not this server's JSON either; never a 5xx.
    await postAndCheck(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), text]), 'UTF-8 BOM');
    await postAndCheck(Buffer.from(text.toString('utf8'), 'utf16le'), 'UTF-16LE body');
  });

  test('a body over max_content_length is 413 and stores nothing; one just within is read (§4.2.1)', async () => {
    const pad = (n: number) => {
      const base = envelopeText([indicator({ name: '' })]);
      return base.replace('"name":""', `"name":"${'a'.repeat(n - base.length)}"`);
    };
    const over = await postAndCheck(pad(MAX_CONTENT_LENGTH + 1), 'one octet over');
    expect(over.status).toBe(413);
    const within = await postAndCheck(pad(MAX_CONTENT_LENGTH), 'exactly max_content_length');
    expect(within.status).toBe(202);
  });
});

describe('odd but well-formed JSON', () => {
  test('huge arrays and strings within the size limit: answered, never a 5xx', async () => {
    // taxii.max_objects_per_envelope (100,000 by default): one more is 413, and nothing is stored.
    const numbers = (n: number) => `{"objects":[${Array.from({ length: n }, () => '1').join(',')}]}`;
    const a = await postAndCheck(numbers(100_000), '100,000 numbers');
    expect(a.status).toBe(202);
    expect(JSON.parse(a.text).failure_count).toBe(100_000);
    const tooMany = await postAndCheck(`{"objects":[${JSON.stringify(indicator())},${numbers(100_000).slice(12)}`, '100,001 members');
    expect(tooMany.status).toBe(413);
    const labels = await postAndCheck(envelopeText([indicator({ labels: Array.from({ length: 60_000 }, (_, i) => `l${i}`) })]), '60,000 labels');
    expect(labels.status).toBe(202);
    const long = await postAndCheck(envelopeText([indicator({ description: 'x'.repeat(900_000) })]), 'a 900 KB string');
    expect(long.status).toBe(202);
    const empty = await postAndCheck(envelopeText(Array.from({ length: 20_000 }, () => ({}))), '20,000 empty objects');
    expect(empty.status).toBe(202);
  });

  test('non-object array members fail one by one; the valid object beside them is stored', async () => {
    const good = indicator();
    const a = await postAndCheck(JSON.stringify({ objects: [null, 1, 'x', [], true, [good], good, { objects: [good] }] }), 'mixed members');
    expect(a.status).toBe(202);
    const status = JSON.parse(a.text) as { success_count: number; failure_count: number; successes: Array<{ id: string }> };
    expect([status.success_count, status.failure_count]).toEqual([1, 7]);
    expect(status.successes.map((s) => s.id)).toEqual([good.id]);
    for (const body of ['[]', 'null', '"objects"', '1', `[${JSON.stringify(good)}]`, '{"objects":{}}', '{"objects":"x"}', '{"type":"indicator"}']) {
      const r = await postAndCheck(body, body.slice(0, 40));
      expect([body.slice(0, 40), r.status]).toEqual([body.slice(0, 40), 422]);
    }
  });

  test('duplicate keys: the stored object is one consistent reading of them (the last), never both', async () => {
    const first = indicator();
    const second = indicator();
    const envelopeTwice = `{"objects":[${JSON.stringify(first)}],"objects":[]}`;
    const a = await postAndCheck(envelopeTwice, 'objects twice');
    expect(a.status).toBe(202);
    expect(JSON.parse(a.text).total_count).toBe(0);

    // An object whose id, name and type appear twice.
    const doubled = JSON.stringify(first).replace(/^\{/, `{"id":"${second.id as string}","name":"first name","type":"malware",`);
    const b = await postAndCheck(`{"objects":[${doubled}]}`, 'keys twice');
    expect(b.status).toBe(202);
    const status = JSON.parse(b.text) as { successes?: Array<{ id: string }> };
    expect(status.successes?.map((s) => s.id)).toEqual([first.id]);
    const got = await request(t.app).get(`${URL}${first.id as string}/`).set(...auth('member')).set('Accept', TAXII);
    expect(got.status).toBe(200);
    expect(got.text).not.toContain(second.id as string);
    expect(got.text).not.toContain('first name');
    expect(got.text.match(/"id":/g)).toHaveLength(1);
  });

  test('__proto__, constructor and prototype keys pollute nothing, at every level', async () => {
    const payloads: string[] = [];
    const o = indicator();
    const oText = JSON.stringify(o);
    const inject = (text: string, at: string) => text.replace(at, `${at}"__proto__":{"polluted":"yes","isAdmin":true},"constructor":{"prototype":{"polluted":"yes"}},"prototype":{"polluted":"yes"},`);
    payloads.push(inject(`{"objects":[${oText}]}`, '{'));
    payloads.push(`{"objects":[${inject(oText, '{')}]}`);
    payloads.push(`{"objects":[${oText.replace('{', '{"x_ext":{"__proto__":{"polluted":"yes"}},')}]}`);
    payloads.push(`{"__proto__":{"objects":[${JSON.stringify(indicator())}]}}`);
    payloads.push(`{"objects":[{"__proto__":${JSON.stringify(indicator())}}]}`);
    payloads.push(`{"objects":[${JSON.stringify(indicator()).replace('{', '{"__proto__":{"object_marking_refs":["marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"],"created_by_ref":"identity--00000000-0000-4000-8000-000000000000"},')}]}`);
    payloads.push(`{"objects":[${JSON.stringify(indicator({ extensions: { __proto__: null } }))}]}`);
    for (const body of payloads) {
      const a = await postAndCheck(body, body.slice(0, 100));
      expect(a.status).toBeLessThan(500);
    }
    // The admin API's JSON bodies too.
    for (const body of ['{"__proto__":{"polluted":"yes"},"id":"pollute-1","name":"P"}', '{"constructor":{"prototype":{"polluted":"yes"}},"id":"pollute-2","name":"P"}']) {
      const r = await request(t.app).post('/admin/v1/groups').set(...auth('admin')).set('Content-Type', 'application/json').send(body);
      expect(r.status).toBeLessThan(500);
      checkNoPollution(`admin ${body}`);
    }
    // Stored objects with such keys read back as they were sent, and still pollute nothing.
    const page = await request(t.app).get(URL).set(...auth('member')).set('Accept', TAXII).query('limit=1000');
    expect(page.status).toBe(200);
    JSON.parse(page.text);
    checkNoPollution('reading them back');
  });

  test('random mutations of a valid envelope: invariants hold', async () => {
    const mutation = fc.constantFrom(
      (s: string) => s.replace('"objects"', '"objects","objects"'),
      (s: string) => s.replace(/,/, ',,'),
      (s: string) => s.replace(/"id":"([^"]+)"/, '"id":"$1/../x"'),
      (s: string) => s.replace(/"id":"([^"]+)"/, '"id":"$1%2F"'),
      (s: string) => s.replace(/"spec_version":"2.1"/, '"spec_version":"2.0"'),
      (s: string) => s.replace(/"modified":"[^"]+"/, '"modified":"2024-13-45T99:99:99Z"'),
      (s: string) => s.replace(/"type":"indicator"/, '"type":{"$ne":null}'),
      (s: string) => s.replace(/"type":"indicator"/, '"type":"__proto__"'),
      (s: string) => s.replace(/"pattern":"[^"]+"/, '"pattern":"[x:y = \'\\u0000\']"'),
      (s: string) => s.replace(/\}\]\}$/, '},]}'),
      (s: string) => s.replace(/\}\]\}$/, '}]}}'),
      (s: string) => `${s}garbage`,
      (s: string) => `  \n${s}\n  `,
      (s: string) => s.replace('{', '{"\\ud800":1,'),
      (s: string) => s.replace(/"name":"[^"]*"/, '"name":"\\ud800"'),
      (s: string) => s.replace(/"name":"[^"]*"/, '"name":1e999'),
      (s: string) => s.replace(/"name":"[^"]*"/, '"name":-0'),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 3 }), async (mutations, n) => {
        let body = envelopeText(Array.from({ length: n }, () => indicator()));
        for (const m of mutations) body = m(body);
        await postAndCheck(body, `mutated ${body.slice(0, 120)}`);
      }),
      { numRuns: propertyRuns(80) },
    );
  });

  test('media types other than the TAXII, STIX and JSON ones are 415 before the body is read', async () => {
    for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/taxii+json;version=2.0', 'application/json;charset=latin1', 'garbage', ';;;']) {
      const before = await stored();
      const a = await post(envelopeText([indicator()]), ct);
      checkAnswer(a, ct);
      expect([ct, a.status]).toEqual([ct, 415]);
      expect((await stored()).size).toBe(before.size);
    }
  });
});
