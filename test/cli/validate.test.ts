// `concord validate FILE…`: the gatekeeper offline, with the same code as POST.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { indicator, malware } from '../helpers/stix-fixtures';
import { cliEnv } from '../helpers/serve-process';

const ROOT_DIR = path.resolve(__dirname, '../..');
const CLI = ['-r', 'ts-node/register/transpile-only', path.join(ROOT_DIR, 'src/cli/concord.ts'), 'validate'];
const EXAMPLE = path.resolve(ROOT_DIR, '../shared/oasis/cti-stix2-json-schemas/examples/indicator-for-c2-ip-address.json');

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-validate-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const run = (...args: string[]) => spawnSync(process.execPath, [...CLI, ...args], { cwd: ROOT_DIR, encoding: 'utf8', env: cliEnv() });

test('a valid OASIS example bundle → exit 0 and a one-line report', () => {
  const r = run(EXAMPLE);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/1 objects, 1 valid, 0 refused/);
});

test('a bundle with a bad object → exit 1, the object, path and rule printed', () => {
  const bad = indicator({ valid_from: '2024-01-02T00:00:00Z', valid_until: '2024-01-01T00:00:00Z' });
  const file = path.join(dir, 'bad.json');
  fs.writeFileSync(file, JSON.stringify({ type: 'bundle', id: 'bundle--6d3e3c2a-1b2c-4d5e-8f90-123456789abc', objects: [bad, malware()] }));
  const r = run(file);
  expect(r.status).toBe(1);
  expect(r.stdout).toMatch(/2 objects, 1 valid, 1 refused/);
  expect(r.stdout).toContain(`refused  ${bad.id as string}: /valid_until must be later than valid_from`);
});

test('--policy strict refuses warnings; --no-custom refuses custom properties; files that are not STIX are reported', () => {
  const warned = path.join(dir, 'warned.json');
  fs.writeFileSync(warned, JSON.stringify({ objects: [indicator({ indicator_types: ['malware-artifacts'], x_acme: 1 })] }));
  expect(run(warned).status).toBe(0);
  expect(run('--policy', 'strict', warned).status).toBe(1);
  expect(run('--no-custom', warned).status).toBe(1);
  const junk = path.join(dir, 'junk.json');
  fs.writeFileSync(junk, 'not json');
  const r = run(junk);
  expect(r.status).toBe(1);
  expect(r.stdout).toMatch(/not readable as JSON/);
  expect(run('--policy', 'lenient', warned).status).toBe(2);
});
