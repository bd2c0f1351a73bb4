// /mous and /members/{id}/mou: members' sharing agreements.
import type { MouAdmin } from '../../admin/mou-admin';
import { mouFromJson, mouToJson } from '../../admin/directory-json';
import { noContent, ok, type Route } from './admin-route';

export function mouRoutes(mous: MouAdmin): Route[] {
  return [
    { method: 'get', path: '/mous', handler: async (c) => (c.query(), ok({ mous: (await mous.list()).map((m) => mouToJson(m)) })) },
    {
      method: 'get',
      path: '/members/{id}/mou',
      handler: async (c) => {
        c.query();
        const { mou, isDefault } = await mous.get(c.param('id'));
        return ok(mouToJson(mou, { isDefault }));
      },
    },
    {
      method: 'put',
      path: '/members/{id}/mou',
      handler: async (c) => {
        c.query();
        const mou = await mous.put(c.actor, mouFromJson(await c.body('mouPut'), c.param('id')));
        return ok(mouToJson(mou));
      },
    },
    { method: 'delete', path: '/members/{id}/mou', handler: async (c) => (c.query(), await mous.delete(c.actor, c.param('id')), noContent()) },
  ];
}
