// Secrets issued by the admin API never reach the server log (request lines, errors).
import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import { buildConfig } from '../../src/config';
import { createConcord, type Concord } from '../../src/main';
import { newTestStore } from '../helpers/test-store';
import { StixValidator } from '../../src/stix/stix-validator';
import { auth, testConfigObject, testDirectoryChanges, TAXII } from '../helpers/test-app';

const lines: string[] = [];
let concord: Concord;

beforeAll(async () => {
  const { api_roots, users, ...serverConfig } = testConfigObject();
  const config = buildConfig(serverConfig, { CONCORD_VALIDATION_THREADS: '0' }, 'test');
  const store = await newTestStore();
  await store.applyDirectoryChanges(testDirectoryChanges({ api_roots, users }), [], await store.directoryRevision());
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  concord = await createConcord(config, pino({ level: 'trace' }, sink), store, StixValidator.load());
});

afterAll(async () => {
  const c = concord as Concord & { audit?: { close(): Promise<void> } };
  await c.closeValidation();
  await c.audit?.close();
  await c.store.close();
});

test('tokens and passwords from the create response are never logged, even when used', async () => {
  const app = concord.app;
  expect((await request(app).post('/admin/v1/members').set(...auth('admin')).send({ id: 'logged', name: 'Logged' })).status).toBe(201);
  const token = (await request(app).post('/admin/v1/members/logged/credentials').set(...auth('admin')).send({ kind: 'token', role: 'admin' })).body
    .token as string;
  const password = (
    await request(app).post('/admin/v1/members/logged/credentials').set(...auth('admin')).send({ kind: 'password', role: 'reader', username: 'logged-user' })
  ).body.password as string;
  const given = 'a given password 123';
  await request(app).post('/admin/v1/members/logged/credentials').set(...auth('admin')).send({ kind: 'password', role: 'reader', username: 'logged-2', password: given });
  // Used, misused and rejected: none of it logs the secret.
  expect((await request(app).get('/admin/v1/members').set('Authorization', `Bearer ${token}`)).status).toBe(200);
  expect((await request(app).get('/taxii2/').auth('logged-user', password).set('Accept', TAXII)).status).toBe(200);
  await request(app).post('/admin/v1/members/logged/credentials').set(...auth('admin')).set('Content-Type', 'application/json').send(`{"kind":"password","password":"${given}"`);
  await new Promise((resolve) => setImmediate(resolve));
  const log = lines.join('');
  expect(log.length).toBeGreaterThan(0);
  expect(log).toContain('/admin/v1/members');
  for (const secret of [token, password, given]) expect(log).not.toContain(secret);
});
