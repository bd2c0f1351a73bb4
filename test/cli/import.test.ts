// `concord import` reads its file as a stream: every accepted shape, keys in any order, the
// errors of a malformed file (and what was imported before the fault), and a large file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { once } from 'node:events';
import { buildConfig } from '../../src/config';
import { openContext, type CliContext } from '../../src/cli/cli-context';
import { configApply } from '../../src/cli/directory-file-commands';
import { IMPORT_BATCH, importFile } from '../../src/cli/import-export';
import { runCommand } from '../../src/cli/run-command';
import { indicator } from '../helpers/stix-fixtures';

const SHIPPED = path.resolve(__dirname, '../../collections');
const INDICATORS = '2f0d6a3e-6c1b-4c55-9a7e-2b8f0c1d4e5a';
const BUNDLE_ID = 'bundle--6d3e3c2a-1b2c-4d5e-8f90-123456789abc';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

let dir: string;
let ctx: CliContext;
const out = new Capture();
const err = new Capture();

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-import-'));
  const config = buildConfig({}, { CONCORD_SQLITE_FILE: path.join(dir, 'concord.db'), CONCORD_VALIDATION_THREADS: '0' }, 'test');
  ctx = await openContext(config, { stdout: out, stderr: err, stderrIsTTY: false, actor: { memberId: 'hub', source: 'cli:test' } });
  expect(await runCommand(ctx, () => configApply(ctx, SHIPPED))).toBe(0);
});
afterEach(async () => {
  await ctx.store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function importText(name: string, text: string): Promise<{ code: number; stdout: string; stderr: string; file: string }> {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return { ...(await run(file)), file };
}

async function run(file: string): Promise<{ code: number; stdout: string; stderr: string }> {
  out.text = '';
  err.text = '';
  const code = await runCommand(ctx, () => importFile(ctx, file, { collection: 'indicators', as: 'ohio' }));
  return { code, stdout: out.text, stderr: err.text };
}

/** The ids of the latest versions in the indicators collection. */
async function storedIds(): Promise<Set<string>> {
  const ids = new Set<string>();
  let after: number | undefined;
  for (;;) {
    const page = await ctx.store.queryObjects({
      partition: INDICATORS,
      versions: { all: false, first: false, last: true, exact: [] },
      ...(after !== undefined ? { after } : {}),
      limit: 1000,
      withJson: false,
    });
    for (const r of page.records) ids.add(r.id);
    const last = page.records[page.records.length - 1];
    if (!page.more || !last) return ids;
    after = last.dateAdded;
  }
}

const ids = (objects: Array<Record<string, unknown>>) => objects.map((o) => o.id as string);
const indicators = (n: number) => Array.from({ length: n }, () => indicator());

test('a bundle whose "objects" comes before "type" and "id", over several batches', async () => {
  const objects = indicators(2 * IMPORT_BATCH + 7);
  const r = await importText('bundle.json', `{"objects":${JSON.stringify(objects)},"type":"bundle","id":"${BUNDLE_ID}"}`);
  expect(r.stderr).toMatch(/% \(\d+\.\d of \d+\.\d MB\), 1007 objects\n$/); // the last progress line
  expect(r.code).toBe(0);
  expect(r.stdout).toBe(`${r.file}: 1007 objects, 1007 stored, 0 already there, 0 refused (collection ${INDICATORS}, as ohio)\n`);
  expect(await storedIds()).toEqual(new Set(ids(objects)));
});

test('on a terminal: a bar through the bytes of the file, with the objects so far', async () => {
  const file = path.join(dir, 'bar.json');
  fs.writeFileSync(file, JSON.stringify({ type: 'bundle', id: BUNDLE_ID, objects: indicators(IMPORT_BATCH + 1) }));
  // cli-progress draws only on a stream that says it is a terminal.
  const terminal = Object.assign(new Capture(), { isTTY: true, columns: 200 });
  const code = await runCommand(ctx, () => importFile({ ...ctx, stderr: terminal, stderrIsTTY: true }, file, { collection: 'indicators', as: 'ohio' }));
  expect(code).toBe(0);
  expect(terminal.text).toContain(`import ${file} [`);
  expect(terminal.text).toMatch(/\] 100% \| 501 objects \| 0s left/);
});

test('a TAXII envelope with other members around "objects", and an empty envelope', async () => {
  const objects = indicators(3);
  const r = await importText('envelope.json', `{"more":false,"objects":${JSON.stringify(objects)},"next":"x"}`);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/: 3 objects, 3 stored, 0 already there, 0 refused/);
  expect(r.stderr).toBe(''); // too small for progress lines
  for (const empty of ['{}', '{"objects":[]}', '{"type":"bundle","id":"bundle--6d3e3c2a-1b2c-4d5e-8f90-123456789abc"}', '[]']) {
    const e = await importText('empty.json', empty);
    expect([empty, e.code, e.stdout]).toEqual([empty, 0, expect.stringMatching(/: 0 objects, 0 stored/)]);
  }
  expect(await storedIds()).toEqual(new Set(ids(objects)));
});

test('a bare array of objects; objects already there are counted as such', async () => {
  const objects = indicators(5);
  const r = await importText('array.json', `\n  ${JSON.stringify(objects, null, 2)}\n`);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/: 5 objects, 5 stored, 0 already there, 0 refused/);
  const again = await importText('array.json', JSON.stringify(objects));
  expect(again.stdout).toMatch(/: 5 objects, 0 stored, 5 already there, 0 refused/);
  expect(await storedIds()).toEqual(new Set(ids(objects)));
});

test('a single object, whatever the order of its keys; one with an "objects" list after its "type" stays one object', async () => {
  const one = indicator({ name: 'naïve — ünïcödé ✓' });
  const { id, ...rest } = one;
  const r = await importText('one.json', JSON.stringify({ ...rest, id }));
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/: 1 objects, 1 stored, 0 already there, 0 refused/);
  expect(await storedIds()).toEqual(new Set([id]));
  const stored = await ctx.store.queryObjects({ partition: INDICATORS, ids: [id as string], versions: { all: false, first: false, last: true, exact: [] }, limit: 1, withJson: true });
  expect(JSON.parse(stored.records[0]?.json ?? '{}')).toMatchObject({ name: 'naïve — ünïcödé ✓' });

  // Not a bundle: its "objects" is its own property, and the pipeline judges the object whole.
  const odd = await importText('odd.json', JSON.stringify({ type: 'x-odd', spec_version: '2.1', id: 'x-odd--3c1f2e9b-4d4e-4f6a-8b2c-3d4e5f607182', objects: [indicator()] }));
  expect(odd.stdout).toMatch(/: 1 objects, /);
});

test('files that are not a bundle, an envelope, an array or an object: the same errors as ever, nothing imported', async () => {
  const cases: Array<[string, string, RegExp]> = [
    ['scalar.json', '42', /^.*scalar\.json: not a STIX bundle or TAXII envelope\n$/],
    ['string.json', '"bundle"', /string\.json: not a STIX bundle or TAXII envelope\n$/],
    ['more.json', '{"more":false}', /more\.json: not a STIX bundle or TAXII envelope\n$/],
    ['typeless.json', '{"id":"x","objects":[]} ', /^$/],
    ['notlist.json', `{"type":"bundle","id":"${BUNDLE_ID}","objects":{"a":1}}`, /notlist\.json: "objects" must be a list\n$/],
    ['notlist2.json', '{"objects":"none"}', /notlist2\.json: "objects" must be a list\n$/],
    ['empty.json', '', /empty\.json: not JSON: no value in the file\n$/],
    ['blank.json', ' \n ', /blank\.json: not JSON: no value in the file\n$/],
    ['garbage.json', 'hello', /garbage\.json: not JSON: unexpected "h" at byte 0\n$/],
    ['trailing.json', `{"objects":[]} {}`, /trailing\.json: not JSON: unexpected "\{" at byte 15\n$/],
  ];
  for (const [name, text, stderr] of cases) {
    const r = await importText(name, text);
    expect([name, r.stderr]).toEqual([name, expect.stringMatching(stderr)]);
    expect([name, r.code]).toEqual([name, r.stderr === '' ? 0 : 2]);
  }
  const missing = await run(path.join(dir, 'nowhere.json'));
  expect(missing.code).toBe(2);
  expect(missing.stderr).toMatch(/^cannot read .*nowhere\.json: ENOENT/);
  const folder = await run(dir);
  expect(folder.code).toBe(2);
  expect(folder.stderr).toMatch(/^cannot read .*: EISDIR/);
  expect((await storedIds()).size).toBe(0);
});

test('malformed JSON midway: exit 2 naming the fault; the whole batches before it stay imported, nothing after', async () => {
  const objects = indicators(2 * IMPORT_BATCH + 200);
  const good = JSON.stringify(objects).slice(0, -1); // without the closing bracket
  const text = `{"type":"bundle","id":"${BUNDLE_ID}","objects":${good},{"type": }]}`;
  const r = await importText('broken.json', text);
  expect(r.code).toBe(2);
  const at = text.indexOf('}]}');
  expect(r.stderr).toMatch(/^(import .*: \d+% .* objects\n)*/); // progress lines before the fault
  expect(r.stderr.replace(/^(import .*: \d+% .* objects\n)*/, '')).toBe(
    `${r.file}: not JSON: unexpected "}" at byte ${at}\n` +
      `the first ${2 * IMPORT_BATCH} objects of the file were imported before it (${2 * IMPORT_BATCH} stored, 0 already there, 0 refused) ` +
      `and stay in collection ${INDICATORS}; nothing after them was\n`,
  );
  expect(r.stdout).toBe('');
  expect(await storedIds()).toEqual(new Set(ids(objects.slice(0, 2 * IMPORT_BATCH))));

  // Cut short: the same, at the end of the file. Importing the fixed file completes it.
  const cut = await importText('cut.json', `[${JSON.stringify(objects).slice(1, -1)}`.slice(0, -10));
  expect(cut.code).toBe(2);
  expect(cut.stderr).toMatch(new RegExp(`cut\\.json: not JSON: unexpected end of the file at byte \\d+\\nthe first ${2 * IMPORT_BATCH} objects .*\\(0 stored, ${2 * IMPORT_BATCH} already there, 0 refused\\)`));
  const fixed = await importText('fixed.json', JSON.stringify(objects));
  expect(fixed.stdout).toMatch(new RegExp(`: ${objects.length} objects, 200 stored, ${2 * IMPORT_BATCH} already there, 0 refused`));

  // Refused objects of the batches already published are still reported.
  const bad = indicator({ valid_from: '2024-01-02T00:00:00Z', valid_until: '2024-01-01T00:00:00Z' });
  const withBad = await importText('bad.json', `[${JSON.stringify(bad)},${JSON.stringify(indicators(2 * IMPORT_BATCH)).slice(1, -1)},nope]`);
  expect(withBad.code).toBe(2);
  expect(withBad.stdout).toMatch(new RegExp(`^refused  ${bad.id as string}: /valid_until must be later than valid_from.*\\n$`));
  expect(withBad.stderr).toMatch(/not JSON: unexpected "o" at byte \d+\nthe first 1000 objects of the file were imported before it \(999 stored, 0 already there, 1 refused\)/);
});

test('an "objects" list followed by a "type" other than bundle: an error once it is known', async () => {
  const objects = indicators(3);
  const r = await importText('late-type.json', `{"objects":${JSON.stringify(objects)},"type":"indicator"}`);
  expect(r.code).toBe(2);
  expect(r.stderr).toBe(`${r.file}: not a STIX bundle or TAXII envelope (its "type" is "indicator", after its "objects" list)\n`);
  expect((await storedIds()).size).toBe(0); // fewer than a batch: none had gone yet
});

test('a large file: 50,000 indicators stream in, all stored, with progress lines by bytes', async () => {
  const file = path.join(dir, 'large.json');
  const stream = fs.createWriteStream(file);
  const total = 50_000;
  const expected: string[] = [];
  stream.write(`{"type":"bundle","id":"${BUNDLE_ID}","objects":[`);
  for (let i = 0; i < total; i++) {
    const o = indicator({ name: `indicator ${i}`, pattern: `[ipv4-addr:value = '10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}']` });
    expected.push(o.id as string);
    if (!stream.write(`${i === 0 ? '' : ','}\n${JSON.stringify(o)}`)) await once(stream, 'drain');
  }
  stream.end(']}\n');
  await once(stream, 'finish');

  const r = await run(file);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe(`${file}: ${total} objects, ${total} stored, 0 already there, 0 refused (collection ${INDICATORS}, as ohio)\n`);
  const lines = r.stderr.trim().split('\n');
  expect(lines.length).toBeGreaterThanOrEqual(9);
  expect(lines.length).toBeLessThanOrEqual(12);
  for (const line of lines) expect(line).toMatch(new RegExp(`^import ${file}: \\d+% \\(\\d+\\.\\d of \\d+\\.\\d MB\\), \\d+ objects$`));
  expect(lines[lines.length - 1]).toMatch(/: 100% .*, 50000 objects$/);
  const stored = await storedIds();
  expect(stored.size).toBe(total);
  expect(stored).toEqual(new Set(expected));
}, 300_000);
