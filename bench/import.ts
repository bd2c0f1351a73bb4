// `concord import` of a large bundle: figures, not pass/fail. Writes a STIX bundle of
// IMPORT_BENCH_MB megabytes (default 1024) of re-identified copies of the real objects in
// ../shared/datasets/ to a temporary folder, applies a small directory to a fresh SQLite
// file, then runs the built CLI's `import` in a child process and samples its memory from
// /proc every 100 ms. Prints the file size, the objects, the seconds, objects/s and MB/s,
// and two peaks: the resident set (VmHWM, the kernel's own peak), and its anonymous part
// (RssAnon: the heap and everything else the process allocated), which is the figure for
// the import's own memory. The rest of the resident set is pages of files mapped into it,
// above all the SQLite database (the store maps up to 2 GB of it: mmap_size): that part
// follows the size of the database, not of the imported file, and is the kernel's page
// cache, which it reclaims under pressure.
//
//   npm run build && npx ts-node --transpile-only bench/import.ts
//
// Knobs: IMPORT_BENCH_MB (default 1024), IMPORT_BENCH_MEMBERS (members of the group that
// reads and writes the collection, default 2: the importer's objects are distributed to
// each one's view, as on a hub), IMPORT_BENCH_CLI (default dist/src/cli/concord.js: point
// it at another build to compare), IMPORT_BENCH_OBJECTS_FIRST (1: the bundle's "objects"
// key comes before "type" and "id"), IMPORT_BENCH_DIR (where the temporary folder goes,
// default the OS's; it needs room for the file and the database, about 3× the file).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { v4 as uuidv4 } from 'uuid';
import { loadTemplates, reidentify } from './workload';

const ROOT_DIR = path.resolve(__dirname, '..');
const MB = Number(process.env.IMPORT_BENCH_MB ?? 1024);
const MEMBERS = Number(process.env.IMPORT_BENCH_MEMBERS ?? 2);
const CLI = path.resolve(ROOT_DIR, process.env.IMPORT_BENCH_CLI ?? 'dist/src/cli/concord.js');
const OBJECTS_FIRST = process.env.IMPORT_BENCH_OBJECTS_FIRST === '1';
const COLLECTION = '0c0a1e00-0000-4000-8000-000000000001';
const memberIds = Array.from({ length: MEMBERS }, (_, i) => `soc-${i + 1}`);

const directory = {
  api_roots: [
    {
      path: 'bench',
      title: 'Bench',
      collections: [
        { id: COLLECTION, title: 'Import bench', validation: 'standard', allow_custom: true, acl: [{ grantee: 'group:socs', read: true, write: true }] },
      ],
    },
  ],
  groups: [{ id: 'socs', name: 'Member SOCs' }],
  members: memberIds.map((id) => ({ id, name: `SOC ${id}`, contact: `${id}@bench.example`, groups: ['socs'] })),
  mous: memberIds.map((member) => ({ member, provide: { default_marking: 'green', audiences: [{ markings: ['clear', 'green'], to: ['everyone'] }] } })),
};

/** Writes the bundle, a few MB at a time; returns how many objects it holds. */
function writeBundle(file: string, bytes: number): number {
  const templates = loadTemplates();
  const fd = fs.openSync(file, 'w');
  const id = `"id":"bundle--${uuidv4()}"`;
  let written = 0;
  const write = (s: string) => {
    written += fs.writeSync(fd, s);
  };
  write(OBJECTS_FIRST ? '{"objects":[\n' : `{"type":"bundle",${id},"objects":[\n`);
  let count = 0;
  let pending: string[] = [];
  let pendingBytes = 0;
  while (written + pendingBytes < bytes) {
    const s = reidentify(templates[count % templates.length] as string, Math.floor(count / templates.length) + 1);
    pending.push(count === 0 ? s : `,\n${s}`);
    pendingBytes += Buffer.byteLength(s) + 2;
    count++;
    if (pendingBytes > 4 * 1024 * 1024) {
      write(pending.join(''));
      pending = [];
      pendingBytes = 0;
    }
  }
  write(pending.join(''));
  write(OBJECTS_FIRST ? `\n],"type":"bundle",${id}}\n` : '\n]}\n');
  fs.closeSync(fd);
  return count;
}

function memory(pid: number): { hwm?: number; rss?: number; anon?: number } {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => {
      const m = new RegExp(`${name}:\\s+(\\d+) kB`).exec(status);
      return m ? Number(m[1]) / 1024 : undefined;
    };
    return { hwm: kb('VmHWM'), rss: kb('VmRSS'), anon: kb('RssAnon') };
  } catch {
    return {};
  }
}

async function main(): Promise<void> {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} not found: run npm run build first`);
  const work = fs.mkdtempSync(path.join(process.env.IMPORT_BENCH_DIR ?? os.tmpdir(), 'concord-import-bench-'));
  try {
    const env = {
      ...process.env,
      CONCORD_CONFIG: path.join(work, 'concord.json'),
      CONCORD_SQLITE_FILE: path.join(work, 'concord.db'),
      CONCORD_LOG_LEVEL: 'warn',
    };
    fs.writeFileSync(env.CONCORD_CONFIG, JSON.stringify({ discovery: { title: 'Concord import bench' }, directory: { dir: 'directory' } }));
    fs.mkdirSync(path.join(work, 'directory'));
    fs.writeFileSync(path.join(work, 'directory', 'bench.json'), JSON.stringify(directory));
    const applied = spawnSync(process.execPath, [CLI, 'config', 'apply', path.join(work, 'directory')], { env, encoding: 'utf8' });
    if (applied.status !== 0) throw new Error(`config apply: ${applied.stderr}`);

    const file = path.join(work, 'bundle.json');
    const t0 = performance.now();
    const objects = writeBundle(file, MB * 1024 * 1024);
    const size = fs.statSync(file).size;
    process.stdout.write(
      `Concord import bench: ${(size / 1024 / 1024).toFixed(0)} MB bundle (${size} bytes), ${objects} objects${OBJECTS_FIRST ? ', "objects" before "type"' : ''}, ` +
        `written in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${MEMBERS} members; CLI ${path.relative(ROOT_DIR, CLI)}; node ${process.version}, ${os.cpus().length} CPUs\n`,
    );

    const loadAtStart = os.loadavg()[0] ?? NaN;
    const start = performance.now();
    const child = spawn(process.execPath, [CLI, 'import', file, '--collection', COLLECTION, '--as', 'soc-1'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-100_000)));
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-20_000);
      process.stdout.write(`  ${d.toString().trimEnd().split('\n').join('\n  ')}\n`);
    });
    let hwm = 0;
    let rss = 0;
    let anon = 0;
    const pid = child.pid as number;
    const sample = () => {
      const m = memory(pid);
      hwm = Math.max(hwm, m.hwm ?? 0);
      rss = Math.max(rss, m.rss ?? 0);
      anon = Math.max(anon, m.anon ?? 0);
    };
    const sampler = setInterval(sample, 100);
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    clearInterval(sampler);
    const seconds = (performance.now() - start) / 1000;
    const load = os.loadavg()[0] ?? NaN;
    const summary = stdout.trim().split('\n').pop() ?? '';
    process.stdout.write(
      [
        `exit:       ${code}${code === 0 ? '' : ` (stderr: ${stderr.trim().split('\n').slice(-3).join(' / ')})`}`,
        `summary:    ${summary}`,
        `file:       ${(size / 1024 / 1024).toFixed(1)} MB, ${objects} objects`,
        `time:       ${seconds.toFixed(1)} s = ${(objects / seconds).toFixed(0)} objects/s, ${(size / 1024 / 1024 / seconds).toFixed(1)} MB/s ` +
          `(load average ${loadAtStart.toFixed(1)} at the start, ${load.toFixed(1)} at the end, on ${os.cpus().length} CPUs: other work on the machine slows it)`,
        `peak RSS:   ${hwm.toFixed(0)} MB (VmHWM, last sample before exit; largest VmRSS sampled ${rss.toFixed(0)} MB)`,
        `peak anon:  ${anon.toFixed(0)} MB (largest RssAnon sampled: the process's own memory, without the mapped database pages)`,
        `database:   ${(fs.statSync(env.CONCORD_SQLITE_FILE).size / 1024 / 1024).toFixed(0)} MB`,
      ].join('\n') + '\n',
    );
    if (code !== 0 && code !== 1) process.exitCode = 1;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
