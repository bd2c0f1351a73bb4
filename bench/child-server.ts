// The built server in a child process, for benchmarks that measure it from outside
// (bench/soak.ts, bench/stall.ts, bench/workers.ts): a temporary folder with its
// configuration and directory file, a free port, and the process's RSS and CPU from /proc.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const ROOT_DIR = path.resolve(__dirname, '..');

export interface ChildServerOptions {
  /** concord.json (directory.dir is set to the folder holding `directory`). */
  config: Record<string, unknown>;
  /** A declarative directory file, applied at start. */
  directory: unknown;
  adminToken: string;
  logLevel?: string;
  /** The CLI to run; default dist/src/cli/concord.js (npm run build first). */
  serverCli?: string;
  nodeArgs?: string[];
  env?: Record<string, string>;
}

export interface ChildServer {
  base: string;
  pid: number;
  /** The server's last 4 kB of stderr. */
  stderr(): string;
  stop(): Promise<void>;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Starts the server and resolves once /readyz answers 200. */
export async function startChildServer(options: ChildServerOptions): Promise<ChildServer> {
  const serverCli = path.resolve(ROOT_DIR, options.serverCli ?? 'dist/src/cli/concord.js');
  if (!fs.existsSync(serverCli)) throw new Error(`${serverCli} not found: run npm run build first`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-bench-server-'));
  fs.writeFileSync(path.join(work, 'concord.json'), JSON.stringify({ ...options.config, directory: { dir: '.', apply_on_start: true } }));
  fs.writeFileSync(path.join(work, 'directory.json'), JSON.stringify(options.directory));
  const port = await freePort();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), serverCli, 'serve'], {
    cwd: ROOT_DIR,
    env: {
      ...process.env,
      CONCORD_CONFIG: path.join(work, 'concord.json'),
      CONCORD_SQLITE_FILE: path.join(work, 'concord.db'),
      CONCORD_ADMIN_TOKEN: options.adminToken,
      CONCORD_LOG_LEVEL: options.logLevel ?? 'warn',
      CONCORD_PORT: String(port),
      ...options.env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(15_000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    fs.rmSync(work, { recursive: true, force: true });
  };
  try {
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error(`the server exited: ${stderr}`);
      if (i > 1200) throw new Error(`the server did not start: ${stderr}`);
      try {
        if ((await fetch(`${base}/readyz`)).status === 200) break;
      } catch {
        // not yet
      }
      await sleep(50);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { base, pid: child.pid as number, stderr: () => stderr, stop };
}

/** Issues a token for a member through the admin API (what an operator would do). */
export async function issueToken(base: string, adminToken: string, member: string, role = 'publisher'): Promise<string> {
  const res = await fetch(`${base}/admin/v1/members/${member}/credentials`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ kind: 'token', role, label: 'bench' }),
  });
  if (res.status !== 201) throw new Error(`token for ${member}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

/** The resident set of a process and its children (cluster workers), in MB. */
export function rssMb(pid: number): number | undefined {
  return rssParts(pid)?.total;
}

/**
 * The resident set in MB: in all, and its anonymous part (the heap: what the process
 * allocated) apart from file pages (the store's memory-mapped file, which the kernel
 * reclaims at will).
 */
export function rssParts(pid: number): { total: number; anon: number; file: number } | undefined {
  const sum = { total: 0, anon: 0, file: 0 };
  let found = false;
  for (const p of [pid, ...childPids(pid)]) {
    try {
      const status = fs.readFileSync(`/proc/${p}/status`, 'utf8');
      const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) / 1024;
      sum.total += kb('VmRSS');
      sum.anon += kb('RssAnon');
      sum.file += kb('RssFile') + kb('RssShmem');
      found = true;
    } catch {
      // gone
    }
  }
  return found ? sum : undefined;
}

/** CPU seconds (user + system) a process and its children have used, from /proc. */
export function cpuSeconds(pid: number): number | undefined {
  let total = 0;
  let found = false;
  for (const p of [pid, ...childPids(pid)]) {
    try {
      const fields = fs.readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      total += (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
      found = true;
    } catch {
      // gone
    }
  }
  return found ? total : undefined;
}

function childPids(pid: number): number[] {
  try {
    return fs
      .readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(' ')
      .filter((s) => s.trim() !== '')
      .map(Number);
  } catch {
    return [];
  }
}
