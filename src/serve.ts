// `concord serve` on every core: with server.workers > 1, a primary process does the
// start-up writes once (directory files, bootstrap admin, unfinished distributions) and
// forks the workers, which serve the one port together (node:cluster hands each new
// connection to the next worker in turn) over the same store. The store keeps them
// consistent as it keeps several servers over MongoDB consistent (docs/scaling.md): every
// request reads the directory revision; date_added is handed out inside the write (SQLite's
// write lock, taken by BEGIN IMMEDIATE, with busy_timeout; MongoDB's write lease).
//
// What each process counts for itself (failed logins, requests per member and per address,
// connections per address) gets its share of each limit: connections are spread evenly,
// so together the workers allow about what one process would.
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { Config } from './config';
import { describeStore } from './hub';
import { primaryStartup, startServer } from './main';

export interface Serving {
  /** Stops accepting, lets in-flight requests finish, then stops (every worker). */
  close(): Promise<void>;
}

/** Messages a worker sends its primary. */
interface Listening {
  kind: 'concord-listening';
  url: string;
}

/** More workers than this dying within REPLACEMENT_WINDOW_MS stop the server: they would only die again. */
const MAX_REPLACEMENTS = 5;
const REPLACEMENT_WINDOW_MS = 60_000;

/** Workers for this configuration: the embedded store in memory cannot be shared. */
export function workersFor(config: Config): number {
  return config.mongodb === undefined && config.sqliteFile === ':memory:' ? 1 : config.workers;
}

export async function serve(config: Config, logger: Logger): Promise<Serving> {
  const workers = workersFor(config);
  if (workers <= 1) return startServer(config, logger);
  if (cluster.isWorker) return serveAsWorker(config, logger, workers);
  return servePrimary(config, logger, workers);
}

/** This worker's share of the limits each process counts for itself. */
function shareOfLimits(config: Config, workers: number): Config {
  const share = (limit: number) => Math.max(1, Math.ceil(limit / workers));
  return {
    ...config,
    http: { ...config.http, maxConnectionsPerAddress: share(config.http.maxConnectionsPerAddress) },
    security: {
      ...config.security,
      authFailuresPerWindow: share(config.security.authFailuresPerWindow),
      authFailuresPerAddressPerWindow: share(config.security.authFailuresPerAddressPerWindow),
      requestsPerMemberPerMinute: share(config.security.requestsPerMemberPerMinute),
      requestsPerAddressPerMinute: share(config.security.requestsPerAddressPerMinute),
    },
  };
}

async function serveAsWorker(config: Config, logger: Logger, workers: number): Promise<Serving> {
  const running = await startServer(shareOfLimits(config, workers), logger, undefined, true);
  const listening: Listening = { kind: 'concord-listening', url: running.url };
  process.send?.(listening);
  return running;
}

async function servePrimary(config: Config, logger: Logger, workers: number): Promise<Serving> {
  // On the embedded store the start-up writes are done before the workers start; over
  // MongoDB, where they may wait for a dead process's write lease, the workers serve reads
  // meanwhile (docs/scaling.md).
  const startup = await primaryStartup(config, logger);
  startup.writes.then(
    () => startup.close(),
    (e: unknown) => logger.error({ err: e }, 'start-up writes failed'),
  );
  if (!config.mongodb) await startup.writes;
  let closing = false;
  const started = new Map<Worker, number>();
  /** When workers were replaced, within the last REPLACEMENT_WINDOW_MS. */
  const replaced: number[] = [];
  const fork = () => started.set(cluster.fork(), Date.now());

  // Resolves with the URL once every worker listens; rejects if one dies first.
  let settled = false;
  const ready = new Promise<string>((resolve, reject) => {
    const listening = new Set<Worker>();
    cluster.on('message', (worker, message: Partial<Listening>) => {
      if (message?.kind !== 'concord-listening' || typeof message.url !== 'string') return;
      listening.add(worker);
      if (!settled && listening.size === workers) {
        settled = true;
        resolve(message.url);
      }
    });
    cluster.on('exit', (worker, code, signal) => {
      const startedAt = started.get(worker) ?? 0;
      const served = listening.delete(worker);
      started.delete(worker);
      if (closing) return;
      const how = signal ?? `exit code ${String(code)}`;
      if (!settled) {
        settled = true;
        reject(new Error(`a worker exited before it served (${how}): see its log above`));
        return;
      }
      const now = Date.now();
      replaced.push(now);
      while ((replaced[0] ?? now) < now - REPLACEMENT_WINDOW_MS) replaced.shift();
      if (!served || replaced.length > MAX_REPLACEMENTS) {
        logger.fatal({ pid: worker.process.pid, exit: how }, served ? 'workers keep dying: stopping' : 'a worker died before it served: stopping');
        void stopAll().then(() => process.exit(1));
        return;
      }
      logger.error({ pid: worker.process.pid, exit: how, servedMs: now - startedAt }, 'a worker exited; starting another');
      fork();
    });
  });

  const stopAll = async () => {
    closing = true;
    const exits = [...started.keys()].map(
      (worker) =>
        new Promise<void>((resolve) => {
          if (worker.isDead()) return resolve();
          worker.once('exit', () => resolve());
          // SIGTERM: the worker's own shutdown (concord serve) lets in-flight requests finish.
          worker.process.kill('SIGTERM');
          setTimeout(() => worker.process.kill('SIGKILL'), config.shutdownTimeoutMs + 5_000).unref();
        }),
    );
    await Promise.all(exits);
  };

  for (let i = 0; i < workers; i++) fork();
  let url: string;
  try {
    url = await ready;
  } catch (e) {
    await stopAll();
    throw e;
  }
  logger.info(
    { url, config: config.source, store: describeStore(config), workers },
    `Concord serving TAXII 2.1 at ${url}/taxii2/ (${workers} worker processes)`,
  );
  return { close: stopAll };
}
