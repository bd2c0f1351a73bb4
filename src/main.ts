// Composition root: configuration in, a running server out. The only place that wires
// concrete parts together.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type express from 'express';
import type { Config } from './config';
import { buildApp } from './http/app';
import { applyServerLimits } from './http/connection-limits';
import { SqliteStore } from './store/sqlite/sqlite-store';
import { MongoStore } from './store/mongo/mongo-store';
import type { Store } from './store/store';
import { DirectoryAuthenticator } from './access/authenticator';
import { LiveDirectory } from './access/live-directory';
import { AdminService } from './admin/admin-service';
import { applyFiles } from './admin/apply-files';
import { describePlan } from './admin/directory-plan';
import { bootstrapAdmin, type BootstrapAdmin } from './admin/bootstrap-admin';
import { Catalog } from './taxii/catalog';
import { KeysetCursor } from './taxii/keyset-cursor';
import { TaxiiService } from './taxii/taxii-service';
import { PublishService } from './taxii/publish-objects';
import { StixValidator } from './stix/stix-validator';
import { Validation } from './stix/validation-pool';
import { AuditRecorder } from './audit/audit-recorder';
import { HUB_MEMBER_ID } from './directory/hub-ids';
import { createSharing, type Sharing } from './sharing/sharing';

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

/** The MongoDB store when a URI is configured (MONGODB_URI), else the embedded SQLite file. */
export async function openStore(config: Config): Promise<Store> {
  if (config.mongodb) {
    return MongoStore.open(config.mongodb.uri, config.mongodb.database, { statusRetentionSeconds: config.statusRetentionHours * 3600 });
  }
  return new SqliteStore(config.sqliteFile);
}

/** Where the store is, for logs (never the MongoDB credentials). */
export function describeStore(config: Config): string {
  if (!config.mongodb) return config.sqliteFile;
  return `${config.mongodb.uri.replace(/\/\/[^@/]*@/, '//')} (database ${config.mongodb.database})`;
}

/** Builds the application over a store; tests call this with an in-memory store. */
export async function createConcord(
  config: Config,
  logger: Logger,
  store: Store,
  validator: StixValidator = StixValidator.load(),
): Promise<Concord> {
  logger.info({ compileMs: Math.round(validator.compileMs) }, 'STIX 2.1 schemas compiled');
  // Members' personal feeds appear in the configured API root (issue 5).
  const directory = new LiveDirectory(store, config.sharing.feedApiRoot);
  await directory.refresh();
  const admin = new AdminService(store, directory);
  const sharing = await createSharing(store, directory, logger);
  // A directory change that alters what a member may see re-materialises its views
  // before the change is acknowledged: narrowing hides at once, widening adds with a new date_added.
  admin.onChange((before, after) => sharing.distributor.rematerialise(before, after));
  admin.setReleaser(sharing.distributor);
  if (config.directory.applyOnStart) {
    const applied = await applyFiles(admin, { memberId: HUB_MEMBER_ID, source: 'serve' }, config.directory.dir);
    logger.info({ dir: config.directory.dir, changes: describePlan(applied) }, `directory files applied: ${applied.length} changes`);
  }
  const bootstrap = await bootstrapAdmin(admin, store, config.bootstrapAdmin);
  const catalog = new Catalog(directory);
  // The cursor key lives in the store, so that every process over it (and a restarted
  // one) honours the cursors the others issued.
  const cursorKey = await store.getOrCreateSetting('cursor_hmac_key', () => crypto.randomBytes(32).toString('base64'));
  const taxii = new TaxiiService(store, catalog, new KeysetCursor(Buffer.from(cursorKey, 'base64')), {
    pageSizeDefault: config.pageSizeDefault,
    pageSizeMax: config.pageSizeMax,
    discovery: config.discovery,
    ...(config.publicBaseUrl !== undefined ? { publicBaseUrl: config.publicBaseUrl } : {}),
  }, sharing.distributor);
  const validation = new Validation(validator, config.validationThreads);
  const publish = new PublishService(store, catalog, validation, config.maxObjectsPerEnvelope, sharing.distributor, {
    maxStringLength: config.maxStringLength,
    maxArrayLength: config.maxArrayLength,
  });
  await sharing.distributor.recoverPending();
  const audit = new AuditRecorder(store, logger);
  const app = buildApp({
    taxii,
    publish,
    catalog,
    authenticator: new DirectoryAuthenticator(directory, bootstrap.extra),
    maxJsonDepth: config.maxJsonDepth,
    audit,
    authFailureLimit: { maxFailures: config.security.authFailuresPerWindow, windowSeconds: config.security.authFailureWindowSeconds },
    requestLimit: { perMemberPerMinute: config.security.requestsPerMemberPerMinute, perAddressPerMinute: config.security.requestsPerAddressPerMinute },
    maxUrlBytes: config.http.maxUrlBytes,
    trustProxy: config.http.trustProxy,
    store,
    logger,
    admin,
    sharing,
  });
  return {
    app,
    store,
    validationReady: () => validation.ready(),
    closeValidation: () => validation.close(),
    admin,
    bootstrap,
    audit,
    sharing,
  };
}

export interface RunningServer {
  url: string;
  server: http.Server;
  /** Stops accepting, lets in-flight requests finish (POSTs store their status), closes the store. */
  close(): Promise<void>;
}

/** `validator` is for measurements (bench/run.ts); the server loads the real one. */
export async function startServer(config: Config, logger: Logger, validator?: StixValidator): Promise<RunningServer> {
  const store = await openStore(config);
  const concord = await createConcord(config, logger, store, validator);
  await concord.validationReady();
  announceBootstrap(concord.bootstrap, logger);

  // Timeouts are checked this often (Node's default, 30 s, would let a 1 s headers_timeout_ms wait 30 s).
  const serverOptions = {
    maxHeaderSize: config.http.maxHeaderBytes,
    connectionsCheckingInterval: Math.max(250, Math.min(30_000, Math.floor(Math.min(config.http.headersTimeoutMs, config.http.requestTimeoutMs) / 4))),
  };
  const server = config.tls
    ? https.createServer({ ...serverOptions, cert: fs.readFileSync(config.tls.certFile), key: fs.readFileSync(config.tls.keyFile) }, concord.app)
    : http.createServer(serverOptions, concord.app);
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
  // Embargoed objects are released to their readers when due (within this period).
  const release = () =>
    concord.sharing.distributor.releaseDue().catch((e: unknown) => logger.warn({ err: e }, 'embargo release failed'));
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
      await concord.audit.close();
      await store.close();
    })());
  logger.info({ url, config: config.source, store: describeStore(config) }, `Concord serving TAXII 2.1 at ${url}/taxii2/`);
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
