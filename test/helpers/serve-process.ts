// `concord serve` as a child process, as users run it (from the TypeScript sources), for
// the tests about processes: test/cli/serve.test.ts and test/store/multi-instance.test.ts.
//
// Every server started here is stopped after the suite whatever happens (a failed
// assertion, a start that timed out), because one left running keeps jest from exiting.
// Its environment is the test run's without any CONCORD_* or MONGODB_* variable: a
// developer's CONCORD_ADMIN_TOKEN or CI's MONGODB_URI would otherwise change what the
// server does; a test that means to pass one says so in `env`.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const ROOT_DIR = path.resolve(__dirname, '../..');
/** `concord` from the TypeScript sources: node arguments before the command. */
export const CLI = ['-r', 'ts-node/register/transpile-only', path.join(ROOT_DIR, 'src/cli/concord.ts')];

/** The variables the server reads; none is inherited from the test run. */
const SERVER_VARIABLE = /^(CONCORD_|MONGODB_)/;

/** The test run's environment without the server's variables, plus `env`. */
export function cliEnv(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !SERVER_VARIABLE.test(name)));
  return { ...inherited, ...env };
}

export interface ServerProcess {
  child: ChildProcess;
  /** The base URL the server logged when it started listening. */
  url: string;
  /** Everything it wrote to stderr so far (bootstrap credentials go there). */
  stderr: () => string;
  exited: Promise<number | null>;
}

export interface ServeOptions {
  /** The only server variables it gets, after CONCORD_PORT=0, CONCORD_LOG_LEVEL=info and CONCORD_WORKERS=1. */
  env: NodeJS.ProcessEnv;
  /** How long it may take to start listening. */
  startTimeoutMs?: number;
  /** Each chunk the server writes to stdout (its JSON log lines). */
  onStdout?: (text: string) => void;
}

/** Children started by this test file that may still be running, with their exit. */
const running = new Map<ChildProcess, Promise<number | null>>();

/** How long a server may take to shut down on SIGTERM before it is killed. */
const STOP_GRACE_MS = 5_000;

/**
 * Stops every server this test file started that is still running: SIGTERM, then SIGKILL
 * if it has not exited within a few seconds. Resolves once all have exited.
 */
export async function stopServers(): Promise<void> {
  await Promise.all(
    [...running].map(async ([child, exited]) => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }),
  );
}

// Every file that starts servers through this module gets them stopped at its end, even
// one that forgets to (or whose own cleanup never ran because its setup failed).
if (typeof afterAll === 'function') afterAll(stopServers);

/** Starts `concord serve` and resolves once it listens; rejects (and kills it) if it exits or times out first. */
export function serveProcess(options: ServeOptions): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...CLI, 'serve'], {
    cwd: ROOT_DIR,
    // One process unless a test asks for workers (test/cli/serve-workers.test.ts): from the
    // TypeScript sources each worker compiles the project again, which takes seconds.
    env: cliEnv({ CONCORD_PORT: '0', CONCORD_LOG_LEVEL: 'info', CONCORD_WORKERS: '1', ...options.env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  running.set(child, exited);
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start:\n${out}\n${err}`));
    }, options.startTimeoutMs ?? 45_000);
    child.stdout?.on('data', (d: Buffer) => {
      const text = d.toString();
      options.onStdout?.(text);
      out += text;
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1] as string, stderr: () => err, exited });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}\n${err}`));
    });
  });
}
