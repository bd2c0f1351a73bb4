// TAXII 2.1 §8.2.2 expects HTTPS: with a certificate and key configured, the server
// speaks TLS and nothing else.
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import selfsigned from 'selfsigned';
import { buildConfig } from '../../src/config';
import { startServer, type RunningServer } from '../../src/main';
import { TAXII } from '../helpers/test-app';

let dir: string;
let server: RunningServer;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-tls-'));
  const pems = await selfsigned.generate([{ name: 'commonName', value: '127.0.0.1' }], { notAfterDate: new Date(Date.now() + 86_400_000) });
  fs.writeFileSync(path.join(dir, 'cert.pem'), pems.cert);
  fs.writeFileSync(path.join(dir, 'key.pem'), pems.private);
  fs.writeFileSync(path.join(dir, 'hub.json'), JSON.stringify({ api_roots: [{ path: 'hub', title: 'Hub', collections: [] }] }));
  const config = buildConfig(
    {},
    {
      CONCORD_DIRECTORY_DIR: dir,
      CONCORD_APPLY_ON_START: 'true',
      CONCORD_PORT: '0',
      CONCORD_DATA_DIR: dir,
      CONCORD_TLS_CERT: path.join(dir, 'cert.pem'),
      CONCORD_TLS_KEY: path.join(dir, 'key.pem'),
      CONCORD_ADMIN_TOKEN: 'tls-admin-token',
    },
    'tls-test',
  );
  server = await startServer(config, pino({ level: 'silent' }));
});

afterAll(async () => {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function get(url: string, headers: Record<string, string>): Promise<{ status: number; type?: string; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { headers, rejectUnauthorized: false }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }));
      })
      .on('error', reject);
  });
}

test('§8.2.2 HTTPS: discovery over TLS with a configured certificate', async () => {
  expect(server.url).toMatch(/^https:\/\//);
  const r = await get(`${server.url}/taxii2/`, { Authorization: 'Bearer tls-admin-token', Accept: TAXII });
  expect(r.status).toBe(200);
  expect(r.type).toBe(TAXII);
  expect(JSON.parse(r.body).api_roots).toEqual(['/hub/']);
});

test('plain HTTP to the TLS port does not get a TAXII answer', async () => {
  const plain = server.url.replace('https://', 'http://');
  const outcome = await fetch(`${plain}/taxii2/`).then(
    (res) => res.status,
    () => 'refused',
  );
  expect(outcome).not.toBe(200);
});
