// The access matrix: every TAXII endpoint is tried with each kind of caller
// (no credential, a bad one, the wrong scheme, an expired, revoked or suspended
// credential, a member without access, read-only, write-only, read-write, admin) and
// must answer the expected status, and nothing of what the caller may not see may leak.
//
// makeMatrixApp() builds the test application (test-app.ts's principals and collections)
// plus the extra principals, seeds one object in SHARED (by member) and one in HIDDEN (by
// admin), and exposes the audit recorder. forEachAccessCase() is the table-driven runner.
import pino from 'pino';
import request from 'supertest';
import type express from 'express';
import { buildConfig, type Config } from '../../src/config';
import { createConcord } from '../../src/main';
import { newTestStore } from './test-store';
import type { Store } from '../../src/store/store';
import type { AuditRecorder } from '../../src/audit/audit-recorder';
import type { DirectoryChange } from '../../src/directory/records';
import { hashToken } from '../../src/access/secrets';
import { StixValidator } from '../../src/stix/stix-validator';
import { HIDDEN, PASSWORDS, SHARED, TAXII, TOKENS, objectsUrl, testConfigObject, testDirectoryChanges } from './test-app';
import { envelope, indicator } from './stix-fixtures';

export const ACCESS_CASES = [
  'none',
  'badCredential',
  'wrongScheme',
  'expired',
  'revoked',
  'suspended',
  'otherMember',
  'readOnly',
  'writeOnly',
  'readWrite',
  'admin',
] as const;
export type AccessCase = (typeof ACCESS_CASES)[number];
export type Expectations = Record<AccessCase, number>;

/** Tokens of the extra principals (the others are test-app.ts's TOKENS). */
export const MATRIX_TOKENS = {
  expired: 'member-expired-token-0123456789',
  revoked: 'member-revoked-token-0123456789',
  suspended: 'suspended-token-0123456789',
  writeOnly: 'writeonly-token-0123456789',
} as const;

/** Every token and password the matrix uses: none may appear in a body, header or audit entry. */
export const ALL_SECRETS: string[] = [...Object.values(TOKENS), ...Object.values(MATRIX_TOKENS), PASSWORDS.member.password];

/** The Authorization header sent for each case (undefined: none). */
export function authorization(c: AccessCase): string | undefined {
  switch (c) {
    case 'none':
      return undefined;
    case 'badCredential':
      return 'Bearer not-a-token-of-this-hub';
    case 'wrongScheme':
      return `NotBasic ${Buffer.from(`${PASSWORDS.member.username}:${PASSWORDS.member.password}`).toString('base64')}`;
    case 'expired':
      return `Bearer ${MATRIX_TOKENS.expired}`;
    case 'revoked':
      return `Bearer ${MATRIX_TOKENS.revoked}`;
    case 'suspended':
      return `Bearer ${MATRIX_TOKENS.suspended}`;
    case 'otherMember':
      return `Bearer ${TOKENS.outsider}`;
    case 'readOnly':
      return `Bearer ${TOKENS.reader}`;
    case 'writeOnly':
      return `Bearer ${MATRIX_TOKENS.writeOnly}`;
    case 'readWrite':
      return `Bearer ${TOKENS.member}`;
    case 'admin':
      return `Bearer ${TOKENS.admin}`;
  }
}

/**
 * The extra principals: two more credentials of `member` (rw on SHARED), one expired and
 * one revoked; `suspended`, a suspended member with rw on SHARED; `writeonly`, a member
 * that may only add objects to SHARED. `reader` (r) and `outsider` (no access to the hub
 * API root) come from test-app.ts.
 */
export function matrixDirectoryChanges(): DirectoryChange[] {
  const token = (id: string, memberId: string, secret: string, extra: Record<string, number> = {}): DirectoryChange => ({
    op: 'put',
    kind: 'credential',
    record: { id, memberId, kind: 'token', role: 'publisher', prefix: id, secretHash: hashToken(secret), createdAt: 0, ...extra },
  });
  return [
    token('member-expired', 'member', MATRIX_TOKENS.expired, { expiresAt: Date.now() - 60_000 }),
    token('member-revoked', 'member', MATRIX_TOKENS.revoked, { revokedAt: Date.now() - 60_000 }),
    { op: 'put', kind: 'member', record: { id: 'suspended', name: 'Suspended member', groups: [], status: 'suspended' } },
    token('suspended-token-0', 'suspended', MATRIX_TOKENS.suspended),
    { op: 'put', kind: 'acl', record: { collectionId: SHARED, grantee: 'member:suspended', read: true, write: true } },
    { op: 'put', kind: 'member', record: { id: 'writeonly', name: 'Write-only member', groups: [], status: 'active' } },
    token('writeonly-token-0', 'writeonly', MATRIX_TOKENS.writeOnly),
    { op: 'put', kind: 'acl', record: { collectionId: SHARED, grantee: 'member:writeonly', read: false, write: true } },
  ];
}

export interface MatrixApp {
  app: express.Express;
  store: Store;
  config: Config;
  audit: AuditRecorder;
  /** Seeded: an indicator in SHARED (posted by member), one in HIDDEN (by admin), their statuses. */
  sharedObjectId: string;
  hiddenObjectId: string;
  memberStatusId: string;
  adminStatusId: string;
  close(): Promise<void>;
}

let sharedValidator: StixValidator | undefined;

/** `config` overlays test-app.ts's configuration (e.g. `security`). Throttling is off unless configured. */
export async function makeMatrixApp(options: { config?: Record<string, unknown>; seed?: boolean } = {}): Promise<MatrixApp> {
  const raw = testConfigObject({ security: { auth_failures_per_window: 1_000_000, requests_per_member_per_minute: 1_000_000_000, requests_per_address_per_minute: 1_000_000_000 }, ...options.config });
  const { api_roots, users, ...serverConfig } = raw;
  const config = buildConfig(serverConfig, { CONCORD_VALIDATION_THREADS: '0' }, 'test');
  const store = await newTestStore();
  const changes = [...testDirectoryChanges({ api_roots, users }), ...matrixDirectoryChanges()];
  await store.applyDirectoryChanges(changes, [], await store.directoryRevision());
  const concord = await createConcord(config, pino({ level: 'silent' }), store, (sharedValidator ??= StixValidator.load()));
  const m: MatrixApp = {
    app: concord.app,
    store,
    config,
    audit: concord.audit,
    sharedObjectId: '',
    hiddenObjectId: '',
    memberStatusId: '',
    adminStatusId: '',
    close: async () => {
      await concord.sharing.distributor.stopBuilds();
      await concord.audit.close();
      await concord.closeValidation();
      await store.close();
    },
  };
  if (options.seed !== false) {
    const shared = indicator({ name: 'shared indicator' });
    const hidden = indicator({ name: 'hidden indicator' });
    m.sharedObjectId = shared.id as string;
    m.hiddenObjectId = hidden.id as string;
    m.memberStatusId = await postObjects(m.app, `Bearer ${TOKENS.member}`, SHARED, [shared]);
    m.adminStatusId = await postObjects(m.app, `Bearer ${TOKENS.admin}`, HIDDEN, [hidden]);
    await m.audit.flush();
  }
  return m;
}

async function postObjects(app: express.Express, authz: string, collection: string, objects: unknown[]): Promise<string> {
  const res = await request(app)
    .post(objectsUrl(collection))
    .set('Authorization', authz)
    .set('Accept', TAXII)
    .set('Content-Type', TAXII)
    .send(JSON.stringify(envelope(objects)));
  if (res.status !== 202) throw new Error(`seeding failed: ${res.status} ${res.text}`);
  return (JSON.parse(res.text) as { id: string }).id;
}

export interface EndpointCall {
  method: 'get' | 'post' | 'delete';
  url: string;
  /** POST body (sent as application/taxii+json;version=2.1). */
  body?: string;
}

/** Sends one request as the given case. */
export function callAs(app: express.Express, c: AccessCase, call: EndpointCall): request.Test {
  let r = request(app)[call.method](call.url).set('Accept', TAXII);
  const authz = authorization(c);
  if (authz !== undefined) r = r.set('Authorization', authz);
  if (call.body !== undefined) r = r.set('Content-Type', TAXII).send(call.body);
  return r;
}

/** A TAXII error body without its per-request id, for comparing two 404s. */
export function errorShape(text: string): Record<string, unknown> {
  const body = JSON.parse(text) as Record<string, unknown>;
  expect(typeof body.error_id).toBe('string');
  delete body.error_id;
  return body;
}

/** Strings that identify the HIDDEN collection and its content. */
export const HIDDEN_MARKERS = [HIDDEN, 'Hidden', '"hidden"', 'hidden indicator'];

/** Asserts that no marker and no secret appears in the body or in any header. */
export function assertNothingLeaks(res: request.Response, markers: string[] = HIDDEN_MARKERS): void {
  const headerText = JSON.stringify(res.headers);
  for (const m of [...markers, ...ALL_SECRETS]) {
    expect(res.text ?? '').not.toContain(m);
    expect(headerText).not.toContain(m);
  }
}

/** Checks every response must pass: TAXII media type; on errors, the error shape and no date headers. */
export function assertWellFormed(res: request.Response): void {
  expect(res.headers['content-type']).toBe(TAXII);
  if (res.status >= 400) {
    const body = JSON.parse(res.text) as Record<string, unknown>;
    expect(body.http_status).toBe(String(res.status));
    expect(typeof body.title).toBe('string');
    expect(body.error_id).toBe(res.headers['x-request-id']);
    expect(res.headers['x-taxii-date-added-first']).toBeUndefined();
    expect(res.headers['x-taxii-date-added-last']).toBeUndefined();
  }
  if (res.status === 401) expect(res.headers['www-authenticate']).toBe('Basic realm="Concord", Bearer realm="Concord"');
}

/**
 * Table-driven runner: one test per case, asserting the expected status, the checks of
 * assertWellFormed and assertNothingLeaks, then `check` (if given) for anything endpoint-
 * specific. `call` is computed per test (it may use the seeded ids); POST/DELETE calls
 * that change state should build a fresh target each time.
 */
export function forEachAccessCase(
  getApp: () => MatrixApp,
  call: (m: MatrixApp, c: AccessCase) => EndpointCall,
  expectations: Expectations,
  check?: (res: request.Response, c: AccessCase, m: MatrixApp) => void | Promise<void>,
): void {
  test.each(ACCESS_CASES.map((c) => [c, expectations[c]] as const))('%s → %i', async (c, status) => {
    const m = getApp();
    const res = await callAs(m.app, c, call(m, c));
    expect({ case: c, status: res.status }).toEqual({ case: c, status });
    assertWellFormed(res);
    if (c !== 'admin') assertNothingLeaks(res);
    if (check) await check(res, c, m);
  });
}

/** Statuses shared by every endpoint for the callers that are not let in. */
export const NOT_LET_IN = { none: 401, badCredential: 401, wrongScheme: 401, expired: 401, revoked: 401, suspended: 403 } as const;
