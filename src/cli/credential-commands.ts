// `concord token issue|revoke|list` and `concord password set`: a secret is printed once,
// when it is made; only its hash is stored.
import { credentialToJson } from '../admin/directory-json';
import type { CredentialRecord, Role } from '../directory/records';
import { parseRfc3339Millis } from '../vocabulary/time';
import type { AdminCommandContext } from './cli-context';
import { iso, table, writeLines } from './cli-output';
import { CliError } from './run-command';

type CredentialContext = AdminCommandContext<'credentials'>;

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

export async function tokenIssue(
  ctx: CredentialContext,
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

export async function tokenRevoke(ctx: CredentialContext, credentialId: string): Promise<number> {
  const c = await ctx.admin.credentials.revoke(ctx.actor, credentialId);
  ctx.stdout.write(`credential ${c.id} (${c.prefix}) of ${c.memberId} revoked\n`);
  return 0;
}

export async function tokenList(ctx: CredentialContext, memberId: string | undefined, opts: { json?: boolean }): Promise<number> {
  const credentials = (await ctx.admin.credentials.list(memberId)).sort(
    (a, b) => a.memberId.localeCompare(b.memberId) || a.createdAt - b.createdAt,
  );
  if (opts.json) {
    ctx.stdout.write(`${JSON.stringify(credentials.map(credentialToJson), null, 2)}\n`);
    return 0;
  }
  const state = (c: CredentialRecord) =>
    c.revokedAt !== undefined ? `revoked ${iso(c.revokedAt)}` : c.expiresAt !== undefined && c.expiresAt <= Date.now() ? 'expired' : 'active';
  writeLines(ctx.stdout, table([
    ['ID', 'MEMBER', 'KIND', 'ROLE', 'PREFIX', 'CREATED', 'EXPIRES', 'STATE', 'LABEL'],
    ...credentials.map((c) => [c.id, c.memberId, c.kind, c.role, c.prefix, iso(c.createdAt), iso(c.expiresAt), state(c), c.label ?? '']),
  ]));
  return 0;
}

export async function passwordSet(
  ctx: CredentialContext,
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
