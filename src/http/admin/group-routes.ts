// /groups: groups of members, granted access together.
import type { GroupAdmin } from '../../admin/group-admin';
import { groupFromJson, groupToJson } from '../../admin/directory-json';
import type { GroupRecord } from '../../directory/records';
import { created, noContent, ok, seg, type Route } from './admin-route';
import { patchOf } from './patch-fields';

const GROUP_KEYS: Record<string, keyof GroupRecord> = { name: 'name', description: 'description' };

export function groupRoutes(groups: GroupAdmin): Route[] {
  return [
    { method: 'get', path: '/groups', handler: async (c) => (c.query(), ok({ groups: (await groups.list()).map(groupToJson) })) },
    {
      method: 'post',
      path: '/groups',
      handler: async (c) => {
        c.query();
        const group = await groups.create(c.actor, groupFromJson(await c.body('groupCreate')));
        return created(groupToJson(group), `/groups/${seg(group.id)}`);
      },
    },
    { method: 'get', path: '/groups/{id}', handler: async (c) => (c.query(), ok(groupToJson(await groups.get(c.param('id'))))) },
    {
      method: 'patch',
      path: '/groups/{id}',
      handler: async (c) => {
        c.query();
        const body = await c.body('groupUpdate');
        const patch = patchOf(body, groupFromJson({ id: c.param('id'), name: '', ...body }), GROUP_KEYS);
        return ok(groupToJson(await groups.update(c.actor, c.param('id'), patch)));
      },
    },
    { method: 'delete', path: '/groups/{id}', handler: async (c) => (c.query(), await groups.delete(c.actor, c.param('id')), noContent()) },
  ];
}
