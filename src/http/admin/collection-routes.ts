// /collections: the TAXII collections of every API root.
import crypto from 'node:crypto';
import type { ApiRootAdmin } from '../../admin/api-root-admin';
import type { CollectionAdmin } from '../../admin/collection-admin';
import { collectionFromJson, collectionToJson } from '../../admin/directory-json';
import type { CollectionRecord } from '../../directory/records';
import { created, noContent, ok, seg, type Route } from './admin-route';
import { patchOf } from './patch-fields';

const COLLECTION_KEYS: Record<string, keyof CollectionRecord> = {
  alias: 'alias',
  title: 'title',
  description: 'description',
  media_types: 'mediaTypes',
  validation: 'validation',
  allow_custom: 'allowCustom',
  owner: 'owner',
};

/** `apiRoots`: filtering by an API root that does not exist is a 404, not an empty list. */
export function collectionRoutes(collections: CollectionAdmin, apiRoots: Pick<ApiRootAdmin, 'get'>): Route[] {
  return [
    {
      method: 'get',
      path: '/collections',
      handler: async (c) => {
        const apiRoot = c.query(['api_root']).get('api_root');
        if (apiRoot !== undefined) await apiRoots.get(apiRoot);
        return ok({ collections: (await collections.list(apiRoot)).map(collectionToJson) });
      },
    },
    {
      method: 'post',
      path: '/collections',
      handler: async (c) => {
        c.query();
        const body = await c.body('collectionCreate');
        const id = (body.id as string | undefined) ?? crypto.randomUUID();
        const collection = await collections.create(c.actor, collectionFromJson({ ...body, id }, body.api_root as string));
        return created(collectionToJson(collection), `/collections/${seg(collection.id)}`);
      },
    },
    { method: 'get', path: '/collections/{id}', handler: async (c) => (c.query(), ok(collectionToJson(await collections.get(c.param('id'))))) },
    {
      method: 'patch',
      path: '/collections/{id}',
      handler: async (c) => {
        c.query();
        const body = await c.body('collectionUpdate');
        const patch = patchOf(body, collectionFromJson({ id: c.param('id'), title: '', ...body }, ''), COLLECTION_KEYS);
        return ok(collectionToJson(await collections.update(c.actor, c.param('id'), patch)));
      },
    },
    {
      method: 'delete',
      path: '/collections/{id}',
      handler: async (c) => (c.query(), await collections.delete(c.actor, c.param('id')), noContent()),
    },
  ];
}
