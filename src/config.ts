// The only module that reads process.env. Configuration comes from a JSON file
// (schemas/concord-config.schema.json) overlaid by CONCORD_* environment variables,
// and is validated once, at start, with every problem listed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv from 'ajv';
import configSchema from '../schemas/concord-config.schema.json';

export interface Config {
  host: string;
  port: number;
  publicBaseUrl?: string;
  tls?: { certFile: string; keyFile: string };
  shutdownTimeoutMs: number;
  /** Processes serving the port (src/serve.ts); 1: this process alone. */
  workers: number;
  /** HTTP limits of the listening server (src/http/connection-limits.ts). */
  http: {
    maxHeaderBytes: number;
    maxUrlBytes: number;
    headersTimeoutMs: number;
    requestTimeoutMs: number;
    keepAliveTimeoutMs: number;
    maxConnectionsPerAddress: number;
    /** Reverse-proxy hops whose X-Forwarded-For is believed; false: none. */
    trustProxy: number | false;
  };
  logLevel: string;
  sqliteFile: string;
  /** The MongoDB store, when a URI is configured (MONGODB_URI); the embedded store otherwise. */
  mongodb?: { uri: string; database: string };
  pageSizeDefault: number;
  pageSizeMax: number;
  statusRetentionHours: number;
  /** Objects one POST may carry (413 beyond). */
  maxObjectsPerEnvelope: number;
  /** Nesting depth of a POST body (400 beyond), checked before parsing. */
  maxJsonDepth: number;
  /** Per object: the longest string and the longest array; an object beyond them is refused on its own. */
  maxStringLength: number;
  maxArrayLength: number;
  /** Threads that validate large envelopes beside the request thread (0: validate in place). */
  validationThreads: number;
  discovery: { title: string; description?: string; contact?: string; defaultApiRoot?: string };
  /**
   * The declarative directory files (API roots, collections, groups, members, ACLs):
   * their folder, and whether `serve` applies them at start (`concord config apply`).
   */
  directory: { dir: string; applyOnStart: boolean };
  /** Credentials for the bootstrap admin, from CONCORD_ADMIN_* (kept in memory only). */
  bootstrapAdmin: { password?: string; token?: string };
  /** Throttling: failed authentications (src/http/rate-limit.ts), requests per member and per address. */
  security: {
    /** Per client address and user name or token prefix (and per address for failures that name neither). */
    authFailuresPerWindow: number;
    /** Per client address in all: the backstop against spraying many user names. */
    authFailuresPerAddressPerWindow: number;
    authFailureWindowSeconds: number;
    requestsPerMemberPerMinute: number;
    requestsPerAddressPerMinute: number;
  };
  /** The API root where every member finds its personal feed; none when undefined. */
  sharing: { feedApiRoot?: string; policyChangeWaitMs: number };
  /** Where the configuration was read from, for logs. */
  source: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export const DEFAULT_CONFIG_FILE = 'collections/concord.json';

type RawConfig = {
  server?: {
    host?: string;
    port?: number;
    public_base_url?: string;
    tls?: { cert_file: string; key_file: string };
    shutdown_timeout_ms?: number;
    max_header_bytes?: number;
    max_url_bytes?: number;
    headers_timeout_ms?: number;
    request_timeout_ms?: number;
    keep_alive_timeout_ms?: number;
    max_connections_per_address?: number;
    workers?: number;
    trust_proxy?: number | false;
  };
  log_level?: string;
  store?: { sqlite_file?: string; mongodb_uri?: string; mongodb_database?: string };
  taxii?: {
    page_size_default?: number;
    page_size_max?: number;
    status_retention_hours?: number;
    max_objects_per_envelope?: number;
    max_json_depth?: number;
    max_string_length?: number;
    max_array_length?: number;
    validation_threads?: number;
  };
  discovery?: { title: string; description?: string; contact?: string; default_api_root?: string };
  directory?: { dir?: string; apply_on_start?: boolean };
  security?: {
    auth_failures_per_window?: number;
    auth_failures_per_address_per_window?: number;
    auth_failure_window_seconds?: number;
    requests_per_member_per_minute?: number;
    requests_per_address_per_minute?: number;
  };
  sharing?: { feed_api_root?: string; policy_change_wait_ms?: number };
};

const validateRaw = new Ajv({ allErrors: true }).compile<RawConfig>(configSchema);

/** Reads the file named by CONCORD_CONFIG (or the default), overlays the environment, validates. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const file = path.resolve(cwd, env.CONCORD_CONFIG ?? DEFAULT_CONFIG_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError([`cannot read ${file}: ${(e as Error).message}`]);
  }
  return buildConfig(raw, env, file, cwd);
}

/** Validates a parsed configuration object; exported so that tests can configure without files. */
export function buildConfig(raw: unknown, env: NodeJS.ProcessEnv, source: string, cwd = process.cwd()): Config {
  const problems: string[] = [];
  if (!validateRaw(raw)) {
    for (const e of validateRaw.errors ?? []) {
      const where = e.instancePath || '(top level)';
      const extra = e.keyword === 'additionalProperties' ? ` '${String(e.params.additionalProperty)}'` : '';
      problems.push(`${source}: ${where} ${e.message ?? 'is invalid'}${extra}`);
    }
    throw new ConfigError(problems);
  }
  const r = raw as RawConfig;

  const port = envInteger(env, 'CONCORD_PORT', problems) ?? r.server?.port ?? 8080;
  const pageSizeDefault = envInteger(env, 'CONCORD_PAGE_SIZE_DEFAULT', problems) ?? r.taxii?.page_size_default ?? 100;
  const pageSizeMax = envInteger(env, 'CONCORD_PAGE_SIZE_MAX', problems) ?? r.taxii?.page_size_max ?? 1000;
  // Default: every core but the request thread's, at most 4, from four cores up. On two
  // cores (often two hyperthreads of one) a thread re-parsing the objects costs more than it
  // saves: measured +18–20% ingest time validating in place, +30–50% with one thread. A
  // publish validates a batch of 250 objects at a time, about 5 ms in place, so validating
  // in place holds no other request up for long.
  const cores = os.availableParallelism();
  const validationThreads =
    envInteger(env, 'CONCORD_VALIDATION_THREADS', problems) ?? r.taxii?.validation_threads ?? (cores >= 4 ? Math.min(4, cores - 1) : 0);
  const workers = envInteger(env, 'CONCORD_WORKERS', problems) ?? r.server?.workers ?? cores;
  if (workers < 1) problems.push(`CONCORD_WORKERS must be at least 1, got ${workers}`);
  if (port < 0 || port > 65535) problems.push(`CONCORD_PORT must be 0–65535, got ${port}`);
  if (pageSizeDefault < 1 || pageSizeMax < 1) problems.push('page sizes must be at least 1');
  if (pageSizeDefault > pageSizeMax) problems.push(`taxii.page_size_default (${pageSizeDefault}) exceeds page_size_max (${pageSizeMax})`);

  const tlsCert = env.CONCORD_TLS_CERT ?? r.server?.tls?.cert_file;
  const tlsKey = env.CONCORD_TLS_KEY ?? r.server?.tls?.key_file;
  let tls: Config['tls'];
  if (tlsCert || tlsKey) {
    if (!tlsCert || !tlsKey) problems.push('TLS needs both a certificate and a key (CONCORD_TLS_CERT, CONCORD_TLS_KEY)');
    else {
      tls = { certFile: path.resolve(cwd, tlsCert), keyFile: path.resolve(cwd, tlsKey) };
      for (const f of [tls.certFile, tls.keyFile]) if (!fs.existsSync(f)) problems.push(`TLS file not found: ${f}`);
    }
  }

  const publicBaseUrl = env.CONCORD_PUBLIC_URL ?? r.server?.public_base_url;
  // TAXII 2.1 §4.1.1: absolute API root URLs MUST be HTTPS.
  if (publicBaseUrl !== undefined && !/^https:\/\/[^?#]+[^/?#]$/.test(publicBaseUrl)) {
    problems.push(`public base URL must be an absolute https URL without a trailing slash, got '${publicBaseUrl}'`);
  }
  const logLevel = env.CONCORD_LOG_LEVEL ?? r.log_level ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    problems.push(`CONCORD_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got '${logLevel}'`);
  }

  const dataDir = env.CONCORD_DATA_DIR ? path.resolve(cwd, env.CONCORD_DATA_DIR) : undefined;
  const sqliteFile =
    env.CONCORD_SQLITE_FILE ??
    (dataDir ? path.join(dataDir, 'concord.db') : path.resolve(cwd, r.store?.sqlite_file ?? 'data/concord.db'));

  const mongodb = mongodbSettings(env, r, problems);

  const defaultApiRoot = r.discovery?.default_api_root;
  // Relative to the configuration file's folder (collections/ for the shipped one).
  const directoryDir = env.CONCORD_DIRECTORY_DIR
    ? path.resolve(cwd, env.CONCORD_DIRECTORY_DIR)
    : path.resolve(path.dirname(path.resolve(cwd, source)), r.directory?.dir ?? '.');
  const applyOnStart = envBoolean(env, 'CONCORD_APPLY_ON_START', problems) ?? r.directory?.apply_on_start ?? false;
  const authFailuresPerWindow = r.security?.auth_failures_per_window ?? 30;
  // The backstop is far above the per-user limit, so that the users of one NAT or proxy
  // can all mistype before any of them is refused; never below it, where it would be the
  // only limit that counts.
  const authFailuresPerAddressPerWindow = r.security?.auth_failures_per_address_per_window ?? authFailuresPerWindow * 10;
  if (authFailuresPerAddressPerWindow < authFailuresPerWindow) {
    problems.push(
      `security.auth_failures_per_address_per_window (${authFailuresPerAddressPerWindow}) is below security.auth_failures_per_window (${authFailuresPerWindow})`,
    );
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    host: env.CONCORD_HOST ?? r.server?.host ?? '127.0.0.1',
    port,
    ...(publicBaseUrl !== undefined ? { publicBaseUrl } : {}),
    ...(tls ? { tls } : {}),
    shutdownTimeoutMs: r.server?.shutdown_timeout_ms ?? 10_000,
    workers,
    http: {
      maxHeaderBytes: r.server?.max_header_bytes ?? 16_384,
      maxUrlBytes: r.server?.max_url_bytes ?? 8_192,
      headersTimeoutMs: r.server?.headers_timeout_ms ?? 20_000,
      requestTimeoutMs: r.server?.request_timeout_ms ?? 120_000,
      keepAliveTimeoutMs: r.server?.keep_alive_timeout_ms ?? 5_000,
      maxConnectionsPerAddress: r.server?.max_connections_per_address ?? 100,
      trustProxy: r.server?.trust_proxy ?? false,
    },
    logLevel,
    sqliteFile,
    ...(mongodb ? { mongodb } : {}),
    pageSizeDefault,
    pageSizeMax,
    statusRetentionHours: r.taxii?.status_retention_hours ?? 24 * 7,
    maxObjectsPerEnvelope: r.taxii?.max_objects_per_envelope ?? 100_000,
    maxJsonDepth: r.taxii?.max_json_depth ?? 100,
    maxStringLength: r.taxii?.max_string_length ?? 4_194_304,
    maxArrayLength: r.taxii?.max_array_length ?? 50_000,
    validationThreads,
    discovery: {
      title: r.discovery?.title ?? 'Concord TAXII 2.1 server',
      ...(r.discovery?.description !== undefined ? { description: r.discovery.description } : {}),
      ...(r.discovery?.contact !== undefined ? { contact: r.discovery.contact } : {}),
      ...(defaultApiRoot !== undefined ? { defaultApiRoot } : {}),
    },
    directory: { dir: directoryDir, applyOnStart },
    sharing: { ...(r.sharing?.feed_api_root !== undefined ? { feedApiRoot: r.sharing.feed_api_root } : {}), policyChangeWaitMs: r.sharing?.policy_change_wait_ms ?? 500 },
    security: {
      authFailuresPerWindow,
      authFailuresPerAddressPerWindow,
      authFailureWindowSeconds: r.security?.auth_failure_window_seconds ?? 300,
      requestsPerMemberPerMinute: r.security?.requests_per_member_per_minute ?? 6_000,
      requestsPerAddressPerMinute: r.security?.requests_per_address_per_minute ?? 12_000,
    },
    bootstrapAdmin: {
      ...(env.CONCORD_ADMIN_PASSWORD ? { password: env.CONCORD_ADMIN_PASSWORD } : {}),
      ...(env.CONCORD_ADMIN_TOKEN ? { token: env.CONCORD_ADMIN_TOKEN } : {}),
    },
    source,
  };
}

/** MONGODB_URI / MONGODB_DATABASE over store.mongodb_uri / store.mongodb_database. */
function mongodbSettings(env: NodeJS.ProcessEnv, r: RawConfig, problems: string[]): Config['mongodb'] {
  const uri = env.MONGODB_URI || r.store?.mongodb_uri;
  if (uri === undefined) return undefined;
  if (!/^mongodb(\+srv)?:\/\/./.test(uri)) {
    problems.push('MONGODB_URI must start with mongodb:// or mongodb+srv://');
    return undefined;
  }
  // The database: explicit, else the URI's path (mongodb://host/db?…), else 'concord'.
  const fromUri = /^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]+)/.exec(uri)?.[1];
  const database = env.MONGODB_DATABASE || r.store?.mongodb_database || (fromUri ? decodeURIComponent(fromUri) : 'concord');
  if (!/^[A-Za-z0-9_-]{1,63}$/.test(database)) problems.push(`MongoDB database name must be 1–63 letters, digits, '_' or '-', got '${database}'`);
  return { uri, database };
}

function envBoolean(env: NodeJS.ProcessEnv, name: string, problems: string[]): boolean | undefined {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  problems.push(`${name} must be true or false, got '${value}'`);
  return undefined;
}

function envInteger(env: NodeJS.ProcessEnv, name: string, problems: string[]): number | undefined {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value)) {
    problems.push(`${name} must be a whole number, got '${value}'`);
    return undefined;
  }
  return Number(value);
}


