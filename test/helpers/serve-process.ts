// `concord serve` as a child process, as users run it (from the TypeScript sources), for
// the tests about processes: test/cli/serve.test.ts and test/store/multi-instance.test.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const ROOT_DIR = path.resolve(__dirname, '../..');
/** `concord` from the TypeScript sources: node arguments before the command. */
export const CLI = ['-r', 'ts-node/register/transpile-only', path.join(ROOT_DIR, 'src/cli/concord.ts')];

export interface ServerProcess {
  child: ChildProcess;
  /** The base URL the server logged when it started listening. */
  url: string;
  /** Everything it wrote to stderr so far (bootstrap credentials go there). */
  stderr: () => string;
  exited: Promise<number | null>;
}

export interface ServeOptions {
  /** Added to the test's environment, after CONCORD_PORT=0 and CONCORD_LOG_LEVEL=info. */
  env: NodeJS.ProcessEnv;
  /** How long it may take to start listening. */
  startTimeoutMs?: number;
  /** Each chunk the server writes to stdout (its JSON log lines). */
  onStdout?: (text: string) => void;
}

/** Starts `concord serve` and resolves once it listens; rejects if it exits or times out first. */
export function serveProcess(options: ServeOptions): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...CLI, 'serve'], {
    cwd: ROOT_DIR,
    env: { ...process.env, CONCORD_PORT: '0', CONCORD_LOG_LEVEL: 'info', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}\n${err}`)), options.startTimeoutMs ?? 20_000);
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
    void exited.then((code) => reject(new Error(`server exited with ${code}:\n${out}\n${err}`)));
  });
}
