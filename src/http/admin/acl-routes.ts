// /collections/{id}/acl: who may read and write a collection.
import type { AclAdmin } from '../../admin/acl-admin';
import { aclFromJson, aclToJson } from '../../admin/directory-json';
import { badRequestProblem } from './admin-problem';
import { GRANTEE } from './admin-schemas';
import { noContent, ok, type Route } from './admin-route';

export function aclRoutes(acl: AclAdmin): Route[] {
  return [
    { method: 'get', path: '/collections/{id}/acl', handler: async (c) => (c.query(), ok({ acl: (await acl.list(c.param('id'))).map(aclToJson) })) },
    {
      method: 'put',
      path: '/collections/{id}/acl/{grantee}',
      handler: async (c) => {
        c.query();
        const grantee = checkedGrantee(c.param('grantee'));
        const body = await c.body('aclPut');
        return ok(aclToJson(await acl.grant(c.actor, aclFromJson({ ...body, grantee }, c.param('id')))));
      },
    },
    {
      method: 'delete',
      path: '/collections/{id}/acl/{grantee}',
      handler: async (c) => (c.query(), await acl.revoke(c.actor, c.param('id'), checkedGrantee(c.param('grantee'))), noContent()),
    },
  ];
}

function checkedGrantee(grantee: string): string {
  if (!GRANTEE.test(grantee)) throw badRequestProblem("The grantee must be 'everyone', 'member:<id>' or 'group:<id>'.");
  return grantee;
}
