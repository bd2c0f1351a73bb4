// /sharing/builds: the audience classes whose views a policy change is still building in
// the background (src/sharing/class-builds.ts), with their progress.
import type { Distributor } from '../../sharing/distributor';
import { ok, type Route } from './admin-route';

export function sharingRoutes(distributor: Pick<Distributor, 'buildProgress'>): Route[] {
  return [
    {
      method: 'get',
      path: '/sharing/builds',
      handler: async (c) => {
        c.query();
        return ok({ builds: await distributor.buildProgress() });
      },
    },
  ];
}
