// /api-roots: the TAXII API roots.
import type { ApiRootAdmin } from '../../admin/api-root-admin';
import { apiRootFromJson, apiRootToJson } from '../../admin/directory-json';
import type { ApiRootRecord } from '../../directory/records';
import { created, noContent, ok, seg, type Route } from './admin-route';
import { patchOf } from './patch-fields';

const API_ROOT_KEYS: Record<string, keyof ApiRootRecord> = { title: 'title', description: 'description', max_content_length: 'maxContentLength' };

export function apiRootRoutes(apiRoots: ApiRootAdmin): Route[] {
  return [
    { method: 'get', path: '/api-roots', handler: async (c) => (c.query(), ok({ api_roots: (await apiRoots.list()).map(apiRootToJson) })) },
    {
      method: 'post',
      path: '/api-roots',
      handler: async (c) => {
        c.query();
        const root = await apiRoots.create(c.actor, apiRootFromJson(await c.body('apiRootCreate')));
        return created(apiRootToJson(root), `/api-roots/${seg(root.path)}`);
      },
    },
    { method: 'get', path: '/api-roots/{path}', handler: async (c) => (c.query(), ok(apiRootToJson(await apiRoots.get(c.param('path'))))) },
    {
      method: 'patch',
      path: '/api-roots/{path}',
      handler: async (c) => {
        c.query();
        const body = await c.body('apiRootUpdate');
        const patch = patchOf(body, apiRootFromJson({ path: c.param('path'), title: '', ...body }), API_ROOT_KEYS);
        return ok(apiRootToJson(await apiRoots.update(c.actor, c.param('path'), patch)));
      },
    },
    { method: 'delete', path: '/api-roots/{path}', handler: async (c) => (c.query(), await apiRoots.delete(c.actor, c.param('path')), noContent()) },
  ];
}
