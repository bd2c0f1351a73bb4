// The admin API under /admin/v1/: JSON in, JSON out, problem details on error.
// Each route: parse and validate (admin-query.ts, admin-schemas.ts), call one use case of
// its resource's admin service, send its JSON (directory-json.ts). Every route but the
// OpenAPI document needs an admin credential; the admin services record each change with
// the admin as its actor.
import crypto from 'node:crypto';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import type { Authenticator } from '../access/authenticator';
import type { Actor } from '../admin/actor';
import type { AdminService } from '../admin/admin-service';
import {
  aclFromJson,
  aclToJson,
  apiRootFromJson,
  apiRootToJson,
  auditToJson,
  collectionFromJson,
  collectionToJson,
  credentialToJson,
  groupFromJson,
  groupToJson,
  memberFromJson,
  memberToJson,
  mouFromJson,
  mouToJson,
} from '../admin/directory-json';
import type { ApiRootRecord, CollectionRecord, GroupRecord, MemberRecord, Role } from '../directory/records';
import { authenticate, principalOf } from './authenticate';
import type { AuthFailureLimiter } from './rate-limit';
import { readJsonObject, type JsonObject } from './admin-body';
import { Problem, badRequestProblem, methodNotAllowedProblem, notFoundProblem, problemHandler } from './admin-problem';
import { parseAuditQuery, parseExplainQuery, parseSimulateQuery, queryOf } from './admin-query';
import { parseRfc3339Millis } from '../vocabulary/time';
import { GRANTEE, validateBody, type RequestSchema } from './admin-schemas';
import openApiDocument from '../../docs/admin-api.openapi.json';
import type { Store } from '../store/store';
import { explain, simulate, type ExplainSharing } from '../sharing/explain';

export const ADMIN_BASE = '/admin/v1';

export interface AdminRouterDeps {
  admin: AdminService;
  authenticator: Authenticator;
  maxJsonDepth: number;
  logger: Logger;
  authLimiter?: AuthFailureLimiter;
  memberLimiter?: RequestHandler;
  /** For explain and simulate: the store the views are in. */
  store: Store;
  /** The server's sharing layer: explain and simulate decide exactly as distribution does. */
  sharing: ExplainSharing;
}

/** What the policy routes (explain, simulate) need. */
type PolicyDeps = Pick<AdminRouterDeps, 'store' | 'sharing'>;

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

interface Reply {
  status: 200 | 201 | 204;
  body?: unknown;
  /** A path under /admin/v1 (201 only). */
  location?: string;
}

class Call {
  constructor(
    readonly req: Request,
    readonly res: Response,
    private readonly maxJsonDepth: number,
  ) {}

  param(name: string): string {
    return String(this.req.params[name]);
  }

  /** The query's parameters; anything not in `allowed` is a 400. */
  query(allowed: readonly string[] = []): Map<string, string> {
    return queryOf(this.req, allowed);
  }

  async body(schema: RequestSchema): Promise<JsonObject> {
    return validateBody(schema, await readJsonObject(this.req, this.maxJsonDepth));
  }

  get actor(): Actor {
    const principal = principalOf(this.res);
    const requestId = this.res.getHeader('X-Request-Id');
    return {
      memberId: principal.id,
      credentialPrefix: principal.credentialPrefix,
      ...(requestId !== undefined ? { requestId: String(requestId) } : {}),
      ...(this.req.ip !== undefined ? { source: this.req.ip } : {}),
    };
  }
}

interface Route {
  method: Method;
  /** OpenAPI form, relative to /admin/v1: `/members/{id}`. */
  path: string;
  /** Served without credentials. */
  public?: boolean;
  handler: (call: Call) => Promise<Reply>;
}

const ok = (body: unknown): Reply => ({ status: 200, body });
const created = (body: unknown, location: string): Reply => ({ status: 201, body, location });
const noContent = (): Reply => ({ status: 204 });
const seg = encodeURIComponent;

/** Only the fields the PATCH body names, converted by the resource's fromJson. */
function patchOf<R>(body: JsonObject, full: R, keys: Record<string, keyof R>): Partial<R> {
  const patch: Partial<R> = {};
  for (const jsonKey of Object.keys(body)) {
    const key = keys[jsonKey];
    if (key !== undefined) patch[key] = full[key];
  }
  return patch;
}

const MEMBER_KEYS: Record<string, keyof MemberRecord> = { name: 'name', contact: 'contact', identity_ref: 'identityRef', groups: 'groups', status: 'status' };
const GROUP_KEYS: Record<string, keyof GroupRecord> = { name: 'name', description: 'description' };
const API_ROOT_KEYS: Record<string, keyof ApiRootRecord> = { title: 'title', description: 'description', max_content_length: 'maxContentLength' };
const COLLECTION_KEYS: Record<string, keyof CollectionRecord> = {
  alias: 'alias',
  title: 'title',
  description: 'description',
  media_types: 'mediaTypes',
  validation: 'validation',
  allow_custom: 'allowCustom',
  owner: 'owner',
};

function adminRoutes(admin: AdminService, policy: PolicyDeps): Route[] {
  return [
    { method: 'get', path: '/openapi.json', public: true, handler: async () => ok(openApiDocument) },

    // --- members ---
    {
      method: 'get',
      path: '/members',
      handler: async (c) => (c.query(), ok({ members: (await admin.members.list()).map(memberToJson) })),
    },
    {
      method: 'post',
      path: '/members',
      handler: async (c) => {
        c.query();
        const member = await admin.members.create(c.actor, memberFromJson(await c.body('memberCreate')));
        return created(memberToJson(member), `/members/${seg(member.id)}`);
      },
    },
    { method: 'get', path: '/members/{id}', handler: async (c) => (c.query(), ok(memberToJson(await admin.members.get(c.param('id'))))) },
    {
      method: 'patch',
      path: '/members/{id}',
      handler: async (c) => {
        c.query();
        const body = await c.body('memberUpdate');
        const patch = patchOf(body, memberFromJson({ id: c.param('id'), name: '', ...body }), MEMBER_KEYS);
        return ok(memberToJson(await admin.members.update(c.actor, c.param('id'), patch)));
      },
    },
    { method: 'delete', path: '/members/{id}', handler: async (c) => (c.query(), await admin.members.delete(c.actor, c.param('id')), noContent()) },
    {
      method: 'post',
      path: '/members/{id}/suspend',
      handler: async (c) => (c.query(), ok(memberToJson(await admin.members.setStatus(c.actor, c.param('id'), 'suspended')))),
    },
    {
      method: 'post',
      path: '/members/{id}/resume',
      handler: async (c) => (c.query(), ok(memberToJson(await admin.members.setStatus(c.actor, c.param('id'), 'active')))),
    },

    // --- MOUs ---
    { method: 'get', path: '/mous', handler: async (c) => (c.query(), ok({ mous: (await admin.mous.list()).map((m) => mouToJson(m)) })) },
    {
      method: 'get',
      path: '/members/{id}/mou',
      handler: async (c) => {
        c.query();
        const { mou, isDefault } = await admin.mous.get(c.param('id'));
        return ok(mouToJson(mou, isDefault));
      },
    },
    {
      method: 'put',
      path: '/members/{id}/mou',
      handler: async (c) => {
        c.query();
        const mou = await admin.mous.put(c.actor, mouFromJson(await c.body('mouPut'), c.param('id')));
        return ok(mouToJson(mou));
      },
    },
    { method: 'delete', path: '/members/{id}/mou', handler: async (c) => (c.query(), await admin.mous.delete(c.actor, c.param('id')), noContent()) },
    {
      // Embargo until released (MOU provide.embargo_until_released): the member's objects reach the others now.
      method: 'post',
      path: '/members/{id}/releases',
      handler: async (c) => {
        c.query();
        const body = await c.body('releasePost');
        return ok({ released: await admin.releases.release(c.actor, c.param('id'), body.object_ids as string[]) });
      },
    },

    // --- credentials ---
    {
      method: 'get',
      path: '/members/{id}/credentials',
      handler: async (c) => (c.query(), ok({ credentials: (await admin.credentials.list(c.param('id'))).map(credentialToJson) })),
    },
    {
      method: 'post',
      path: '/members/{id}/credentials',
      handler: async (c) => {
        c.query();
        const body = await c.body('credentialCreate');
        const expiresAt = body.expires_at === undefined ? undefined : parseRfc3339Millis(body.expires_at as string);
        if (body.expires_at !== undefined && expiresAt === undefined) {
          throw badRequestProblem('The request body does not match the schema.', ['/expires_at is not a valid RFC 3339 date-time']);
        }
        const options = {
          role: body.role as Role,
          ...(body.label !== undefined ? { label: body.label as string } : {}),
          ...(expiresAt !== undefined ? { expiresAt } : {}),
        };
        if (body.kind === 'token') {
          const { credential, token } = await admin.credentials.issueToken(c.actor, c.param('id'), options);
          return created({ ...credentialToJson(credential), token }, `/credentials/${seg(credential.id)}`);
        }
        const { credential, password } = await admin.credentials.addPassword(c.actor, c.param('id'), {
          ...options,
          username: body.username as string,
          ...(body.password !== undefined ? { password: body.password as string } : {}),
        });
        return created({ ...credentialToJson(credential), password }, `/credentials/${seg(credential.id)}`);
      },
    },
    {
      method: 'get',
      path: '/credentials',
      handler: async (c) => ok({ credentials: (await admin.credentials.list(c.query(['member']).get('member'))).map(credentialToJson) }),
    },
    { method: 'get', path: '/credentials/{id}', handler: async (c) => (c.query(), ok(credentialToJson(await admin.credentials.get(c.param('id'))))) },
    {
      method: 'delete',
      path: '/credentials/{id}',
      handler: async (c) => (c.query(), ok(credentialToJson(await admin.credentials.revoke(c.actor, c.param('id'))))),
    },

    // --- groups ---
    { method: 'get', path: '/groups', handler: async (c) => (c.query(), ok({ groups: (await admin.groups.list()).map(groupToJson) })) },
    {
      method: 'post',
      path: '/groups',
      handler: async (c) => {
        c.query();
        const group = await admin.groups.create(c.actor, groupFromJson(await c.body('groupCreate')));
        return created(groupToJson(group), `/groups/${seg(group.id)}`);
      },
    },
    { method: 'get', path: '/groups/{id}', handler: async (c) => (c.query(), ok(groupToJson(await admin.groups.get(c.param('id'))))) },
    {
      method: 'patch',
      path: '/groups/{id}',
      handler: async (c) => {
        c.query();
        const body = await c.body('groupUpdate');
        const patch = patchOf(body, groupFromJson({ id: c.param('id'), name: '', ...body }), GROUP_KEYS);
        return ok(groupToJson(await admin.groups.update(c.actor, c.param('id'), patch)));
      },
    },
    { method: 'delete', path: '/groups/{id}', handler: async (c) => (c.query(), await admin.groups.delete(c.actor, c.param('id')), noContent()) },

    // --- API roots ---
    { method: 'get', path: '/api-roots', handler: async (c) => (c.query(), ok({ api_roots: (await admin.apiRoots.list()).map(apiRootToJson) })) },
    {
      method: 'post',
      path: '/api-roots',
      handler: async (c) => {
        c.query();
        const root = await admin.apiRoots.create(c.actor, apiRootFromJson(await c.body('apiRootCreate')));
        return created(apiRootToJson(root), `/api-roots/${seg(root.path)}`);
      },
    },
    { method: 'get', path: '/api-roots/{path}', handler: async (c) => (c.query(), ok(apiRootToJson(await admin.apiRoots.get(c.param('path'))))) },
    {
      method: 'patch',
      path: '/api-roots/{path}',
      handler: async (c) => {
        c.query();
        const body = await c.body('apiRootUpdate');
        const patch = patchOf(body, apiRootFromJson({ path: c.param('path'), title: '', ...body }), API_ROOT_KEYS);
        return ok(apiRootToJson(await admin.apiRoots.update(c.actor, c.param('path'), patch)));
      },
    },
    { method: 'delete', path: '/api-roots/{path}', handler: async (c) => (c.query(), await admin.apiRoots.delete(c.actor, c.param('path')), noContent()) },

    // --- collections ---
    {
      method: 'get',
      path: '/collections',
      handler: async (c) => {
        const apiRoot = c.query(['api_root']).get('api_root');
        if (apiRoot !== undefined) await admin.apiRoots.get(apiRoot);
        return ok({ collections: (await admin.collections.list(apiRoot)).map(collectionToJson) });
      },
    },
    {
      method: 'post',
      path: '/collections',
      handler: async (c) => {
        c.query();
        const body = await c.body('collectionCreate');
        const id = (body.id as string | undefined) ?? crypto.randomUUID();
        const collection = await admin.collections.create(c.actor, collectionFromJson({ ...body, id }, body.api_root as string));
        return created(collectionToJson(collection), `/collections/${seg(collection.id)}`);
      },
    },
    { method: 'get', path: '/collections/{id}', handler: async (c) => (c.query(), ok(collectionToJson(await admin.collections.get(c.param('id'))))) },
    {
      method: 'patch',
      path: '/collections/{id}',
      handler: async (c) => {
        c.query();
        const body = await c.body('collectionUpdate');
        const patch = patchOf(body, collectionFromJson({ id: c.param('id'), title: '', ...body }, ''), COLLECTION_KEYS);
        return ok(collectionToJson(await admin.collections.update(c.actor, c.param('id'), patch)));
      },
    },
    {
      method: 'delete',
      path: '/collections/{id}',
      handler: async (c) => (c.query(), await admin.collections.delete(c.actor, c.param('id')), noContent()),
    },

    // --- ACL ---
    { method: 'get', path: '/collections/{id}/acl', handler: async (c) => (c.query(), ok({ acl: (await admin.acl.list(c.param('id'))).map(aclToJson) })) },
    {
      method: 'put',
      path: '/collections/{id}/acl/{grantee}',
      handler: async (c) => {
        c.query();
        const grantee = checkedGrantee(c.param('grantee'));
        const body = await c.body('aclPut');
        return ok(aclToJson(await admin.acl.grant(c.actor, aclFromJson({ ...body, grantee }, c.param('id')))));
      },
    },
    {
      method: 'delete',
      path: '/collections/{id}/acl/{grantee}',
      handler: async (c) => (c.query(), await admin.acl.revoke(c.actor, c.param('id'), checkedGrantee(c.param('grantee'))), noContent()),
    },

    // --- audit ---
    {
      method: 'get',
      path: '/audit',
      handler: async (c) => {
        const { entries, more } = await admin.audit.query(parseAuditQuery(c.req));
        const last = entries[entries.length - 1];
        return ok({ entries: entries.map(auditToJson), more, ...(more && last?.seq !== undefined ? { next: String(last.seq) } : {}) });
      },
    },

    // --- policy: why a member sees what it sees ---
    {
      method: 'get',
      path: '/explain',
      handler: async (c) => {
        const { member, object } = parseExplainQuery(c.req);
        return ok(await explain(await admin.directory.snapshot(), policy.store, policy.sharing, member, object));
      },
    },
    {
      method: 'get',
      path: '/simulate',
      handler: async (c) => {
        const { member } = parseSimulateQuery(c.req);
        return ok(await simulate(await admin.directory.snapshot(), policy.store, policy.sharing, member));
      },
    },
  ];
}

function checkedGrantee(grantee: string): string {
  if (!GRANTEE.test(grantee)) throw badRequestProblem("The grantee must be 'everyone', 'member:<id>' or 'group:<id>'.");
  return grantee;
}

/** Every route the admin API serves, as `METHOD /path` in OpenAPI form (for the document's test). */
export function adminRouteList(): Array<{ method: Method; path: string; public: boolean }> {
  return adminRoutes(null as unknown as AdminService, null as unknown as PolicyDeps).map((r) => ({ method: r.method, path: r.path, public: r.public === true }));
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
  const routes = adminRoutes(deps.admin, deps);
  const handle = (route: Route) => async (req: Request, res: Response, next: NextFunction) => {
    try {
      send(res, await route.handler(new Call(req, res, deps.maxJsonDepth)));
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
  // Before authentication: a throttled address's credentials are not even checked.
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
