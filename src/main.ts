// The server: the hub (hub.ts, the composition root) with its start-up duties (directory
// files, bootstrap admin, recovery of unfinished distributions: startup-writes.ts), served
// over HTTP(S).
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type express from 'express';
import type { Config } from './config';
import { buildApp } from './http/app';
import { applyServerLimits, serverOptions } from './http/connection-limits';
import type { Store } from './store/store';
import { DirectoryAuthenticator } from './access/authenticator';
import type { AdminService } from './admin/admin-service';
import { applyFiles, planFiles } from './admin/apply-files';
import { describePlan } from './admin/directory-plan';
import { bootstrapAdmin, envCredentials, type BootstrapAdmin } from './admin/bootstrap-admin';
import type { StixValidator } from './stix/stix-validator';
import type { AuditRecorder } from './audit/audit-recorder';
import { HUB_MEMBER_ID } from './directory/hub-ids';
import type { Sharing } from './sharing/sharing';
import { describeStore, openHub, openStore, type Hub } from './hub';
import { StartupWrites, type StartupStep } from './startup-writes';

export interface Concord {
  app: express.Express;
  store: Store;
  /** Resolves when the validation threads are ready; stops them. */
  validationReady(): Promise<void>;
  closeValidation(): Promise<void>;
  admin: AdminService;
  /** The start-up writes (directory files, bootstrap admin, recovery): done, or in the background. */
  startup: StartupWrites;
  /** The bootstrap admin, once its start-up write is done (credentials to show once). */
  bootstrap: Promise<BootstrapAdmin>;
  /** The TAXII audit log; close() flushes buffered read entries (before the store closes). */
  audit: AuditRecorder;
  sharing: Sharing;
}

export interface ConcordOptions {
  /**
   * Return before the start-up writes are done, and do them in the background (retried until
   * they succeed); requests that write wait for them. For a store whose writes may wait
   * for another process (the MongoDB write lease): reads are then served at once.
   */
  writesInBackground?: boolean;
  /**
   * Do the start-up writes here (default). A worker of several (serve.ts) leaves them to its
   * primary, which does them once for all.
   */
  startupWrites?: boolean;
}

/**
 * The writes a server does once at start (startup-writes.ts): directory files, the bootstrap
 * admin, interrupted distributions; `bootstrap` resolves once the admin step has run.
 */
function startupSteps(hub: Hub, config: Config, logger: Logger): { steps: StartupStep[]; bootstrap: Promise<BootstrapAdmin> } {
  let bootstrapped!: (b: BootstrapAdmin) => void;
  const bootstrap = new Promise<BootstrapAdmin>((resolve) => (bootstrapped = resolve));
  const steps: StartupStep[] = [];
  if (config.directory.applyOnStart) {
    steps.push({
      name: 'directory files',
      beforeWrites: true,
      run: async () => {
        const applied = await applyFiles(hub.admin, { memberId: HUB_MEMBER_ID, source: 'serve' }, config.directory.dir);
        logger.info({ dir: config.directory.dir, changes: describePlan(applied) }, `directory files applied: ${applied.length} changes`);
      },
    });
  }
  steps.push(
    { name: 'bootstrap admin', beforeWrites: true, run: async () => bootstrapped(await bootstrapAdmin(hub.admin, hub.store, config.bootstrapAdmin)) },
    { name: 'recovery of interrupted distributions', run: async () => void (await hub.sharing.distributor.recoverPending()) },
  );
  return { steps, bootstrap };
}

/** Moves data files of an earlier layout (reads need it: members' views are empty until then). */
async function upgradeLayout(hub: Hub, logger: Logger): Promise<void> {
  const upgraded = await hub.sharing.distributor.upgradeLayout();
  if (upgraded > 0) logger.info({ members: upgraded }, 'views moved from one per member to one per audience class');
}

/**
 * For the primary of several workers (serve.ts): what reads need, before the workers start
 * (`beforeWorkers`), then the start-up writes once for all, whose bootstrap credentials
 * are printed here (`writes`, retried until they succeed when the store's writes may wait).
 */
export async function primaryStartup(config: Config, logger: Logger): Promise<{ writes: Promise<void>; close(): Promise<void> }> {
  const hub = await openHub(config, logger, { validationThreads: 0, compileWhenNeeded: true });
  await upgradeLayout(hub, logger);
  if (config.directory.applyOnStart) await planFiles(hub.admin, config.directory.dir);
  const { steps, bootstrap } = startupSteps(hub, config, logger);
  const startup = new StartupWrites(steps, logger);
  void bootstrap.then((b) => announceBootstrap(b, logger));
  const writes = hub.store.writesMayWait === true ? startup.runInBackground() : startup.runNow();
  return { writes, close: () => hub.close() };
}

/**
 * Builds the served application over a store; tests call this with an in-memory store.
 * Everything reads need is done before it returns: the directory is read, the cursor and
 * identity keys are read (created only on a first start), and data files of an earlier
 * layout are moved (members' views would be empty until then). What only writes need
 * (startup-writes.ts) is done before it returns too, unless `writesInBackground`.
 */
export async function createConcord(
  config: Config,
  logger: Logger,
  store: Store,
  validator?: StixValidator,
  { writesInBackground = false, startupWrites = true }: ConcordOptions = {},
): Promise<Concord> {
  const hub = await openHub(config, logger, { store, ...(validator !== undefined ? { validator } : {}) });
  await upgradeLayout(hub, logger);
  // Invalid files stop the start, as before, even when the writes wait (reading them writes nothing).
  if (config.directory.applyOnStart && writesInBackground && startupWrites) await planFiles(hub.admin, config.directory.dir);

  const { steps, bootstrap } = startupWrites ? startupSteps(hub, config, logger) : { steps: [], bootstrap: Promise.resolve<BootstrapAdmin>({ extra: [] }) };
  const startup = new StartupWrites(steps, logger);
  if (writesInBackground) {
    startup.runInBackground().catch((e: unknown) => logger.error({ err: e }, 'start-up writes failed'));
  } else {
    await startup.runNow();
  }
  // Class builds a stopped process left (or another process is working): in the background.
  hub.sharing.distributor.resumeBuilds().catch((e: unknown) => logger.error({ err: e }, 'class builds failed'));
  const app = buildApp({
    taxii: hub.taxii,
    publish: hub.publish,
    catalog: hub.catalog,
    // The environment's credentials are in memory: they authenticate before the bootstrap write is done.
    authenticator: new DirectoryAuthenticator(hub.directory, envCredentials(config.bootstrapAdmin)),
    maxJsonDepth: config.maxJsonDepth,
    audit: hub.audit,
    authFailureLimit: {
      maxFailures: config.security.authFailuresPerWindow,
      maxFailuresPerAddress: config.security.authFailuresPerAddressPerWindow,
      windowSeconds: config.security.authFailureWindowSeconds,
    },
    requestLimit: { perMemberPerMinute: config.security.requestsPerMemberPerMinute, perAddressPerMinute: config.security.requestsPerAddressPerMinute },
    maxUrlBytes: config.http.maxUrlBytes,
    trustProxy: config.http.trustProxy,
    store,
    logger,
    admin: hub.admin,
    sharing: hub.sharing,
    startup,
  });
  return {
    app,
    store,
    validationReady: () => hub.validationReady(),
    closeValidation: () => hub.closeValidation(),
    admin: hub.admin,
    startup,
    bootstrap,
    audit: hub.audit,
    sharing: hub.sharing,
  };
}

export interface RunningServer {
  url: string;
  server: http.Server;
  /** Stops accepting, lets in-flight requests finish (POSTs store their status), closes the store. */
  close(): Promise<void>;
}

/**
 * `validator` is for measurements (bench/run.ts); the server loads the real one. A worker
 * (serve.ts) leaves the start-up writes and the announcements to its primary.
 */
export async function startServer(config: Config, logger: Logger, validator?: StixValidator, worker = false): Promise<RunningServer> {
  const store = await openStore(config);
  const concord = await createConcord(config, logger, store, validator, { writesInBackground: store.writesMayWait === true, startupWrites: !worker });
  await concord.validationReady();
  // Once the bootstrap admin is written: at once here, or when the lease allows (MongoDB).
  if (!worker) void concord.bootstrap.then((b) => announceBootstrap(b, logger));

  const options = serverOptions(config.http);
  const server = config.tls
    ? https.createServer({ ...options, cert: fs.readFileSync(config.tls.certFile), key: fs.readFileSync(config.tls.keyFile) }, concord.app)
    : http.createServer(options, concord.app);
  applyServerLimits(server, config.http, logger);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `${config.tls ? 'https' : 'http'}://${host}:${port}`;

  // §4.3: statuses are kept at least 24 hours; older ones are purged hourly.
  const retentionMs = config.statusRetentionHours * 3_600_000;
  const purge = () =>
    store.purgeStatuses(Date.now() - retentionMs).catch((e: unknown) => logger.warn({ err: e }, 'status purge failed'));
  void purge();
  const purgeTimer = setInterval(purge, 3_600_000);
  purgeTimer.unref();
  // Every 10 s: embargoed objects due are released to their readers, class builds left by
  // any process are resumed, and distributions that failed here are tried again.
  const release = () => concord.sharing.distributor.tick();
  const releaseTimer = setInterval(release, 10_000);
  releaseTimer.unref();

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      clearInterval(purgeTimer);
      clearInterval(releaseTimer);
      concord.startup.stop();
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, config.shutdownTimeoutMs).unref());
      await Promise.race([drained, timeout]);
      server.closeAllConnections();
      await concord.closeValidation();
      await concord.sharing.distributor.stopBuilds();
      await concord.audit.close();
      await store.close();
    })());
  if (worker) logger.debug({ url, pid: process.pid }, 'worker serving');
  else {
    logger.info(
      { url, config: config.source, store: describeStore(config), writes: concord.startup.state() },
      `Concord serving TAXII 2.1 at ${url}/taxii2/`,
    );
  }
  return { url, server, close };
}

function announceBootstrap(bootstrap: BootstrapAdmin | undefined, logger: Logger): void {
  if (!bootstrap) return;
  if (bootstrap.created) {
    // Printed once, on the terminal, not in the structured log.
    process.stderr.write(
      [
        '',
        '  Concord created a bootstrap admin (no admin credential in the store). Shown only now:',
        `    username: ${bootstrap.created.username}`,
        `    password: ${bootstrap.created.password}`,
        `    token:    ${bootstrap.created.token}`,
        '  Use HTTP Basic or "Authorization: Bearer <token>". To get new ones, delete the data',
        '  directory or set CONCORD_ADMIN_PASSWORD / CONCORD_ADMIN_TOKEN.',
        '',
      ].join('\n') + '\n',
    );
  } else {
    logger.info('bootstrap admin in use (credentials were printed at first start)');
  }
}
