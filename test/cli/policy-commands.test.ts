// `concord policy explain` and `concord policy simulate`, run in-process over a temporary
// SQLite file: one line per reason, the access gate, transforms, JSON output, exit codes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { buildConfig } from '../../src/config';
import { openContext, type CliContext } from '../../src/cli/cli-context';
import { runCommand } from '../../src/cli/run-command';
import { importFile } from '../../src/cli/import-export';
import { policyExplain, policySimulate } from '../../src/cli/policy-commands';
import type { DirectoryChange } from '../../src/directory/records';
import { DEFAULT_PROVIDER_TERMS, DEFAULT_RECIPIENT_TERMS } from '../../src/directory/mou';
import { memberView } from '../helpers/member-views';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

const C = '70000000-0000-4000-8000-000000000001';
const GREEN = 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb';
const RED = 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1';
const IDENTITY = 'identity--0f1e2d3c-4b5a-4968-8776-655443322110';
const ind = (n: number, marking: string, extra: Record<string, unknown> = {}) => ({
  type: 'indicator',
  spec_version: '2.1',
  id: `indicator--00000000-0000-4000-8000-00000000000${n}`,
  created: '2026-01-01T00:00:00.000Z',
  modified: '2026-01-01T00:00:00.000Z',
  pattern: `[ipv4-addr:value = '198.51.100.${n}']`,
  pattern_type: 'stix',
  valid_from: '2026-01-01T00:00:00Z',
  object_marking_refs: [marking],
  ...extra,
});
const green = ind(1, GREEN, { created_by_ref: IDENTITY });
const red = ind(2, RED);

let dir: string;
let ctx: CliContext;
const out = new Capture();
const err = new Capture();

async function run(fn: (c: CliContext) => Promise<number>): Promise<{ code: number; stdout: string; stderr: string }> {
  out.text = '';
  err.text = '';
  const code = await runCommand(ctx, () => fn(ctx));
  return { code, stdout: out.text, stderr: err.text };
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-policy-cli-'));
  const config = buildConfig({}, { CONCORD_SQLITE_FILE: path.join(dir, 'concord.db'), CONCORD_VALIDATION_THREADS: '0' }, 'test');
  ctx = await openContext(config, { stdout: out, stderr: err, stderrIsTTY: false, actor: { memberId: 'hub', source: 'cli:test' } });
  const changes: DirectoryChange[] = [
    { op: 'put', kind: 'apiRoot', record: { path: 'hub', title: 'Hub', maxContentLength: 1_000_000 } },
    { op: 'put', kind: 'collection', record: { id: C, apiRoot: 'hub', title: 'Shared', mediaTypes: ['application/stix+json;version=2.1'], validation: 'standard', allowCustom: true } },
    { op: 'put', kind: 'member', record: { id: 'ohio', name: 'Ohio', groups: [], status: 'active', identityRef: IDENTITY } },
    { op: 'put', kind: 'member', record: { id: 'indiana', name: 'Indiana', groups: [], status: 'active' } },
    { op: 'put', kind: 'member', record: { id: 'guest', name: 'Guest', groups: [], status: 'active' } },
    { op: 'put', kind: 'acl', record: { collectionId: C, grantee: 'member:ohio', read: true, write: true } },
    { op: 'put', kind: 'acl', record: { collectionId: C, grantee: 'member:indiana', read: true, write: false } },
    { op: 'put', kind: 'mou', record: { memberId: 'ohio', provide: { ...DEFAULT_PROVIDER_TERMS, attribution: 'pseudonymise' }, receive: DEFAULT_RECIPIENT_TERMS } },
  ];
  await ctx.admin.directory.applyChanges(ctx.actor, 'test.setup', {}, () => changes);
  const file = path.join(dir, 'bundle.json');
  fs.writeFileSync(file, JSON.stringify({ objects: [green, red] }));
  const r = await run((c) => importFile(c, file, { collection: C, as: 'ohio' }));
  expect([r.code, r.stderr]).toEqual([0, expect.any(String)]);
});
afterAll(async () => {
  await ctx.store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('policy explain: the gate, one line per reason, the transform, the view', async () => {
  const r = await run((c) => policyExplain(c, { member: 'indiana', object: green.id }));
  expect(r.code).toBe(0);
  const lines = r.stdout.trimEnd().split('\n');
  expect(lines[0]).toBe(`indiana and ${green.id}: visible`);
  expect(lines[1]).toBe(`collection Shared (${C}, API root hub)`);
  expect(lines[2]).toBe('  access: reads the collection');
  expect(lines[3]).toMatch(/^ {4}- \[acl\] ACL entry member:indiana grants read on collection .*; indiana is named$/);
  expect(lines[4]).toMatch(/^ {2}version 2026-01-01T00:00:00.000Z \(latest\), added \S+ by ohio: visible, TLP:GREEN$/);
  expect(lines[5]).toMatch(/^ {4}- \[marking\] TLP:GREEN indicator from ohio goes to every hub member/);
  expect(lines[6]).toMatch(/^ {4}- \[attribution\] ohio is pseudonymised as identity--/);
  expect(lines[7]).toMatch(new RegExp(`^ {4}transform: pseudonymise ${IDENTITY} as identity--`));
  expect(lines[8]).toBe('    view: holds it');
});

test('policy explain: hidden by marking, and by the ACL', async () => {
  let r = await run((c) => policyExplain(c, { member: 'indiana', object: red.id }));
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/: hidden, TLP:RED\n {4}- \[marking\] TLP:RED indicator from ohio goes only to members ohio names one by one/);
  r = await run((c) => policyExplain(c, { member: 'guest', object: green.id }));
  expect(r.stdout).toMatch(/^guest and \S+: not visible\n/);
  expect(r.stdout).toMatch(/access: does not read the collection\n {4}- \[no-read-access\] guest does not own collection/);
  expect(r.stdout).toMatch(/: no-read-access\n {4}view: does not hold it\n$/);
});

test('policy explain --json is the API form', async () => {
  const r = await run((c) => policyExplain(c, { member: 'indiana', object: green.id, json: true }));
  const body = JSON.parse(r.stdout);
  expect(body).toMatchObject({ member: 'indiana', object: green.id, visible: true, consistent: true });
  expect(body.collections[0].versions[0].decision.transforms[0].kind).toBe('pseudonymise');
});

test('policy explain: bad arguments exit 2, unknown member or object exit 1', async () => {
  expect(await run((c) => policyExplain(c, { member: 'Not A Slug', object: green.id }))).toMatchObject({ code: 2, stderr: expect.stringMatching(/--member/) });
  expect(await run((c) => policyExplain(c, { member: 'indiana', object: 'nope' }))).toMatchObject({ code: 2, stderr: expect.stringMatching(/--object/) });
  expect(await run((c) => policyExplain(c, { member: 'nobody', object: green.id }))).toMatchObject({ code: 1, stderr: expect.stringMatching(/no member 'nobody'/) });
  const missing = 'indicator--99999999-0000-4000-8000-000000000000';
  expect(await run((c) => policyExplain(c, { member: 'indiana', object: missing }))).toMatchObject({ code: 1, stderr: expect.stringMatching(/No collection holds/) });
});

test('policy simulate: per collection, the count seen and the hidden ones by rule', async () => {
  let r = await run((c) => policySimulate(c, { as: 'indiana' }));
  expect(r.code).toBe(0);
  const lines = r.stdout.trimEnd().split('\n');
  expect(lines[0]).toBe('indiana sees 1 of 2 objects; hidden: 1 marking');
  expect(lines[1]).toBe(`Shared (${C}, API root hub): sees 1 of 2; hidden: 1 marking`);
  expect(lines[2]).toBe('  access: reads the collection');
  r = await run((c) => policySimulate(c, { as: 'guest' }));
  expect(r.stdout.split('\n')[0]).toBe('guest sees 0 of 2 objects; hidden: 2 no-read-access');
  const json = JSON.parse((await run((c) => policySimulate(c, { as: 'ohio', json: true }))).stdout);
  expect(json).toMatchObject({ member: 'ohio', total: 2, visible: 2, hidden: 0, consistent: true });
});

test('a view that disagrees with the decisions: reported, exit 1', async () => {
  await ctx.store.deleteObject(await memberView(ctx.store, 'indiana', C), green.id, { all: true });
  const r = await run((c) => policySimulate(c, { as: 'indiana' }));
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(/VIEWS INCONSISTENT/);
  expect(r.stdout).toContain(`disagreeing objects: ${green.id}`);
  const e = await run((c) => policyExplain(c, { member: 'indiana', object: green.id }));
  expect(e.code).toBe(1);
  expect(e.stdout).toMatch(/view: does not hold it — INCONSISTENT: /);
});
