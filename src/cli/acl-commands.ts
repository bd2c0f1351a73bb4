// `concord acl grant|revoke`: who may read and write a collection.
import type { AdminCommandContext } from './cli-context';
import { findCollection } from './collection-commands';
import { CliError } from './run-command';

/** The collection is named by id or alias, hence the collections service too. */
type AclContext = AdminCommandContext<'acl' | 'collections'>;

function checkGrantee(grantee: string): string {
  if (grantee !== 'everyone' && !/^(member|group):[^:\s]+$/.test(grantee)) {
    throw new CliError(`GRANTEE must be member:<id>, group:<id> or everyone, got '${grantee}'`);
  }
  return grantee;
}

export async function aclGrant(ctx: AclContext, collection: string, grantee: string, opts: { read?: boolean; write?: boolean }): Promise<number> {
  const c = await findCollection(ctx, collection);
  // Neither flag: read access.
  const read = opts.read === true || opts.write !== true;
  const entry = await ctx.admin.acl.grant(ctx.actor, { collectionId: c.id, grantee: checkGrantee(grantee), read, write: opts.write === true });
  ctx.stdout.write(`${entry.grantee} may ${[entry.read ? 'read' : '', entry.write ? 'write' : ''].filter(Boolean).join(' and ')} collection ${c.id}\n`);
  return 0;
}

export async function aclRevoke(ctx: AclContext, collection: string, grantee: string): Promise<number> {
  const c = await findCollection(ctx, collection);
  await ctx.admin.acl.revoke(ctx.actor, c.id, checkGrantee(grantee));
  ctx.stdout.write(`ACL entry ${grantee} removed from collection ${c.id}\n`);
  return 0;
}
