// The admin commands as users run them: real `concord` processes over one SQLite file.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cliEnv } from '../helpers/serve-process';

const ROOT_DIR = path.resolve(__dirname, '../..');
const CLI = ['-r', 'ts-node/register/transpile-only', path.join(ROOT_DIR, 'src/cli/concord.ts')];
const EXAMPLE = path.resolve(ROOT_DIR, '../shared/oasis/cti-stix2-json-schemas/examples/indicator-for-c2-ip-address.json');

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-admin-cli-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

// On its own SQLite file even when the suite runs on MongoDB (cliEnv drops MONGODB_URI and
// every inherited CONCORD_* variable): these tests are about the process;
// test/store/multi-instance.test.ts serves over MongoDB.
const concord = (args: string[], input?: string) =>
  spawnSync(process.execPath, [...CLI, ...args], {
    cwd: ROOT_DIR,
    encoding: 'utf8',
    env: cliEnv({ CONCORD_SQLITE_FILE: path.join(dir, 'concord.db'), CONCORD_VALIDATION_THREADS: '0' }),
    ...(input !== undefined ? { input } : {}),
  });

test('config apply, member add, token issue (only the token on stdout), password set, import, export', () => {
  const apply = concord(['config', 'apply', 'collections']);
  expect(apply.stderr).toBe('');
  expect(apply.status).toBe(0);
  expect(apply.stdout).toContain('applied: 36 created, 0 updated, 0 deleted');
  expect(concord(['config', 'apply', 'collections']).stdout).toBe('no changes\n');

  expect(concord(['member', 'add', 'acme', '--name', 'Acme SOC', '--group', 'states']).status).toBe(0);
  const token = concord(['token', 'issue', 'acme', '--role', 'publisher', '--expires-in', '30d']);
  expect(token.status).toBe(0);
  expect(token.stdout).toMatch(/^concord_[A-Za-z0-9_-]{20,}\n$/);

  const given = concord(['password', 'set', 'acme', '--username', 'acme-soc', '--role', 'reader'], 'a long enough secret\n');
  expect(given.status).toBe(0);
  expect(given.stdout).toBe('');
  const generated = concord(['password', 'set', 'acme', '--username', 'acme-bot', '--role', 'reader'], '');
  expect(generated.status).toBe(0);
  expect(generated.stdout).toMatch(/^\S{12,}\n$/);
  const list = concord(['token', 'list', 'acme', '--json']);
  expect((JSON.parse(list.stdout) as unknown[]).length).toBe(3);

  const imported = concord(['import', EXAMPLE, '--collection', 'indicators', '--as', 'acme']);
  expect(imported.status).toBe(0);
  expect(imported.stdout).toMatch(/1 stored, 0 already there, 0 refused/);
  const exported = concord(['export', '--collection', 'indicators', '--format', 'envelope']);
  expect(exported.status).toBe(0);
  expect((JSON.parse(exported.stdout) as { objects: Array<{ id: string }> }).objects.map((o) => o.id)).toEqual([
    'indicator--33fe3b22-0201-47cf-85d0-97c02164528d',
  ]);
}, 180_000);

test('errors: messages on stderr without stack traces, exit 2 for usage and validation, 1 otherwise', () => {
  const usage = concord(['token', 'issue', 'acme']);
  expect(usage.status).toBe(2);
  expect(usage.stderr).toMatch(/required option '--role <role>' not specified/);
  const invalid = concord(['acl', 'grant', 'indicators', 'group:ghosts', '--write']);
  expect(invalid.status).toBe(2);
  expect(invalid.stderr).toBe("ACL entry on 2f0d6a3e-6c1b-4c55-9a7e-2b8f0c1d4e5a: group 'ghosts' does not exist\n");
  const missing = concord(['member', 'suspend', 'ghost']);
  expect(missing.status).toBe(1);
  expect(missing.stderr).toBe("member 'ghost' does not exist\n");
  const files = concord(['config', 'validate', path.join(dir, 'nowhere')]);
  expect(files.status).toBe(2);
  expect(files.stderr).toMatch(/not a directory/);
  // The obsolete commands are gone.
  expect(concord(['hash-password']).status).toBe(2);
  expect(concord(['new-token']).status).toBe(2);
}, 180_000);
