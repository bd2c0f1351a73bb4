// The composition root: the one place that builds Concord's parts and wires them together,
// for the server (main.ts) and for every CLI command alike. Nothing else constructs a
// service; routers and commands receive what they need from here.
import crypto from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from './config';
import { LiveDirectory } from './access/live-directory';
import { AdminService } from './admin/admin-service';
import { AuditRecorder } from './audit/audit-recorder';
import { createSharing, type Sharing } from './sharing/sharing';
import { StixValidator } from './stix/stix-validator';
import { Validation } from './stix/validation-pool';
import { MongoStore } from './store/mongo/mongo-store';
import { SqliteStore } from './store/sqlite/sqlite-store';
import type { Store } from './store/store';
import { Catalog } from './taxii/catalog';
import { KeysetCursor } from './taxii/keyset-cursor';
import { PublishService } from './taxii/publish-objects';
import { TaxiiService } from './taxii/taxii-service';

export interface Hub {
  config: Config;
  logger: Logger;
  store: Store;
  directory: LiveDirectory;
  admin: AdminService;
  sharing: Sharing;
  catalog: Catalog;
  taxii: TaxiiService;
  publish: PublishService;
  /** The TAXII audit log; close() flushes buffered read entries (before the store closes). */
  audit: AuditRecorder;
  /** Resolves when the validation threads are ready. */
  validationReady(): Promise<void>;
  /** Stops the validation threads. */
  closeValidation(): Promise<void>;
  /** Stops the validation threads, flushes the audit log and closes the store. */
  close(): Promise<void>;
}

export interface HubOptions {
  /** An already open store (tests); otherwise the configured one is opened. */
  store?: Store;
  /** A compiled validator to share (tests, benchmarks); otherwise the schemas are compiled. */
  validator?: StixValidator;
  /** Validation threads; the configured number by default (CLI commands use none). */
  validationThreads?: number;
  /** Compile the STIX schemas at the first publish rather than now (CLI commands that may never publish). */
  compileWhenNeeded?: boolean;
  /** The largest envelope a publish accepts; the configured one by default (imports batch their own). */
  maxObjectsPerEnvelope?: number;
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

/** Builds every part of the hub over its store. */
export async function openHub(config: Config, logger: Logger, options: HubOptions = {}): Promise<Hub> {
  const store = options.store ?? (await openStore(config));
  const compile = (): StixValidator => {
    const validator = StixValidator.load();
    logger.info({ compileMs: Math.round(validator.compileMs) }, 'STIX 2.1 schemas compiled');
    return validator;
  };
  // Members' personal feeds appear in the configured API root.
  const directory = new LiveDirectory(store, config.sharing.feedApiRoot);
  await directory.refresh();
  const sharing = await createSharing(store, directory, logger, config.sharing.policyChangeWaitMs);
  const admin = new AdminService({ store, directory, releaser: sharing.distributor });
  // A directory change that alters what a member may see re-materialises its views before
  // the change is acknowledged: narrowing hides at once, widening adds with a new date_added.
  admin.directory.onChange((before) => sharing.distributor.rematerialise(before));

  const catalog = new Catalog(directory);
  // The cursor key lives in the store, so that every process over it (and a restarted one)
  // honours the cursors the others issued.
  const cursorKey = await store.getOrCreateSetting('cursor_hmac_key', () => crypto.randomBytes(32).toString('base64'));
  const taxii = new TaxiiService(
    store,
    catalog,
    new KeysetCursor(Buffer.from(cursorKey, 'base64')),
    {
      pageSizeDefault: config.pageSizeDefault,
      pageSizeMax: config.pageSizeMax,
      discovery: config.discovery,
      ...(config.publicBaseUrl !== undefined ? { publicBaseUrl: config.publicBaseUrl } : {}),
    },
    sharing.distributor,
  );
  const validation = new Validation(
    options.validator ?? (options.compileWhenNeeded ? compile : compile()),
    options.validationThreads ?? config.validationThreads,
  );
  const publish = new PublishService(store, catalog, validation, options.maxObjectsPerEnvelope ?? config.maxObjectsPerEnvelope, sharing.distributor, {
    maxStringLength: config.maxStringLength,
    maxArrayLength: config.maxArrayLength,
  }, config.maxJsonDepth);
  const audit = new AuditRecorder(store, logger);

  let closing: Promise<void> | undefined;
  return {
    config,
    logger,
    store,
    directory,
    admin,
    sharing,
    catalog,
    taxii,
    publish,
    audit,
    validationReady: () => validation.ready(),
    closeValidation: () => validation.close(),
    close: () =>
      (closing ??= (async () => {
        await validation.close();
        await sharing.distributor.stopBuilds();
        await audit.close();
        await store.close();
      })()),
  };
}
