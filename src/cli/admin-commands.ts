// The admin commands of `concord` (members, credentials, collections, ACL entries, MOUs and
// the declarative directory files), working directly on the store the configuration names,
// through the admin services, so that every change is checked and audited like an API call.
// Each command is a function over a CliContext returning its exit code, so that tests
// run them in-process; concord.ts wires them to commander.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import type { Writable } from 'node:stream';
import type { Config } from '../config';
import type { LiveDirectory } from '../access/live-directory';
import pino from 'pino';
import type { Actor } from '../admin/actor';
import { AdminError } from '../admin/admin-error';
import type { AdminService } from '../admin/admin-service';
import { NothingToExplain } from '../sharing/explain';
import { applyFiles, DirectoryFilesError } from '../admin/apply-files';
import { applyInMemory } from '../directory/changes';
import { mouJsonProblems, readDirectoryFiles } from '../admin/directory-files';
import { checkDirectory } from '../admin/directory-integrity';
import { collectionToJson, credentialToJson, DEFAULT_MEDIA_TYPES, memberToJson, mouFromJson, mouToJson } from '../admin/directory-json';
import { describePlan, planDirectory, type PlannedChange } from '../admin/directory-plan';
import { HUB_MEMBER_ID } from '../directory/hub-ids';
import type { CollectionRecord, CredentialRecord, Mou, Role } from '../directory/records';
import type { Store } from '../store/store';
import { TaxiiError } from '../taxii/taxii-error';
import { openHub, type Hub } from '../hub';
import { parseRfc3339Millis } from '../vocabulary/time';

/** An expected failure: its message is printed without a stack, with this exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 2,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export interface CliContext {
  config: Config;
  /** Every part of the hub, built as the server builds it. */
  hub: Hub;
  store: Store;
  directory: LiveDirectory;
  admin: AdminService;
  actor: Actor;
  stdout: Writable;
  stderr: Writable;
  /** Whether stderr is a terminal (progress bars). */
  stderrIsTTY: boolean;
}

export function cliActor(): Actor {
  let user = 'unknown';
  try {
    user = os.userInfo().username;
  } catch {
    user = process.env.USER ?? 'unknown';
  }
  return { memberId: HUB_MEMBER_ID, source: `cli:${user}` };
}

/**
 * Opens the hub of the configuration (hub.ts), as the server does: a change that alters what
 * members may see re-materialises their views, and a release reaches the other members,
 * before the command returns. Warnings go to stderr. Close it with `ctx.hub.close()`.
 */
export async function openContext(
  config: Config,
  io: Partial<Pick<CliContext, 'stdout' | 'stderr' | 'stderrIsTTY' | 'actor'>> = {},
): Promise<CliContext> {
  const stderr = io.stderr ?? process.stderr;
  const logger = pino({ level: 'warn', base: { service: 'concord-cli' } }, stderr);
  const hub = await openHub(config, logger, { validationThreads: 0, compileWhenNeeded: true });
  return {
    config,
    hub,
    store: hub.store,
    directory: hub.directory,
    admin: hub.admin,
    actor: io.actor ?? cliActor(),
    stdout: io.stdout ?? process.stdout,
    stderr,
    stderrIsTTY: io.stderrIsTTY ?? process.stderr.isTTY === true,
  };
}

/** Runs a command: expected errors become a message on stderr and an exit code. */
export async function runCommand(ctx: Pick<CliContext, 'stderr'>, command: () => Promise<number>): Promise<number> {
  try {
    return await command();
  } catch (e) {
    const code = expectedError(e);
    if (!code) throw e;
    ctx.stderr.write(`${code.message}\n`);
    return code.exitCode;
  }
}

function expectedError(e: unknown): { message: string; exitCode: 1 | 2 } | undefined {
  if (e instanceof CliError) return { message: e.message, exitCode: e.exitCode };
  if (e instanceof AdminError) {
    const message = e.problems.length > 1 ? `${e.problems.length} problems:\n  - ${e.problems.join('\n  - ')}` : e.message;
    return { message, exitCode: e.status === 400 ? 2 : 1 };
  }
  if (e instanceof DirectoryFilesError) return { message: e.message, exitCode: 2 };
  if (e instanceof NothingToExplain) return { message: e.message, exitCode: 1 };
  if (e instanceof TaxiiError) return { message: `${e.title}: ${e.description ?? ''}`.trim(), exitCode: 1 };
  return undefined;
}

const write = (out: Writable, lines: string[]) => {
  if (lines.length > 0) out.write(`${lines.join('\n')}\n`);
};

const ROLES: readonly Role[] = ['reader', 'publisher', 'admin'];

function parseRole(role: string | undefined): Role {
  if (!role || !(ROLES as readonly string[]).includes(role)) throw new CliError(`--role must be reader, publisher or admin, got '${role ?? ''}'`);
  return role as Role;
}

/** `--expires 2027-01-01T00:00:00Z` or `--expires-in 90d` (s, m, h, d, w) → ms since the epoch. */
export function parseExpiry(opts: { expires?: string; expiresIn?: string }, now = Date.now()): number | undefined {
  if (opts.expires !== undefined && opts.expiresIn !== undefined) throw new CliError('give --expires or --expires-in, not both');
  if (opts.expires !== undefined) {
    const at = parseRfc3339Millis(opts.expires);
    if (at === undefined) throw new CliError(`--expires must be an RFC 3339 timestamp, got '${opts.expires}'`);
    if (at <= now) throw new CliError('--expires is in the past');
    return at;
  }
  if (opts.expiresIn !== undefined) {
    const m = /^(\d+)([smhdw])$/.exec(opts.expiresIn);
    if (!m) throw new CliError(`--expires-in must be a number and a unit (s, m, h, d, w), like 90d; got '${opts.expiresIn}'`);
    const unit = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 }[m[2] as 's' | 'm' | 'h' | 'd' | 'w'];
    return now + Number(m[1]) * unit;
  }
  return undefined;
}

const iso = (ms: number | undefined) => (ms === undefined ? '-' : new Date(ms).toISOString());

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}

// --- members ---

export async function memberAdd(
  ctx: CliContext,
  id: string,
  opts: { name: string; contact?: string; identity?: string; group?: string[] },
): Promise<number> {
  const member = await ctx.admin.members.create(ctx.actor, {
    id,
    name: opts.name,
    ...(opts.contact !== undefined ? { contact: opts.contact } : {}),
    ...(opts.identity !== undefined ? { identityRef: opts.identity } : {}),
    groups: opts.group ?? [],
    status: 'active',
  });
  ctx.stdout.write(`member ${member.id} added\n`);
  return 0;
}

export async function memberList(ctx: CliContext, opts: { json?: boolean }): Promise<number> {
  const members = (await ctx.admin.members.list()).sort((a, b) => a.id.localeCompare(b.id));
  if (opts.json) {
    ctx.stdout.write(`${JSON.stringify(members.map(memberToJson), null, 2)}\n`);
    return 0;
  }
  write(ctx.stdout, table([
    ['ID', 'STATUS', 'MANAGED', 'GROUPS', 'NAME'],
    ...members.map((m) => [m.id, m.status, m.managed ? 'files' : 'cli/api', m.groups.join(',') || '-', m.name]),
  ]));
  return 0;
}

export async function memberSetStatus(ctx: CliContext, id: string, status: 'active' | 'suspended'): Promise<number> {
  await ctx.admin.members.setStatus(ctx.actor, id, status);
  ctx.stdout.write(`member ${id} ${status === 'active' ? 'resumed' : 'suspended'}\n`);
  return 0;
}

/** `concord release MEMBER ID...`: embargo until released (MOU provide.embargo_until_released). */
export async function releaseObjects(ctx: CliContext, memberId: string, objectIds: string[]): Promise<number> {
  const released = await ctx.admin.releases.release(ctx.actor, memberId, objectIds);
  ctx.stdout.write(`released ${objectIds.length} object id(s) of ${memberId}: ${released} held version(s) delivered\n`);
  return 0;
}

// --- credentials ---

export async function tokenIssue(
  ctx: CliContext,
  memberId: string,
  opts: { role?: string; label?: string; expires?: string; expiresIn?: string },
): Promise<number> {
  const role = parseRole(opts.role);
  const expiresAt = parseExpiry(opts);
  const { credential, token } = await ctx.admin.credentials.issueToken(ctx.actor, memberId, {
    role,
    ...(opts.label !== undefined ? { label: opts.label } : {}),
    ...(expiresAt !== undefined ? { expiresAt } : {}),
  });
  // Only the token on stdout, so that scripts can capture it.
  ctx.stdout.write(`${token}\n`);
  ctx.stderr.write(`issued ${role} token ${credential.prefix}… (credential ${credential.id}) for ${memberId}; it is shown only now\n`);
  return 0;
}

export async function tokenRevoke(ctx: CliContext, credentialId: string): Promise<number> {
  const c = await ctx.admin.credentials.revoke(ctx.actor, credentialId);
  ctx.stdout.write(`credential ${c.id} (${c.prefix}) of ${c.memberId} revoked\n`);
  return 0;
}

export async function tokenList(ctx: CliContext, memberId: string | undefined, opts: { json?: boolean }): Promise<number> {
  const credentials = (await ctx.admin.credentials.list(memberId)).sort(
    (a, b) => a.memberId.localeCompare(b.memberId) || a.createdAt - b.createdAt,
  );
  if (opts.json) {
    ctx.stdout.write(`${JSON.stringify(credentials.map(credentialToJson), null, 2)}\n`);
    return 0;
  }
  const state = (c: CredentialRecord) =>
    c.revokedAt !== undefined ? `revoked ${iso(c.revokedAt)}` : c.expiresAt !== undefined && c.expiresAt <= Date.now() ? 'expired' : 'active';
  write(ctx.stdout, table([
    ['ID', 'MEMBER', 'KIND', 'ROLE', 'PREFIX', 'CREATED', 'EXPIRES', 'STATE', 'LABEL'],
    ...credentials.map((c) => [c.id, c.memberId, c.kind, c.role, c.prefix, iso(c.createdAt), iso(c.expiresAt), state(c), c.label ?? '']),
  ]));
  return 0;
}

export async function passwordSet(
  ctx: CliContext,
  memberId: string,
  opts: { username: string; role?: string; label?: string; expires?: string; expiresIn?: string },
  /** From stdin; undefined or empty: generate one and print it. */
  password: string | undefined,
): Promise<number> {
  const role = parseRole(opts.role);
  const expiresAt = parseExpiry(opts);
  const given = password !== undefined && password !== '' ? password : undefined;
  const result = await ctx.admin.credentials.addPassword(ctx.actor, memberId, {
    role,
    username: opts.username,
    ...(given !== undefined ? { password: given } : {}),
    ...(opts.label !== undefined ? { label: opts.label } : {}),
    ...(expiresAt !== undefined ? { expiresAt } : {}),
  });
  if (given === undefined) ctx.stdout.write(`${result.password}\n`);
  ctx.stderr.write(
    `password credential ${result.credential.id} (username ${opts.username}, ${role}) set for ${memberId}` +
      `${given === undefined ? '; the generated password is shown only now' : ''}\n`,
  );
  return 0;
}

// --- collections and ACL entries ---

/** A collection by id, or by alias when that alias is unique across API roots. */
export async function findCollection(ctx: CliContext, idOrAlias: string): Promise<CollectionRecord> {
  const all = await ctx.admin.collections.list();
  const byId = all.find((c) => c.id === idOrAlias);
  if (byId) return byId;
  const byAlias = all.filter((c) => c.alias === idOrAlias);
  if (byAlias.length === 1) return byAlias[0] as CollectionRecord;
  if (byAlias.length > 1) {
    throw new CliError(`alias '${idOrAlias}' names collections in API roots ${byAlias.map((c) => c.apiRoot).join(', ')}; give the id`);
  }
  throw new CliError(`collection '${idOrAlias}' does not exist`, 1);
}

const VALIDATION = ['strict', 'standard', 'permissive'] as const;

export async function collectionAdd(
  ctx: CliContext,
  opts: { apiRoot: string; title: string; id?: string; alias?: string; owner?: string; description?: string; validation?: string },
): Promise<number> {
  const validation = opts.validation ?? 'standard';
  if (!(VALIDATION as readonly string[]).includes(validation)) {
    throw new CliError(`--validation must be strict, standard or permissive, got '${validation}'`);
  }
  const c = await ctx.admin.collections.create(ctx.actor, {
    id: opts.id ?? crypto.randomUUID(),
    apiRoot: opts.apiRoot,
    title: opts.title,
    ...(opts.alias !== undefined ? { alias: opts.alias } : {}),
    ...(opts.description !== undefined ? { description: opts.description } : {}),
    ...(opts.owner !== undefined ? { owner: opts.owner } : {}),
    mediaTypes: DEFAULT_MEDIA_TYPES,
    validation: validation as (typeof VALIDATION)[number],
    allowCustom: true,
  });
  ctx.stdout.write(`${c.id}\n`);
  ctx.stderr.write(`collection ${c.id} added to API root ${c.apiRoot}\n`);
  return 0;
}

export async function collectionList(ctx: CliContext, opts: { json?: boolean }): Promise<number> {
  const collections = (await ctx.admin.collections.list()).sort((a, b) => a.apiRoot.localeCompare(b.apiRoot) || a.title.localeCompare(b.title));
  if (opts.json) {
    ctx.stdout.write(`${JSON.stringify(collections.map(collectionToJson), null, 2)}\n`);
    return 0;
  }
  write(ctx.stdout, table([
    ['ID', 'API ROOT', 'ALIAS', 'OWNER', 'VALIDATION', 'TITLE'],
    ...collections.map((c) => [c.id, c.apiRoot, c.alias ?? '-', c.owner ?? '-', c.validation, c.title]),
  ]));
  return 0;
}

function checkGrantee(grantee: string): string {
  if (grantee !== 'everyone' && !/^(member|group):[^:\s]+$/.test(grantee)) {
    throw new CliError(`GRANTEE must be member:<id>, group:<id> or everyone, got '${grantee}'`);
  }
  return grantee;
}

export async function aclGrant(ctx: CliContext, collection: string, grantee: string, opts: { read?: boolean; write?: boolean }): Promise<number> {
  const c = await findCollection(ctx, collection);
  // Neither flag: read access.
  const read = opts.read === true || opts.write !== true;
  const entry = await ctx.admin.acl.grant(ctx.actor, { collectionId: c.id, grantee: checkGrantee(grantee), read, write: opts.write === true });
  ctx.stdout.write(`${entry.grantee} may ${[entry.read ? 'read' : '', entry.write ? 'write' : ''].filter(Boolean).join(' and ')} collection ${c.id}\n`);
  return 0;
}

export async function aclRevoke(ctx: CliContext, collection: string, grantee: string): Promise<number> {
  const c = await findCollection(ctx, collection);
  await ctx.admin.acl.revoke(ctx.actor, c.id, checkGrantee(grantee));
  ctx.stdout.write(`ACL entry ${grantee} removed from collection ${c.id}\n`);
  return 0;
}

// --- MOUs ---

const list = (values: readonly string[] | undefined, none: string) => (values === undefined || values.length === 0 ? none : values.join(', '));

/** A MOU as `mou show` prints it. */
export function describeMou(mou: Mou, isDefault: boolean): string[] {
  const { provide: p, receive: r } = mou;
  const lines = [
    `MOU of ${mou.memberId}${isDefault ? ' (none set: the defaults)' : mou.managed ? ' (managed by files)' : ' (set by cli/api)'}`,
    'provide:',
    `  default marking:      ${p.defaultMarking}`,
    `  audiences:            ${p.audiences.length === 0 ? 'the marking table (no clauses)' : ''}`.trimEnd(),
    ...p.audiences.map(
      (c) => `    - ${list(c.markings, 'clear, green, amber, amber+strict')} of ${list(c.types, 'every type')} to ${c.to.join(', ')}${c.except && c.except.length > 0 ? ` except ${c.except.join(', ')}` : ''}`,
    ),
    `  attribution:          ${p.attribution}`,
    `  strip:                ${list(p.strip, '-')}`,
    `  strip reference URLs: ${list(p.stripReferenceUrls, '-')}`,
    `  embargo:              ${[...(p.embargoHours === 0 ? [] : [`${p.embargoHours} h`]), ...(p.embargoUntilReleased === true ? ['until released'] : [])].join(', ') || 'none'}`,
    'receive:',
    `  types:                ${list(r.types, 'every type')}`,
    `  marking ceiling:      ${r.markingCeiling}`,
    `  sources:              ${list(r.sources, 'every provider')}`,
    `  pseudonymised:        ${r.acceptPseudonymised ? 'accepted' : 'refused'}`,
    `  relationship closed:  ${r.relationshipClosed ? 'yes' : 'no'}`,
  ];
  return lines;
}

export async function mouShow(ctx: CliContext, memberId: string, opts: { json?: boolean }): Promise<number> {
  const { mou, isDefault } = await ctx.admin.mous.get(memberId);
  if (opts.json) ctx.stdout.write(`${JSON.stringify(mouToJson(mou, isDefault), null, 2)}\n`);
  else write(ctx.stdout, describeMou(mou, isDefault));
  return 0;
}

/** `mou set MEMBER FILE`: FILE holds the MOU's JSON form; its `member`, if given, must be MEMBER. */
export async function mouSet(ctx: CliContext, memberId: string, file: string): Promise<number> {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CliError(`${file}: ${(e as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new CliError(`${file}: a MOU is a JSON object`);
  const body = json as Record<string, unknown>;
  if (body.member !== undefined && body.member !== memberId) throw new CliError(`${file} is the MOU of '${String(body.member)}', not of '${memberId}'`);
  const problems = mouJsonProblems({ ...body, member: memberId }, `${file}: `);
  if (problems.length > 0) throw new CliError(problems.length === 1 ? (problems[0] as string) : `${problems.length} problems:\n  - ${problems.join('\n  - ')}`);
  await ctx.admin.mous.put(ctx.actor, mouFromJson(body, memberId));
  ctx.stdout.write(`MOU of ${memberId} set\n`);
  return 0;
}

export async function mouDelete(ctx: CliContext, memberId: string): Promise<number> {
  await ctx.admin.mous.delete(ctx.actor, memberId);
  ctx.stdout.write(`MOU of ${memberId} deleted; it shares and receives under the defaults\n`);
  return 0;
}

// --- declarative directory files ---

export function summarisePlan(plan: readonly PlannedChange[]): string {
  const n = (a: PlannedChange['action']) => plan.filter((p) => p.action === a).length;
  return `${n('create')} to create, ${n('update')} to update, ${n('delete')} to delete`;
}

/** Every problem of the files, and of the directory applying them would produce. */
export async function configValidate(ctx: CliContext, dir: string): Promise<number> {
  const { files, spec, problems } = readDirectoryFiles(dir);
  if (problems.length === 0) {
    const current = (await ctx.admin.directory.snapshot()).data;
    const plan = planDirectory(current, spec);
    problems.push(...checkDirectory(applyInMemory(current, plan.map((p) => p.change))));
  }
  if (problems.length > 0) {
    write(ctx.stderr, [`${dir}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`, ...problems.map((p) => `  - ${p}`)]);
    return 2;
  }
  ctx.stdout.write(`${dir}: valid (${files.length} file${files.length === 1 ? '' : 's'})\n`);
  return 0;
}

export async function configPlan(ctx: CliContext, dir: string): Promise<number> {
  const { files, spec, problems } = readDirectoryFiles(dir);
  if (problems.length > 0) throw new DirectoryFilesError(problems);
  const current = (await ctx.admin.directory.snapshot()).data;
  const plan = planDirectory(current, spec);
  const after = checkDirectory(applyInMemory(current, plan.map((p) => p.change)));
  if (after.length > 0) throw new DirectoryFilesError(after);
  write(ctx.stdout, describePlan(plan));
  ctx.stdout.write(`${summarisePlan(plan)} (${files.length} files in ${dir})\n`);
  return 0;
}

export async function configApply(ctx: CliContext, dir: string): Promise<number> {
  const applied = await applyFiles(ctx.admin, ctx.actor, dir);
  if (applied.length === 0) {
    ctx.stdout.write('no changes\n');
    return 0;
  }
  write(ctx.stdout, describePlan(applied));
  const n = (a: PlannedChange['action']) => applied.filter((p) => p.action === a).length;
  ctx.stdout.write(`applied: ${n('create')} created, ${n('update')} updated, ${n('delete')} deleted\n`);
  return 0;
}
