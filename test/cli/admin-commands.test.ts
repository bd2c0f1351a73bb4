// The admin commands of `concord`, run in-process over a temporary SQLite file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import request from 'supertest';
import { buildConfig } from '../../src/config';
import { aclGrant } from '../../src/cli/acl-commands';
import { openContext, type CliContext } from '../../src/cli/cli-context';
import { collectionAdd } from '../../src/cli/collection-commands';
import { tokenIssue, tokenList, tokenRevoke } from '../../src/cli/credential-commands';
import { configApply, configPlan, configValidate } from '../../src/cli/directory-file-commands';
import { memberAdd, memberList, memberSetStatus } from '../../src/cli/member-commands';
import { mouDelete, mouSet, mouShow } from '../../src/cli/mou-commands';
import { runCommand } from '../../src/cli/run-command';
import { exportCollection, importFile } from '../../src/cli/import-export';
import { makeTestApp, TAXII } from '../helpers/test-app';
import { indicator, malware } from '../helpers/stix-fixtures';

const ROOT_DIR = path.resolve(__dirname, '../..');
const SHIPPED = path.join(ROOT_DIR, 'collections');
const EXAMPLES = path.resolve(ROOT_DIR, '../shared/oasis/cti-stix2-json-schemas/examples');
const INDICATORS = '2f0d6a3e-6c1b-4c55-9a7e-2b8f0c1d4e5a';
const REPORTS = '8a3c1f2e-9b4d-4e6f-a1b2-c3d4e5f60718';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

interface Harness {
  ctx: CliContext;
  out: Capture;
  err: Capture;
  /** Runs a command with fresh captures; returns its code and output. */
  run(fn: (ctx: CliContext) => Promise<number>): Promise<{ code: number; stdout: string; stderr: string }>;
}

let dir: string;
let h: Harness;

async function harness(file: string): Promise<Harness> {
  const out = new Capture();
  const err = new Capture();
  const config = buildConfig({}, { CONCORD_SQLITE_FILE: file, CONCORD_VALIDATION_THREADS: '0' }, 'test');
  const ctx = await openContext(config, { stdout: out, stderr: err, stderrIsTTY: false, actor: { memberId: 'hub', source: 'cli:test' } });
  return {
    ctx,
    out,
    err,
    async run(fn) {
      out.text = '';
      err.text = '';
      const code = await runCommand(ctx, () => fn(ctx));
      return { code, stdout: out.text, stderr: err.text };
    },
  };
}

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-admin-cli-'));
  h = await harness(path.join(dir, 'concord.db'));
});
afterEach(async () => {
  await h.ctx.store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function copyShipped(): string {
  const copy = path.join(dir, 'files');
  fs.mkdirSync(copy);
  for (const f of fs.readdirSync(SHIPPED)) fs.copyFileSync(path.join(SHIPPED, f), path.join(copy, f));
  return copy;
}

test('config plan on the shipped example against an empty store lists every resource to create', async () => {
  const r = await h.run((ctx) => configPlan(ctx, SHIPPED));
  expect(r.code).toBe(0);
  const lines = r.stdout.trim().split('\n');
  const summary = lines.pop();
  const outboxes = ['01', '02', '03', '04', '05'].map((n) => `6a1e0c2d-1f3b-4c5d-8e6f-0a1b2c3d4e${n}`);
  const partner = '5d9e7c1a-3b2f-4a8d-9c6e-1f0a2b3c4d5e';
  expect(new Set(lines)).toEqual(
    new Set([
      '+ group states',
      '+ group partners',
      ...['hub', 'ohio', 'michigan', 'indiana', 'illinois', 'wisconsin', 'ms-isac'].map((m) => `+ member ${m}`),
      '+ api root feeds',
      '+ api root hub',
      '+ api root isac',
      ...[INDICATORS, REPORTS, ...outboxes, partner].map((c) => `+ collection ${c}`),
      `+ acl ${INDICATORS} group:states`,
      `+ acl ${INDICATORS} member:ms-isac`,
      `+ acl ${REPORTS} group:states`,
      ...outboxes.map((c) => `+ acl ${c} member:hub`),
      `+ acl ${partner} member:ms-isac`,
      `+ acl ${partner} group:states`,
      ...['ohio', 'michigan', 'indiana', 'illinois', 'wisconsin', 'ms-isac'].map((m) => `+ mou ${m}`),
    ]),
  );
  expect(lines).toHaveLength(36);
  expect(summary).toMatch(/^36 to create, 0 to update, 0 to delete/);
  // Nothing was changed.
  expect(await h.ctx.store.directoryRevision()).toBe(0);
});

test('config apply twice: the second is a no-op and leaves the revision alone', async () => {
  const first = await h.run((ctx) => configApply(ctx, SHIPPED));
  expect(first.code).toBe(0);
  expect(first.stdout).toContain('+ member ohio');
  expect(first.stdout).toContain('applied: 36 created, 0 updated, 0 deleted');
  const revision = await h.ctx.store.directoryRevision();
  const second = await h.run((ctx) => configApply(ctx, SHIPPED));
  expect(second).toEqual({ code: 0, stdout: 'no changes\n', stderr: '' });
  expect(await h.ctx.store.directoryRevision()).toBe(revision);
  const plan = await h.run((ctx) => configPlan(ctx, SHIPPED));
  expect(plan.stdout).toMatch(/^0 to create, 0 to update, 0 to delete/);
  // Audited as the CLI.
  const audit = await h.ctx.admin.audit.query({ limit: 100 });
  expect(audit.entries.some((e) => e.action === 'config.apply' && e.source === 'cli:test' && e.memberId === 'hub')).toBe(true);
});

test('removing a member (and the entries granting it access) from the files deletes exactly those; unmanaged members stay', async () => {
  const files = copyShipped();
  await h.run((ctx) => configApply(ctx, files));
  expect((await h.run((ctx) => memberAdd(ctx, 'acme', { name: 'Acme SOC', group: ['partners'] }))).code).toBe(0);
  const members = JSON.parse(fs.readFileSync(path.join(files, 'members.json'), 'utf8')) as { members: Array<{ id: string }> };
  members.members = members.members.filter((m) => m.id !== 'ms-isac');
  fs.writeFileSync(path.join(files, 'members.json'), JSON.stringify(members));
  // The files still grant ms-isac access: refused as a whole, nothing changes.
  const refused = await h.run((ctx) => configApply(ctx, files));
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain("member 'ms-isac' does not exist");
  expect((await h.ctx.admin.members.list()).map((m) => m.id)).toContain('ms-isac');
  type Roots = { api_roots: Array<{ collections: Array<{ acl?: Array<{ grantee: string }> }> }> };
  const roots = JSON.parse(fs.readFileSync(path.join(files, 'api-roots.json'), 'utf8')) as Roots;
  for (const root of roots.api_roots) {
    for (const c of root.collections) c.acl = c.acl?.filter((a) => a.grantee !== 'member:ms-isac');
  }
  fs.writeFileSync(path.join(files, 'api-roots.json'), JSON.stringify(roots));
  // Its MOU is still declared: refused too.
  expect((await h.run((ctx) => configApply(ctx, files))).stderr).toContain("MOU of 'ms-isac': member 'ms-isac' does not exist");
  const mous = JSON.parse(fs.readFileSync(path.join(files, 'mous.json'), 'utf8')) as { mous: Array<{ member: string }> };
  mous.mous = mous.mous.filter((m) => m.member !== 'ms-isac');
  fs.writeFileSync(path.join(files, 'mous.json'), JSON.stringify(mous));
  const r = await h.run((ctx) => configApply(ctx, files));
  expect(r.code).toBe(0);
  expect(r.stdout.trim().split('\n').sort()).toEqual(
    [
      `- acl ${INDICATORS} member:ms-isac`,
      '- acl 5d9e7c1a-3b2f-4a8d-9c6e-1f0a2b3c4d5e member:ms-isac',
      '- mou ms-isac',
      '- member ms-isac',
      'applied: 0 created, 0 updated, 4 deleted',
    ].sort(),
  );
  const ids = (await h.ctx.admin.members.list()).map((m) => m.id);
  expect(ids).toContain('acme');
  expect(ids).not.toContain('ms-isac');
  expect(ids).toHaveLength(7);
});

test('config validate reports schema errors with file and path, and dangling references', async () => {
  const files = copyShipped();
  expect((await h.run((ctx) => configValidate(ctx, files))).code).toBe(0);
  fs.writeFileSync(path.join(files, 'extra.json'), JSON.stringify({ members: [{ id: 'x', name: 'X', colour: 'blue' }] }));
  const schema = await h.run((ctx) => configValidate(ctx, files));
  expect(schema.code).toBe(2);
  expect(schema.stderr).toContain(path.join(files, 'extra.json'));
  expect(schema.stderr).toMatch(/\/members\/0 must NOT have (additional|unevaluated) properties 'colour'/);

  fs.writeFileSync(
    path.join(files, 'extra.json'),
    JSON.stringify({
      api_roots: [{ path: 'extra', title: 'Extra', collections: [{ id: 'a1b2c3d4-0000-4000-8000-000000000001', title: 'E', acl: [{ grantee: 'group:ghosts', read: true }] }] }],
      members: [{ id: 'y', name: 'Y', groups: ['phantoms'] }],
    }),
  );
  const dangling = await h.run((ctx) => configValidate(ctx, files));
  expect(dangling.code).toBe(2);
  expect(dangling.stderr).toContain("group 'ghosts' does not exist");
  expect(dangling.stderr).toContain("member 'y': group 'phantoms' does not exist");
  // plan and apply refuse the same files, with exit 2 and no change.
  expect((await h.run((ctx) => configPlan(ctx, files))).code).toBe(2);
  const apply = await h.run((ctx) => configApply(ctx, files));
  expect(apply.code).toBe(2);
  expect(apply.stderr).toContain("group 'ghosts' does not exist");
  expect(await h.ctx.store.directoryRevision()).toBe(0);
});

test('member add / list / suspend / resume, with errors as messages and exit codes', async () => {
  expect((await h.run((ctx) => memberAdd(ctx, 'acme', { name: 'Acme', contact: 'soc@acme.example' }))).code).toBe(0);
  const dup = await h.run((ctx) => memberAdd(ctx, 'acme', { name: 'Acme' }));
  expect(dup).toMatchObject({ code: 1, stderr: "member 'acme' already exists\n" });
  const bad = await h.run((ctx) => memberAdd(ctx, 'Bad Id', { name: 'x', group: ['nope'] }));
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain("member id 'Bad Id' must be a lower-case slug");
  expect(bad.stderr).toContain("group 'nope' does not exist");
  expect(bad.stderr).not.toMatch(/\bat .*\.ts:\d+/);

  await h.run((ctx) => memberSetStatus(ctx, 'acme', 'suspended'));
  const list = await h.run((ctx) => memberList(ctx, { json: true }));
  expect(JSON.parse(list.stdout)).toEqual([{ id: 'acme', name: 'Acme', contact: 'soc@acme.example', groups: [], status: 'suspended', managed: false }]);
  await h.run((ctx) => memberSetStatus(ctx, 'acme', 'active'));
  expect((await h.run((ctx) => memberList(ctx, {}))).stdout).toMatch(/acme\s+active\s+cli\/api\s+-\s+Acme/);
  expect((await h.run((ctx) => memberSetStatus(ctx, 'ghost', 'suspended'))).code).toBe(1);
});

test('token issue: only the token on stdout; it works against the served app; revoke → 401', async () => {
  await h.run((ctx) => configApply(ctx, SHIPPED));
  const issued = await h.run((ctx) => tokenIssue(ctx, 'ohio', { role: 'publisher', label: 'ci', expiresIn: '90d' }));
  expect(issued.code).toBe(0);
  expect(issued.stdout).toMatch(/^concord_[A-Za-z0-9_-]+\n$/);
  const token = issued.stdout.trim();

  const listed = await h.run((ctx) => tokenList(ctx, 'ohio', { json: true }));
  const [credential] = JSON.parse(listed.stdout) as Array<{ id: string; role: string; label: string; expires_at: string }>;
  expect(credential).toMatchObject({ role: 'publisher', label: 'ci' });
  expect(Date.parse(credential?.expires_at ?? '') - Date.now()).toBeGreaterThan(89 * 86400e3);
  expect(listed.stdout).not.toContain(token);

  const served = await makeTestApp({ config: {}, store: h.ctx.store });
  const get = () => request(served.app).get(`/hub/collections/${INDICATORS}/objects/`).set('Authorization', `Bearer ${token}`).set('Accept', TAXII);
  expect((await get()).status).toBe(200);
  expect((await h.run((ctx) => tokenRevoke(ctx, credential?.id ?? ''))).code).toBe(0);
  expect((await get()).status).toBe(401);

  expect((await h.run((ctx) => tokenIssue(ctx, 'ohio', { role: 'root' }))).code).toBe(2);
  expect((await h.run((ctx) => tokenIssue(ctx, 'ohio', { role: 'reader', expires: '2001-01-01T00:00:00Z' }))).code).toBe(2);
  expect((await h.run((ctx) => tokenIssue(ctx, 'ghost', { role: 'reader' }))).code).toBe(1);
});

test('import: good objects stored, bad ones reported with reasons (exit 1); export round-trips into another collection', async () => {
  await h.run((ctx) => configApply(ctx, SHIPPED));
  const bad = indicator({ valid_from: '2024-01-02T00:00:00Z', valid_until: '2024-01-01T00:00:00Z' });
  const good = [malware(), ...Array.from({ length: 1200 }, (_, i) => ({
    type: 'ipv4-addr',
    spec_version: '2.1',
    id: `ipv4-addr--${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`,
    value: `10.1.${Math.floor(i / 256)}.${i % 256}`,
  }))];
  const file = path.join(dir, 'mixed.json');
  fs.writeFileSync(file, JSON.stringify({ type: 'bundle', id: 'bundle--6d3e3c2a-1b2c-4d5e-8f90-123456789abc', objects: [bad, ...good] }));
  const r = await h.run((ctx) => importFile(ctx, file, { collection: 'indicators', as: 'ohio' }));
  expect(r.code).toBe(1);
  expect(r.stdout).toContain(`refused  ${bad.id as string}: /valid_until must be later than valid_from`);
  expect(r.stdout).toContain(`1202 objects, 1201 stored, 0 already there, 1 refused`);
  expect(r.stderr).toMatch(/objects\n/); // plain progress lines off a terminal

  for (const example of ['indicator-for-c2-ip-address.json', 'infrastructure.json']) {
    const e = await h.run((ctx) => importFile(ctx, path.join(EXAMPLES, example), { collection: INDICATORS, as: 'michigan' }));
    expect(e.code).toBe(0);
  }
  const again = await h.run((ctx) => importFile(ctx, path.join(EXAMPLES, 'infrastructure.json'), { collection: INDICATORS, as: 'michigan' }));
  expect(again.stdout).toMatch(/0 stored, \d+ already there, 0 refused/);

  // The partner may only read the shared indicators.
  const refused = await h.run((ctx) => importFile(ctx, file, { collection: INDICATORS, as: 'ms-isac' }));
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/may read this collection but not add objects/);

  const exported = await h.run((ctx) => exportCollection(ctx, { collection: INDICATORS, format: 'bundle' }));
  expect(exported.code).toBe(0);
  const bundle = JSON.parse(exported.stdout) as { type: string; id: string; objects: Array<{ id: string; type: string }> };
  expect(bundle.type).toBe('bundle');
  expect(bundle.id).toMatch(/^bundle--[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(bundle.objects.length).toBeGreaterThan(1201);
  const exportFile = path.join(dir, 'export.json');
  fs.writeFileSync(exportFile, exported.stdout);
  const into = await h.run((ctx) => importFile(ctx, exportFile, { collection: REPORTS, as: 'ohio' }));
  expect(into.code).toBe(0);
  const back = JSON.parse((await h.run((ctx) => exportCollection(ctx, { collection: 'reports' }))).stdout) as { more: boolean; objects: Array<{ id: string }> };
  expect(back.more).toBe(false);
  expect(back.objects.map((o) => o.id).sort()).toEqual(bundle.objects.map((o) => o.id).sort());

  const onlyMalware = JSON.parse((await h.run((ctx) => exportCollection(ctx, { collection: INDICATORS, type: ['malware'] }))).stdout) as { objects: Array<{ type: string }> };
  expect(onlyMalware.objects.length).toBeGreaterThan(0);
  expect(new Set(onlyMalware.objects.map((o) => o.type))).toEqual(new Set(['malware']));
});

test('collection add and acl grant', async () => {
  await h.run((ctx) => configApply(ctx, SHIPPED));
  const added = await h.run((ctx) => collectionAdd(ctx, { apiRoot: 'hub', title: 'Scratch', alias: 'scratch', owner: 'ohio', validation: 'strict' }));
  expect(added.code).toBe(0);
  const id = added.stdout.trim();
  expect((await h.ctx.admin.collections.get(id)).validation).toBe('strict');
  expect((await h.run((ctx) => aclGrant(ctx, 'scratch', 'group:states', {}))).code).toBe(0);
  expect(await h.ctx.admin.acl.list(id)).toEqual([{ collectionId: id, grantee: 'group:states', read: true, write: false, managed: false }].map(({ managed: _m, ...e }) => expect.objectContaining(e)));
  expect((await h.run((ctx) => aclGrant(ctx, 'scratch', 'group:ghosts', { write: true }))).code).toBe(2);
  expect((await h.run((ctx) => aclGrant(ctx, 'scratch', 'nobody', {}))).code).toBe(2);
  expect((await h.run((ctx) => collectionAdd(ctx, { apiRoot: 'nowhere', title: 'X' }))).code).toBe(2);
});

test('mou show / set / delete: the shipped MOUs, a file with the JSON form, defaults after delete', async () => {
  await h.run((ctx) => configApply(ctx, SHIPPED));
  const shown = await h.run((ctx) => mouShow(ctx, 'ms-isac', { json: true }));
  expect(shown.code).toBe(0);
  expect(JSON.parse(shown.stdout)).toMatchObject({
    member: 'ms-isac',
    receive: { types: ['indicator', 'malware', 'attack-pattern', 'vulnerability', 'identity', 'marking-definition'], marking_ceiling: 'green' },
    managed: true,
    default: false,
  });
  const text = await h.run((ctx) => mouShow(ctx, 'michigan', {}));
  expect(text.stdout).toContain('MOU of michigan (managed by files)');
  expect(text.stdout).toMatch(/strip:\s+x_internal_\*/);
  expect(text.stdout).toMatch(/amber, amber\+strict of report to group:states/);
  expect((await h.run((ctx) => mouShow(ctx, 'hub', {}))).stdout).toContain('MOU of hub (none set: the defaults)');

  const file = path.join(dir, 'hub-mou.json');
  fs.writeFileSync(file, JSON.stringify({ provide: { attribution: 'hub', embargo_hours: 1 } }));
  expect(await h.run((ctx) => mouSet(ctx, 'hub', file))).toEqual({ code: 0, stdout: 'MOU of hub set\n', stderr: '' });
  expect(JSON.parse((await h.run((ctx) => mouShow(ctx, 'hub', { json: true }))).stdout)).toMatchObject({
    provide: { attribution: 'hub', embargo_hours: 1, default_marking: 'green' },
    managed: false,
    default: false,
  });
  // config apply leaves an unmanaged MOU alone.
  expect((await h.run((ctx) => configApply(ctx, SHIPPED))).stdout).toBe('no changes\n');

  fs.writeFileSync(file, JSON.stringify({ provide: { embargo_hours: -1, colour: 'red' } }));
  const bad = await h.run((ctx) => mouSet(ctx, 'hub', file));
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain(`${file}: /provide must NOT have additional properties 'colour'`);
  expect(bad.stderr).toContain('/provide/embargo_hours must be >= 0');
  fs.writeFileSync(file, JSON.stringify({ member: 'ohio' }));
  expect((await h.run((ctx) => mouSet(ctx, 'hub', file))).stderr).toContain("is the MOU of 'ohio', not of 'hub'");
  fs.writeFileSync(file, JSON.stringify({ receive: { sources: ['member:ghost'] } }));
  const dangling = await h.run((ctx) => mouSet(ctx, 'hub', file));
  expect(dangling.code).toBe(2);
  expect(dangling.stderr).toContain("receive.sources names member 'ghost', which does not exist");
  expect((await h.run((ctx) => mouSet(ctx, 'ghost', path.join(dir, 'missing.json')))).code).toBe(2);

  expect((await h.run((ctx) => mouDelete(ctx, 'hub'))).code).toBe(0);
  expect(JSON.parse((await h.run((ctx) => mouShow(ctx, 'hub', { json: true }))).stdout)).toMatchObject({ default: true });
  expect((await h.run((ctx) => mouDelete(ctx, 'hub'))).code).toBe(1);
  expect((await h.run((ctx) => mouShow(ctx, 'ghost', {}))).code).toBe(1);
  const audit = await h.ctx.admin.audit.query({ limit: 1000 });
  expect(audit.entries.filter((e) => e.action.startsWith('mou.')).map((e) => e.action)).toEqual(['mou.put', 'mou.delete']);
});
