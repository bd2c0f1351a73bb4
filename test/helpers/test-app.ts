// Builds the real application over a real (in-memory or temporary-file) SQLite store,
// with a fixed set of principals, for supertest. The test configuration names API roots
// and users in one object for brevity; makeTestApp writes them into the store's
// directory (members, credentials, collections, ACL entries), as an admin would.
import pino from 'pino';
import type express from 'express';
import { buildConfig, type Config } from '../../src/config';
import { createConcord, type Concord } from '../../src/main';
import { newTestStore } from './test-store';
import type { Store } from '../../src/store/store';
import { hashPassword, hashToken } from '../../src/access/secrets';
import { StixValidator } from '../../src/stix/stix-validator';
import type { DirectoryChange } from '../../src/directory/records';
import { apiRootFromJson, collectionFromJson } from '../../src/admin/directory-json';

export const TAXII = 'application/taxii+json;version=2.1';

export const ROOT = 'hub';
export const OTHER_ROOT = 'isac';
/** Read and write for everybody who has access. */
export const SHARED = '11111111-1111-4111-8111-111111111111';
/** Read-only for the reader, write-only for the writer. */
export const FEED = '22222222-2222-4222-8222-222222222222';
/** Visible to the admin only. */
export const HIDDEN = '33333333-3333-4333-8333-333333333333';
/** In the other API root. */
export const PARTNER = '44444444-4444-4444-8444-444444444444';

export const TOKENS = {
  admin: 'admin-token-0123456789',
  member: 'member-token-0123456789',
  reader: 'reader-token-0123456789',
  writer: 'writer-token-0123456789',
  outsider: 'outsider-token-0123456789',
} as const;
export type Who = keyof typeof TOKENS;

export const PASSWORDS = { member: { username: 'member', password: 'member:pass:with:colons' } };

// Hashing with scrypt and compiling the STIX schemas are slow; do each once per test file.
const memberPasswordHash = hashPassword(PASSWORDS.member.password);
let sharedValidator: StixValidator | undefined;
const validator = (): StixValidator => (sharedValidator ??= StixValidator.load());

export function testConfigObject(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    discovery: { title: 'Concord test hub', description: 'test', contact: 'ops@example.org', default_api_root: ROOT },
    taxii: { page_size_default: 100, page_size_max: 1000 },
    // Tests make many failed logins and fast requests on purpose; throttling and request
    // limits have their own tests (test/security/throttling.test.ts, request-limits.test.ts).
    security: { auth_failures_per_window: 1_000_000, requests_per_member_per_minute: 1_000_000_000, requests_per_address_per_minute: 1_000_000_000 },
    // A policy change returns once its views are built, however loaded the machine: tests
    // read right after it. Background builds have their own test (test/sharing/class-builds.test.ts).
    sharing: { policy_change_wait_ms: 600_000 },
    api_roots: [
      {
        path: ROOT,
        title: 'Hub',
        description: 'Shared collections',
        max_content_length: 1_000_000,
        collections: [
          { id: SHARED, alias: 'shared', title: 'Shared', description: 'read and write' },
          { id: FEED, alias: 'feed', title: 'Feed' },
          { id: HIDDEN, alias: 'hidden', title: 'Hidden' },
        ],
      },
      { path: OTHER_ROOT, title: 'Partner', collections: [{ id: PARTNER, title: 'Partner feed' }] },
    ],
    users: [
      { id: 'admin', admin: true, token_sha256: [hashToken(TOKENS.admin)] },
      {
        id: 'member',
        username: PASSWORDS.member.username,
        password_scrypt: memberPasswordHash,
        token_sha256: [hashToken(TOKENS.member)],
        collections: { [SHARED]: 'rw', [FEED]: 'rw' },
      },
      { id: 'reader', token_sha256: [hashToken(TOKENS.reader)], collections: { [SHARED]: 'r', [FEED]: 'r' } },
      { id: 'writer', token_sha256: [hashToken(TOKENS.writer)], collections: { [SHARED]: 'rw', [FEED]: 'w' } },
      { id: 'outsider', token_sha256: [hashToken(TOKENS.outsider)], collections: { [PARTNER]: 'r' } },
    ],
    ...overrides,
  };
}

export interface TestApp {
  app: express.Express;
  /** The composed application (admin service, sharing, audit) for tests that need its parts. */
  concord: Concord;
  store: Store;
  config: Config;
  close(): Promise<void>;
}

type TestUser = {
  id: string;
  admin?: boolean;
  username?: string;
  password_scrypt?: string;
  token_sha256?: string[];
  collections?: Record<string, 'r' | 'w' | 'rw'>;
};
type TestRoot = Record<string, unknown> & { path: string; collections?: Array<Record<string, unknown>> };

/** The directory changes for a test configuration's `api_roots` and `users`. */
export function testDirectoryChanges(raw: Record<string, unknown>): DirectoryChange[] {
  const changes: DirectoryChange[] = [];
  for (const root of (raw.api_roots ?? []) as TestRoot[]) {
    changes.push({ op: 'put', kind: 'apiRoot', record: apiRootFromJson(root) });
    for (const c of root.collections ?? []) changes.push({ op: 'put', kind: 'collection', record: collectionFromJson(c, root.path) });
  }
  for (const u of (raw.users ?? []) as TestUser[]) {
    changes.push({ op: 'put', kind: 'member', record: { id: u.id, name: `Member ${u.id}`, groups: [], status: 'active' } });
    const role = u.admin ? 'admin' : 'publisher';
    (u.token_sha256 ?? []).forEach((hash, i) =>
      changes.push({
        op: 'put',
        kind: 'credential',
        record: { id: `${u.id}-token-${i}`, memberId: u.id, kind: 'token', role, prefix: `${u.id}-token-${i}`, secretHash: hash, createdAt: 0 },
      }),
    );
    if (u.username !== undefined && u.password_scrypt !== undefined) {
      changes.push({
        op: 'put',
        kind: 'credential',
        record: { id: `${u.id}-password`, memberId: u.id, kind: 'password', role, prefix: u.username, username: u.username, secretHash: u.password_scrypt, createdAt: 0 },
      });
    }
    for (const [collectionId, access] of Object.entries(u.collections ?? {})) {
      changes.push({ op: 'put', kind: 'acl', record: { collectionId, grantee: `member:${u.id}`, read: access.includes('r'), write: access.includes('w') } });
    }
  }
  return changes;
}

export async function makeTestApp(
  options: { config?: Record<string, unknown>; store?: Store; env?: NodeJS.ProcessEnv } = {},
): Promise<TestApp> {
  const { api_roots, users, ...serverConfig } = options.config ?? testConfigObject();
  // Validation in place unless a test asks for threads (test/stix/validation-pool.test.ts).
  const config = buildConfig(serverConfig, { CONCORD_VALIDATION_THREADS: '0', ...options.env }, 'test');
  const store = options.store ?? (await newTestStore());
  const changes = testDirectoryChanges({ api_roots, users });
  if (changes.length > 0) await store.applyDirectoryChanges(changes, [], await store.directoryRevision());
  const logger = pino({ level: 'silent' });
  const concord = await createConcord(config, logger, store, validator());
  const { app, closeValidation, audit } = concord;
  return {
    app,
    concord,
    store,
    config,
    close: async () => {
      await closeValidation();
      await concord.sharing.distributor.stopBuilds();
      await audit.close();
      await store.close();
    },
  };
}

/**
 * Builds an app in the enclosing block's hooks and hands it to `use`. `'all'`: one app for
 * every test of the block (beforeAll/afterAll), for tests that only read, or whose writes
 * no other test of the block looks at; building the app (store, schemas, directory) is
 * most of such a test's time. `'each'`: a new app for every test (beforeEach/afterEach),
 * for tests that write and then look at the collection as a whole.
 */
export function testAppFor(scope: 'all' | 'each', use: (t: TestApp) => void, options?: Parameters<typeof makeTestApp>[0]): void {
  let current: TestApp | undefined;
  const [before, after] = scope === 'all' ? [beforeAll, afterAll] : [beforeEach, afterEach];
  before(async () => {
    current = await makeTestApp(options);
    use(current);
  });
  after(async () => {
    await current?.close();
    current = undefined;
  });
}

export function auth(who: Who): [string, string] {
  return ['Authorization', `Bearer ${TOKENS[who]}`];
}

export const objectsUrl = (collection: string, root = ROOT) => `/${root}/collections/${collection}/objects/`;
export const manifestUrl = (collection: string, root = ROOT) => `/${root}/collections/${collection}/manifest/`;
export const objectUrl = (collection: string, id: string, root = ROOT) => `/${root}/collections/${collection}/objects/${id}/`;
export const versionsUrl = (collection: string, id: string, root = ROOT) =>
  `/${root}/collections/${collection}/objects/${id}/versions/`;
