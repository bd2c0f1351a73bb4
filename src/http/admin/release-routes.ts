// /members/{id}/releases: embargo until released (MOU provide.embargo_until_released), the
// member's objects reach the others now.
import type { ReleaseAdmin } from '../../admin/release-admin';
import { ok, type Route } from './admin-route';

export function releaseRoutes(releases: ReleaseAdmin): Route[] {
  return [
    {
      method: 'post',
      path: '/members/{id}/releases',
      handler: async (c) => {
        c.query();
        const body = await c.body('releasePost');
        return ok({ released: await releases.release(c.actor, c.param('id'), body.object_ids as string[]) });
      },
    },
  ];
}
