// `concord member add|list|suspend|resume`.
import { memberToJson } from '../admin/directory-json';
import type { AdminCommandContext } from './cli-context';
import { table, writeLines } from './cli-output';

type MemberContext = AdminCommandContext<'members'>;

export async function memberAdd(
  ctx: MemberContext,
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

export async function memberList(ctx: MemberContext, opts: { json?: boolean }): Promise<number> {
  const members = (await ctx.admin.members.list()).sort((a, b) => a.id.localeCompare(b.id));
  if (opts.json) {
    ctx.stdout.write(`${JSON.stringify(members.map(memberToJson), null, 2)}\n`);
    return 0;
  }
  writeLines(ctx.stdout, table([
    ['ID', 'STATUS', 'MANAGED', 'GROUPS', 'NAME'],
    ...members.map((m) => [m.id, m.status, m.managed ? 'files' : 'cli/api', m.groups.join(',') || '-', m.name]),
  ]));
  return 0;
}

export async function memberSetStatus(ctx: MemberContext, id: string, status: 'active' | 'suspended'): Promise<number> {
  await ctx.admin.members.setStatus(ctx.actor, id, status);
  ctx.stdout.write(`member ${id} ${status === 'active' ? 'resumed' : 'suspended'}\n`);
  return 0;
}
