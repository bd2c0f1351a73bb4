// The admin API under /admin/v1/: JSON in, JSON out, problem details on error.
// Each route (admin/*-routes.ts): parse and validate (admin-query.ts, admin-schemas.ts),
// call one use case of its resource's admin service, send its JSON (directory-json.ts).
// Every route but the OpenAPI document needs an admin credential; the admin services
// record each change with the admin as its actor.
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import type { Authenticator } from '../access/authenticator';
import { authenticate, principalOf } from './authenticate';
import type { AuthFailureLimiter } from './rate-limit';
import { Problem, methodNotAllowedProblem, notFoundProblem, problemHandler } from './admin/admin-problem';
import { AdminCall } from './admin/admin-call';
import type { Method, Reply, Route } from './admin/admin-route';
import { adminRoutes, type AdminRoutesDeps } from './admin/admin-routes';

export const ADMIN_BASE = '/admin/v1';

export interface AdminRouterDeps extends AdminRoutesDeps {
  authenticator: Authenticator;
  maxJsonDepth: number;
  logger: Logger;
  authLimiter?: AuthFailureLimiter;
  memberLimiter?: RequestHandler;
}

/** Listing the routes calls no handler, so it needs no service. */
const LISTING_ONLY = { admin: {}, store: {}, sharing: {} } as unknown as AdminRoutesDeps;

/** Every route the admin API serves, as `METHOD /path` in OpenAPI form (for the document's test). */
export function adminRouteList(): Array<{ method: Method; path: string; public: boolean }> {
  return adminRoutes(LISTING_ONLY).map((r) => ({ method: r.method, path: r.path, public: r.public === true }));
}

function send(res: Response, reply: Reply): void {
  res.statusCode = reply.status;
  if (reply.location !== undefined) res.setHeader('Location', ADMIN_BASE + reply.location);
  if (reply.status === 204) {
    res.end();
    return;
  }
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(reply.body));
}

const expressPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');

export function adminRouter(deps: AdminRouterDeps): express.Router {
  const router = express.Router({ strict: false, caseSensitive: true });
  const routes = adminRoutes(deps);
  const handle = (route: Route) => async (req: Request, res: Response, next: NextFunction) => {
    try {
      send(res, await route.handler(new AdminCall(req, res, deps.maxJsonDepth)));
    } catch (e) {
      next(e);
    }
  };
  const allowOf = (path: string) =>
    [...new Set(routes.filter((r) => r.path === path).map((r) => r.method.toUpperCase()))].join(', ');
  const register = (selected: Route[]) => {
    for (const route of selected) router[route.method](expressPath(route.path), handle(route));
    for (const path of new Set(selected.map((r) => r.path))) {
      router.all(expressPath(path), (_req: Request, _res: Response, next: NextFunction) => next(methodNotAllowedProblem(allowOf(path))));
    }
  };

  router.use((_req: Request, res: Response, next: NextFunction) => {
    // Admin answers hold directory data and, once, secrets: never cached.
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  register(routes.filter((r) => r.public === true));
  // Before authentication: a throttled user's or address's credentials are not even checked.
  if (deps.authLimiter) router.use(deps.authLimiter);
  router.use(authenticate(deps.authenticator));
  if (deps.memberLimiter) router.use(deps.memberLimiter);
  router.use((_req: Request, res: Response, next: NextFunction) => {
    next(principalOf(res).admin ? undefined : new Problem(403, 'The admin API needs an admin credential.'));
  });
  register(routes.filter((r) => r.public !== true));
  router.use((_req: Request, _res: Response, next: NextFunction) => next(notFoundProblem()));
  router.use(problemHandler(deps.logger));
  return router;
}
