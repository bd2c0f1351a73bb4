// The STIX 2.1 gatekeeper on POST (TAXII 2.1 §5.5): every object is checked against the
// OASIS schema of its type and the spec's further rules, under the collection's policy;
// each bad object is a failure with a reason, and no good object is lost beside it.
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { v4 as uuidv4 } from 'uuid';
import { auth, makeTestApp, objectsUrl, TAXII, testConfigObject, type TestApp } from '../helpers/test-app';
import { getJson, postEnvelope, type Reply } from '../helpers/object-api';
import { indicator, malware } from '../helpers/stix-fixtures';

const STANDARD = 'a1a1a1a1-1111-4111-8111-111111111111';
const STRICT = 'b2b2b2b2-2222-4222-8222-222222222222';
const PERMISSIVE = 'c3c3c3c3-3333-4333-8333-333333333333';
const NO_CUSTOM = 'd4d4d4d4-4444-4444-8444-444444444444';
const EXAMPLES = path.resolve(__dirname, '../../../shared/oasis/cti-stix2-json-schemas/examples');

let t: TestApp;
beforeAll(async () => {
  const base = testConfigObject();
  const roots = base.api_roots as Array<Record<string, unknown>>;
  const hub = roots[0] as { collections: unknown[]; max_content_length: number };
  hub.max_content_length = 20_000_000;
  hub.collections.push(
    { id: STANDARD, title: 'standard' },
    { id: STRICT, title: 'strict', validation: 'strict' },
    { id: PERMISSIVE, title: 'permissive', validation: 'permissive' },
    { id: NO_CUSTOM, title: 'no custom', allow_custom: false },
  );
  t = await makeTestApp({ config: { ...base, taxii: { max_objects_per_envelope: 2000, max_json_depth: 40 } } });
});
afterAll(() => t.close());

const post = (collection: string, objects: unknown[]): Promise<Reply> => postEnvelope(t, 'admin', objectsUrl(collection), { objects });

function failureOf(r: Reply, id: string): string {
  const f = r.body.failures?.find((x) => x.id === id);
  if (!f) throw new Error(`no failure for ${id}: ${JSON.stringify(r.body)}`);
  return f.message ?? '';
}

describe('every OASIS example is accepted (STIX 2.1 conformance)', () => {
  const files = fs.existsSync(EXAMPLES)
    ? fs.readdirSync(EXAMPLES, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json'))
    : [];
  test('the examples are there', () => expect(files.length).toBeGreaterThanOrEqual(8));
  test.each(files)('§5.5 POST %s → every object a success', async (file) => {
    const parsed = JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), 'utf8')) as { objects?: unknown[] };
    const objects = parsed.objects ?? [parsed];
    const r = await post(STANDARD, objects);
    expect(r.status).toBe(202);
    expect(r.body.failures ?? []).toEqual([]);
    expect(r.body.success_count).toBe(objects.length);
  });
});

describe('refused objects name the object, the property path and the rule', () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['valid_until before valid_from', indicator({ valid_from: '2024-01-02T00:00:00Z', valid_until: '2024-01-01T00:00:00Z' }), /\/valid_until must be later than valid_from \(STIX 2\.1 §4\.7/],
    ['modified before created', indicator({ created: '2024-01-02T00:00:00.000Z', modified: '2024-01-01T00:00:00.000Z', valid_from: '2024-01-02T00:00:00Z' }), /\/modified .*created.*§3\.2/],
    ['an unparsable STIX pattern', indicator({ pattern: "[ipv4-addr:value = '1.2.3.4'" }), /\/pattern is not a valid STIX pattern.*§9/],
    ['confidence out of range', indicator({ confidence: 101 }), /\/confidence .*100/],
    ['created_by_ref to a malware', indicator({ created_by_ref: `malware--${uuidv4()}` }), /\/created_by_ref .*identity/],
    ['a missing required property', (({ pattern: _p, ...rest }) => rest)(indicator()), /\/pattern .*required.*schema/i],
    ['an empty list', indicator({ indicator_types: [] }), /\/indicator_types/],
    ['a bad custom property name', indicator({ 'X-Bad': 1 }), /X-Bad/],
    ['a non-calendar timestamp', indicator({ valid_until: '2024-02-30T00:00:00Z' }), /\/valid_until/],
    ['a fake TLP marking', { type: 'marking-definition', spec_version: '2.1', id: 'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82', created: '2020-01-01T00:00:00.000Z', definition_type: 'tlp', name: 'TLP:AMBER', definition: { tlp: 'green' } }, /marking-definition--f88d31f6.*TLP/i],
  ];

  test.each(cases)('%s → failure with the path and the rule, good neighbour kept (§5.5)', async (_name, bad, message) => {
    const good = malware();
    const r = await post(STANDARD, [bad, good]);
    expect(r.status).toBe(202);
    expect(r.body.success_count).toBe(1);
    expect(r.body.successes?.[0]?.id).toBe(good.id);
    const text = failureOf(r, bad.id as string);
    expect(text.startsWith(`${bad.id as string}: `)).toBe(true);
    expect(text).toMatch(message);
  });

  test('one object with many defects gets a bounded message', async () => {
    const bad: Record<string, unknown> = indicator({ confidence: 500, valid_until: '2000-01-01T00:00:00Z', created_by_ref: 'malware--' + uuidv4() });
    for (let i = 0; i < 50; i++) bad[`x_empty_${i}`] = [];
    const r = await post(STANDARD, [bad]);
    const text = failureOf(r, bad.id as string);
    expect(text.split('; ').length).toBeLessThanOrEqual(10);
  });
});

describe('per-collection policy', () => {
  // pattern_type 'stix' with an unknown open-vocabulary indicator type: a warning only.
  const warned = () => indicator({ indicator_types: ['malware-artifacts'] });

  test('standard: a warning does not refuse; the success says so', async () => {
    const obj = warned();
    const r = await post(STANDARD, [obj]);
    expect(r.body.success_count).toBe(1);
    expect(r.body.successes?.[0]?.message).toMatch(/accepted with warnings: .*indicator_types/);
  });

  test('strict: warnings refuse too', async () => {
    const obj = warned();
    const r = await post(STRICT, [obj]);
    expect(r.body.success_count).toBe(0);
    expect(failureOf(r, obj.id as string)).toMatch(/indicator_types/);
  });

  test('permissive: schema and identifier rules only (a bad date order passes, a bad id does not)', async () => {
    const order = indicator({ valid_from: '2024-01-02T00:00:00Z', valid_until: '2024-01-01T00:00:00Z' });
    const prefix = { ...malware(), id: `tool--${uuidv4()}` };
    const r = await post(PERMISSIVE, [order, prefix]);
    expect(r.body.successes?.map((s) => s.id)).toEqual([order.id]);
    expect(failureOf(r, prefix.id)).toMatch(/\/id/);
  });

  test('allow_custom false: custom objects and custom properties are refused', async () => {
    const customObject = { type: 'x-acme-widget', spec_version: '2.1', id: `x-acme-widget--${uuidv4()}`, created: '2024-01-01T00:00:00.000Z', modified: '2024-01-01T00:00:00.000Z', name: 'w' };
    const customProperty = indicator({ x_acme_score: 5 });
    const plain = indicator();
    const r = await post(NO_CUSTOM, [customObject, customProperty, plain]);
    expect(r.body.successes?.map((s) => s.id)).toEqual([plain.id]);
    expect(failureOf(r, customObject.id)).toMatch(/x-acme-widget/);
    expect(failureOf(r, customProperty.id as string)).toMatch(/x_acme_score/);
    const same = await post(STANDARD, [customObject, customProperty]);
    expect(same.body.success_count).toBe(2);
  });
});

describe('whole-envelope problems store nothing', () => {
  async function storedCount(): Promise<number> {
    const r = await getJson(t, 'admin', objectsUrl(STANDARD), { 'match[version]': 'all', limit: '1000' });
    return r.body.objects?.length ?? 0;
  }

  test('a body nested deeper than max_json_depth → 400 before parsing', async () => {
    const before = await storedCount();
    let deep = '1';
    for (let i = 0; i < 10_000; i++) deep = `[${deep}]`;
    const body = `{"objects":[${JSON.stringify(indicator())}, ${deep}]}`;
    const r = await request(t.app).post(objectsUrl(STANDARD)).set(...auth('admin')).set('Content-Type', TAXII).send(body);
    expect(r.status).toBe(400);
    expect(r.body.description).toMatch(/deeper than 40/);
    expect(await storedCount()).toBe(before);
  });

  test('more objects than max_objects_per_envelope → 413, nothing stored', async () => {
    const before = await storedCount();
    const r = await post(STANDARD, Array.from({ length: 2001 }, () => indicator()));
    expect(r.status).toBe(413);
    expect(r.body.http_status).toBe('413');
    expect(await storedCount()).toBe(before);
  });

  test('depth within the limit is fine, nesting inside strings does not count', async () => {
    const obj = indicator({ description: '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[' });
    const r = await post(STANDARD, [obj]);
    expect(r.body.success_count).toBe(1);
  });
});
