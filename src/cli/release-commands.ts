// `concord release MEMBER ID...`: embargo until released (MOU provide.embargo_until_released).
import type { AdminCommandContext } from './cli-context';

export async function releaseObjects(ctx: AdminCommandContext<'releases'>, memberId: string, objectIds: string[]): Promise<number> {
  const released = await ctx.admin.releases.release(ctx.actor, memberId, objectIds);
  ctx.stdout.write(`released ${objectIds.length} object id(s) of ${memberId}: ${released} held version(s) delivered\n`);
  return 0;
}
