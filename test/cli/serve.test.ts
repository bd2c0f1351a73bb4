// The `concord serve` process as users run it: first-start bootstrap credentials,
// login with them, restart without reprinting, graceful shutdown on SIGTERM.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TAXII } from '../helpers/test-app';
import { CLI, ROOT_DIR, cliEnv, serveProcess, stopServers, type ServerProcess } from '../helpers/serve-process';

// On its own SQLite file even when the suite runs on MongoDB (serveProcess passes no
// MONGODB_URI unless asked): these tests are about the process;
// test/store/multi-instance.test.ts serves over MongoDB.
const serve = (env: NodeJS.ProcessEnv): Promise<ServerProcess> => serveProcess({ env });

let dataDir: string;
beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-cli-'));
});
// A test that fails half-way leaves its server running: stop it before the next test
// (and before its data directory goes).
afterEach(async () => {
  await stopServers();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('first start prints bootstrap credentials once; they log in by Basic and Bearer; a restart keeps them', async () => {
  const first = await serve({ CONCORD_DATA_DIR: dataDir });
  const username = /username: (\S+)/.exec(first.stderr())?.[1];
  const password = /password: (\S+)/.exec(first.stderr())?.[1];
  const token = /token:\s+(\S+)/.exec(first.stderr())?.[1];
  expect(username).toBe('admin');
  expect(password).toBeDefined();
  expect(token).toMatch(/^concord_/);

  const basic = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const viaBasic = await fetch(`${first.url}/taxii2/`, { headers: { Authorization: basic, Accept: TAXII } });
  expect(viaBasic.status).toBe(200);
  expect(viaBasic.headers.get('content-type')).toBe(TAXII);
  const viaBearer = await fetch(`${first.url}/hub/collections/`, { headers: { Authorization: `Bearer ${token}` } });
  expect(viaBearer.status).toBe(200);
  expect(((await viaBearer.json()) as { collections: unknown[] }).collections.length).toBeGreaterThan(0);

  first.child.kill('SIGTERM');
  expect(await first.exited).toBe(0);

  const second = await serve({ CONCORD_DATA_DIR: dataDir });
  expect(second.stderr()).not.toMatch(/password:/);
  const again = await fetch(`${second.url}/taxii2/`, { headers: { Authorization: `Bearer ${token}` } });
  expect(again.status).toBe(200);
  second.child.kill('SIGTERM');
  expect(await second.exited).toBe(0);
  // Two starts from the TypeScript sources, each compiling the STIX schemas on its thread too.
}, 90_000);

test('SIGTERM lets an in-flight POST finish and store its status', async () => {
  const running = await serve({ CONCORD_DATA_DIR: dataDir, CONCORD_ADMIN_TOKEN: 'sigterm-token-123' });
  const headers = { Authorization: 'Bearer sigterm-token-123', 'Content-Type': TAXII, Accept: TAXII };
  const objects = Array.from({ length: 2000 }, (_, i) => ({
    type: 'ipv4-addr',
    spec_version: '2.1',
    id: `ipv4-addr--${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`,
    value: `10.0.${Math.floor(i / 256)}.${i % 256}`,
  }));
  const post = fetch(`${running.url}/hub/collections/indicators/objects/`, { method: 'POST', headers, body: JSON.stringify({ objects }) });
  setTimeout(() => running.child.kill('SIGTERM'), 5);
  const res = await post;
  expect(res.status).toBe(202);
  const status = (await res.json()) as { id: string; success_count: number };
  expect(status.success_count).toBe(2000);
  expect(await running.exited).toBe(0);

  const restarted = await serve({ CONCORD_DATA_DIR: dataDir, CONCORD_ADMIN_TOKEN: 'sigterm-token-123' });
  const stored = await fetch(`${restarted.url}/hub/status/${status.id}/`, { headers });
  expect(stored.status).toBe(200);
  expect(((await stored.json()) as { success_count: number }).success_count).toBe(2000);
  restarted.child.kill('SIGTERM');
  await restarted.exited;
}, 90_000);

test('config-check lists every problem and exits 2', () => {
  const bad = path.join(dataDir, 'bad.json');
  fs.writeFileSync(
    bad,
    JSON.stringify({ taxii: { page_size_default: 0 }, log_level: 'loud', api_roots: [] }),
  );
  const r = spawnSync(process.execPath, [...CLI, 'config-check', '--config', bad], { cwd: ROOT_DIR, env: cliEnv(), encoding: 'utf8' });
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/\/taxii\/page_size_default must be >= 1/);
  expect(r.stderr).toMatch(/\/log_level must be equal to one of the allowed values/);
  expect(r.stderr).toMatch(/must NOT have additional properties 'api_roots'/);
});
