import request from 'supertest';
import { makeTestApp, auth, objectsUrl, SHARED, TAXII, type TestApp } from './helpers/test-app';
import { indicator } from './helpers/stix-fixtures';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(() => t.close());

test('POST then GET round-trips an object (TAXII 2.1 §5.4, §5.5)', async () => {
  const obj = indicator();
  const post = await request(t.app).post(objectsUrl(SHARED)).set(...auth('member')).set('Content-Type', TAXII).send({ objects: [obj] });
  expect(post.status).toBe(202);
  expect(post.body.success_count).toBe(1);
  const get = await request(t.app).get(objectsUrl(SHARED)).set(...auth('member')).set('Accept', TAXII);
  expect(get.status).toBe(200);
  expect(get.headers['content-type']).toBe(TAXII);
  expect(JSON.parse(get.text).objects).toEqual([obj]);
});
