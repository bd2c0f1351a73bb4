// The admin API's OpenAPI 3.1 document: served, valid JSON, and in step with the router
// (every served route is documented and every documented operation is served) and with
// the request schemas and schemas/config/directory.schema.json.
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { makeTestApp, auth, type TestApp } from '../helpers/test-app';
import { ADMIN_BASE, adminRouteList } from '../../src/http/admin-router';
import { REQUEST_SCHEMAS } from '../../src/http/admin/admin-schemas';
import directorySchema from '../../schemas/config/directory.schema.json';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(() => t.close());

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown[] }>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, { type: string; scheme: string }> };
};
const FILE = path.join(__dirname, '../../docs/admin-api.openapi.json');
const doc = JSON.parse(fs.readFileSync(FILE, 'utf8')) as Doc;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

const operations = (d: Doc) =>
  Object.entries(d.paths)
    .flatMap(([p, item]) => Object.keys(item).filter((m) => METHODS.includes(m)).map((m) => `${m.toUpperCase()} ${p}`))
    .sort();

test('the file is JSON, OpenAPI 3.1.0, with basic and bearer security schemes', () => {
  expect(doc.openapi).toBe('3.1.0');
  expect(doc.components.securitySchemes.basic).toMatchObject({ type: 'http', scheme: 'basic' });
  expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
});

test('GET /admin/v1/openapi.json serves the file, without credentials', async () => {
  const res = await request(t.app).get(`${ADMIN_BASE}/openapi.json`);
  expect(res.status).toBe(200);
  expect(JSON.parse(res.text)).toEqual(doc);
});

test('the documented operations are exactly the routes the router serves', () => {
  const served = adminRouteList().map((r) => `${r.method.toUpperCase()} ${r.path}`).sort();
  expect(operations(doc)).toEqual(served);
});

test('every operation documents 405 and, unless public, 401 and 403 problem responses', () => {
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const [m, op] of Object.entries(item)) {
      expect([p, m, Object.keys(op.responses).includes('405')]).toEqual([p, m, true]);
      if (op.security === undefined) expect([p, m, '401' in op.responses, '403' in op.responses]).toEqual([p, m, true, true]);
    }
  }
});

test('every $ref in the document resolves', () => {
  const text = JSON.stringify(doc);
  for (const [, ref] of text.matchAll(/"\$ref":"([^"]+)"/g)) {
    const target = (ref as string).slice(2).split('/').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
    expect([ref, target !== undefined]).toEqual([ref, true]);
  }
});

const toComponents = (s: unknown) =>
  JSON.parse(
    JSON.stringify(s).split(`${directorySchema.$id}#/$defs/`).join('#/components/schemas/').split('"#/$defs/').join('"#/components/schemas/'),
  ) as unknown;

test("the document's schemas are directory.schema.json's $defs and the router's request schemas", () => {
  for (const [name, schema] of Object.entries(directorySchema.$defs)) expect([name, doc.components.schemas[name]]).toEqual([name, toComponents(schema)]);
  for (const [name, schema] of Object.entries(REQUEST_SCHEMAS)) expect([name, doc.components.schemas[name]]).toEqual([name, toComponents(schema)]);
});

test('every documented operation is served (neither a route 404 nor a 405) for an admin', async () => {
  const sample: Record<string, string> = { id: 'does-not-exist', path: 'does-not-exist', grantee: 'everyone' };
  for (const op of operations(doc)) {
    const [method, p] = op.split(' ') as [string, string];
    const url = ADMIN_BASE + p.replace(/\{(\w+)\}/g, (_m, name: string) => sample[name] as string);
    let r = request(t.app)[method.toLowerCase() as 'get'](url).set(...auth('admin'));
    if (['POST', 'PUT', 'PATCH'].includes(method)) r = r.set('Content-Type', 'application/json').send('{}');
    const res = await r;
    const detail = res.status === 404 ? (JSON.parse(res.text) as { detail: string }).detail : '';
    expect([op, res.status === 405 || /no admin API endpoint/.test(detail) || res.status >= 500]).toEqual([op, false]);
  }
});
