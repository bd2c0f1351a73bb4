// `concord mou show|set|delete`: members' sharing agreements.
import fs from 'node:fs';
import { mouJsonProblems } from '../admin/directory-files';
import { mouFromJson, mouToJson } from '../admin/directory-json';
import type { Mou } from '../directory/records';
import type { AdminCommandContext } from './cli-context';
import { writeLines } from './cli-output';
import { CliError } from './run-command';

type MouContext = AdminCommandContext<'mous'>;

const list = (values: readonly string[] | undefined, none: string) => (values === undefined || values.length === 0 ? none : values.join(', '));

/** A MOU as `mou show` prints it. */
export function describeMou(mou: Mou, { isDefault }: { isDefault: boolean }): string[] {
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
    `  hidden references:    ${p.redactReferences === 'withhold' ? 'withhold the object' : 'redact'}`,
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

export async function mouShow(ctx: MouContext, memberId: string, opts: { json?: boolean }): Promise<number> {
  const { mou, isDefault } = await ctx.admin.mous.get(memberId);
  if (opts.json) ctx.stdout.write(`${JSON.stringify(mouToJson(mou, { isDefault }), null, 2)}\n`);
  else writeLines(ctx.stdout, describeMou(mou, { isDefault }));
  return 0;
}

/** `mou set MEMBER FILE`: FILE holds the MOU's JSON form; its `member`, if given, must be MEMBER. */
export async function mouSet(ctx: MouContext, memberId: string, file: string): Promise<number> {
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

export async function mouDelete(ctx: MouContext, memberId: string): Promise<number> {
  await ctx.admin.mous.delete(ctx.actor, memberId);
  ctx.stdout.write(`MOU of ${memberId} deleted; it shares and receives under the defaults\n`);
  return 0;
}
