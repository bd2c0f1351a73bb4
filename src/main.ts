// The server: the hub (hub.ts, the composition root) with its start-up duties (directory
// files, bootstrap admin, recovery of unfinished distributions), served over HTTP(S).
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
import { applyFiles } from './admin/apply-files';
import { describePlan } from './admin/directory-plan';
import { bootstrapAdmin, type BootstrapAdmin } from './admin/bootstrap-admin';
import type { StixValidator } from './stix/stix-validator';
import type { AuditRecorder } from './audit/audit-recorder';
import { HUB_MEMBER_ID } from './directory/hub-ids';
import type { Sharing } from './sharing/sharing';
import { describeStore, openHub, openStore, type Hub } from './hub';

export interface Concord {
  app: express.Express;
  store: Store;
  /** Resolves when the validation threads are ready; stops them. */
  validationReady(): Promise<void>;
  closeValidation(): Promise<void>;
  admin: AdminService;
  bootstrap: BootstrapAdmin;
  /** The TAXII audit log; close() flushes buffered read entries (before the store closes). */
  audit: AuditRecorder;
  sharing: Sharing;
}

/** What a server does once before serving: on its own, or as the primary of its workers (serve.ts). */
async function startupDuties(hub: Hub, config: Config, logger: Logger): Promise<BootstrapAdmin> {
  const upgraded = await hub.sharing.distributor.upgradeLayout();
  if (upgraded > 0) logger.info({ members: upgraded }, 'views moved from one per member to one per audience class');
  if (config.directory.applyOnStart) {
    const applied = await applyFiles(hub.admin, { memberId: HUB_MEMBER_ID, source: 'serve' }, config.directory.dir);
    logger.info({ dir: config.directory.dir, changes: describePlan(applied) }, `directory files applied: ${applied.length} changes`);
  }
  const bootstrap = await bootstrapAdmin(hub.admin, hub.store, config.bootstrapAdmin);
  await hub.sharing.distributor.recoverPending();
  return bootstrap;
}

/**
 * The start-up duties alone, for the primary process of several workers: directory files,
 * the bootstrap admin (its credentials printed here, once), unfinished distributions.
 */
export async function runStartupDuties(config: Config, logger: Logger): Promise<void> {
  const hub = await openHub(config, logger, { validationThreads: 0, compileWhenNeeded: true });
  try {
    announceBootstrap(await startupDuties(hub, config, logger), logger);
  } finally {
    await hub.close();
  }
}

/**
 * Builds the served application over a store; tests call this with an in-memory store.
 * A worker (`duties: false`) leaves the start-up duties to its primary (serve.ts).
 */
export async function createConcord(config: Config, logger: Logger, store: Store, validator?: StixValidator, duties = true): Promise<Concord> {
  const hub = await openHub(config, logger, { store, ...(validator !== undefined ? { validator } : {}) });
  // A worker's primary created the bootstrap admin: here it only finds it (and the
  // credentials from CONCORD_ADMIN_*, kept in memory).
  const bootstrap = duties ? await startupDuties(hub, config, logger) : await bootstrapAdmin(hub.admin, store, config.bootstrapAdmin);
  // Class builds a stopped process left (or another process is working): in the background.
  hub.sharing.distributor.resumeBuilds().catch((e: unknown) => logger.error({ err: e }, 'class builds failed'));
  const app = buildApp({
    taxii: hub.taxii,
    publish: hub.publish,
    catalog: hub.catalog,
    authenticator: new DirectoryAuthenticator(hub.directory, bootstrap.extra),
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
  });
  return {
    app,
    store,
    validationReady: () => hub.validationReady(),
    closeValidation: () => hub.closeValidation(),
    admin: hub.admin,
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
 * (serve.ts) leaves the start-up duties and the announcements to its primary.
 */
export async function startServer(config: Config, logger: Logger, validator?: StixValidator, worker = false): Promise<RunningServer> {
  const store = await openStore(config);
  const concord = await createConcord(config, logger, store, validator, !worker);
  await concord.validationReady();
  if (!worker) announceBootstrap(concord.bootstrap, logger);

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
  else logger.info({ url, config: config.source, store: describeStore(config) }, `Concord serving TAXII 2.1 at ${url}/taxii2/`);
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
