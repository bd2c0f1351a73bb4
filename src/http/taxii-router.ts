// TAXII 2.1 endpoints (§4, §5). Each route: authenticate, negotiate, call one use case,
// send its response. Paths are matched with or without the trailing slash.
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Authenticator } from '../access/authenticator';
import type { TaxiiResponse, TaxiiService } from '../taxii/taxii-service';
import { TAXII_MEDIA_TYPE } from '../taxii/taxii-service';
import type { PublishService } from '../taxii/publish-objects';
import type { Catalog } from '../taxii/catalog';
import { rawQueryOf } from '../taxii/query-params';
import { TaxiiError, notFound } from '../taxii/taxii-error';
import { assertAcceptable, assertPostContentType } from './media-types';
import { authenticate, principalOf } from './authenticate';
import { readBodyText } from './read-body-text';
import type { AuditRecorder } from '../audit/audit-recorder';
import type { AuditEntry } from '../directory/records';
import type { AuthFailureLimiter } from './rate-limit';

export interface TaxiiRouterDeps {
  taxii: TaxiiService;
  publish: PublishService;
  catalog: Catalog;
  authenticator: Authenticator;
  /** Where TAXII traffic is recorded (publishes at once, reads buffered); none: not audited. */
  audit?: AuditRecorder;
  /**
   * Failed-authentication throttling (per address and user, and per address); none: not
   * throttled. Shared with the admin router, so that failures anywhere count together.
   */
  authLimiter?: AuthFailureLimiter;
  /** Requests per member (src/http/request-limits.ts), after authentication. */
  memberLimiter?: RequestHandler;
}

type Handler = (req: Request, res: Response) => TaxiiResponse | Promise<TaxiiResponse>;

function send(res: Response, r: TaxiiResponse): void {
  res.statusCode = r.status;
  for (const [name, value] of Object.entries(r.headers)) res.setHeader(name, value);
  res.setHeader('Content-Type', TAXII_MEDIA_TYPE);
  res.end(r.body);
}

/** Query parameters whose names suggest a secret are never written to the audit log. */
const SECRET_PARAM = /token|passw|secret|auth|key|credential|session/i;

/** The raw query string minus anything secret-looking (cursors in `next` are kept). */
export function auditableQuery(originalUrl: string): string | undefined {
  const at = originalUrl.indexOf('?');
  if (at < 0) return undefined;
  const kept = originalUrl
    .slice(at + 1)
    .split('&')
    .filter((pair) => {
      if (pair === '') return false;
      const eq = pair.indexOf('=');
      let name = eq < 0 ? pair : pair.slice(0, eq);
      try {
        name = decodeURIComponent(name);
      } catch {
        // kept as sent
      }
      return !SECRET_PARAM.test(name);
    });
  return kept.length > 0 ? kept.join('&').slice(0, 2048) : undefined;
}

function auditEntry(req: Request, res: Response, r: TaxiiResponse): AuditEntry | undefined {
  const facts = r.audit;
  const principal = res.locals.principal as ReturnType<typeof principalOf> | undefined;
  if (!facts || !principal) return undefined;
  const details: Record<string, unknown> = { ...facts.details };
  if (facts.kind === 'read') {
    const query = auditableQuery(req.originalUrl);
    if (query !== undefined) details.query = query;
  }
  const requestId = res.getHeader('X-Request-Id');
  return {
    at: Date.now(),
    kind: facts.kind,
    action: facts.action,
    memberId: principal.id,
    credentialPrefix: principal.credentialPrefix,
    ...(typeof requestId === 'string' ? { requestId } : {}),
    ...(req.ip !== undefined ? { source: req.ip } : {}),
    ...(facts.apiRoot !== undefined ? { apiRoot: facts.apiRoot } : {}),
    ...(facts.collectionId !== undefined ? { collectionId: facts.collectionId } : {}),
    details,
  };
}

function routeWith(audit: AuditRecorder | undefined) {
  return (handler: Handler) =>
    async (req: Request, res: Response, next: NextFunction): Promise<void> => {
      try {
        assertAcceptable(req);
        const r = await handler(req, res);
        const entry = audit ? auditEntry(req, res, r) : undefined;
        // Changes are recorded before the client hears of them (right after the status is
        // saved); reads are buffered (see src/audit/audit-recorder.ts).
        if (entry && entry.kind === 'publish') await audit?.recordNow(entry);
        send(res, r);
        if (entry && entry.kind === 'read') audit?.recordLater(entry);
      } catch (e) {
        next(e);
      }
    };
}

function methodNotAllowed(allow: string) {
  return (_req: Request, _res: Response, next: NextFunction): void =>
    next(new TaxiiError(405, 'Method Not Allowed', `This endpoint supports ${allow}.`, { Allow: allow }));
}

const param = (req: Request, name: string): string => String(req.params[name]);

export function taxiiRouter(deps: TaxiiRouterDeps): express.Router {
  const { taxii, publish, catalog } = deps;
  const route = routeWith(deps.audit);
  const router = express.Router({ strict: false });
  // Before authentication: a throttled user's or address's credentials are not even checked.
  if (deps.authLimiter) router.use(deps.authLimiter);
  router.use(authenticate(deps.authenticator));
  if (deps.memberLimiter) router.use(deps.memberLimiter);

  router.get('/taxii2', route((_req, res) => taxii.discovery(principalOf(res))));
  router.all('/taxii2', methodNotAllowed('GET'));

  router.get('/:root', route((req, res) => taxii.apiRoot(principalOf(res), param(req, 'root'))));
  router.all('/:root', methodNotAllowed('GET'));

  router.get(
    '/:root/status/:statusId',
    route((req, res) => publish.getStatus(principalOf(res), param(req, 'root'), param(req, 'statusId'))),
  );
  router.all('/:root/status/:statusId', methodNotAllowed('GET'));

  router.get('/:root/collections', route((req, res) => taxii.collections(principalOf(res), param(req, 'root'))));
  router.all('/:root/collections', methodNotAllowed('GET'));

  router.get(
    '/:root/collections/:collection',
    route((req, res) => taxii.collection(principalOf(res), param(req, 'root'), param(req, 'collection'))),
  );
  router.all('/:root/collections/:collection', methodNotAllowed('GET'));

  router.get(
    '/:root/collections/:collection/manifest',
    route((req, res) =>
      taxii.getManifest(principalOf(res), param(req, 'root'), param(req, 'collection'), rawQueryOf(req.originalUrl)),
    ),
  );
  router.all('/:root/collections/:collection/manifest', methodNotAllowed('GET'));

  router.get(
    '/:root/collections/:collection/objects',
    route((req, res) =>
      taxii.getObjects(principalOf(res), param(req, 'root'), param(req, 'collection'), rawQueryOf(req.originalUrl)),
    ),
  );
  router.post(
    '/:root/collections/:collection/objects',
    route(async (req, res) => {
      const principal = principalOf(res);
      const root = param(req, 'root');
      const collection = param(req, 'collection');
      // Permission and media type are settled before a byte of the body is read.
      publish.assertCanPublish(principal, root, collection);
      assertPostContentType(req);
      const apiRoot = catalog.apiRoot(root);
      if (!apiRoot) throw notFound();
      return publish.addObjects(principal, root, collection, () => readBodyText(req, apiRoot.maxContentLength));
    }),
  );
  router.all('/:root/collections/:collection/objects', methodNotAllowed('GET, POST'));

  router.get(
    '/:root/collections/:collection/objects/:objectId',
    route((req, res) =>
      taxii.getObject(principalOf(res), param(req, 'root'), param(req, 'collection'), param(req, 'objectId'), rawQueryOf(req.originalUrl)),
    ),
  );
  router.delete(
    '/:root/collections/:collection/objects/:objectId',
    route((req, res) =>
      taxii.deleteObject(principalOf(res), param(req, 'root'), param(req, 'collection'), param(req, 'objectId'), rawQueryOf(req.originalUrl)),
    ),
  );
  router.all('/:root/collections/:collection/objects/:objectId', methodNotAllowed('GET, DELETE'));

  router.get(
    '/:root/collections/:collection/objects/:objectId/versions',
    route((req, res) =>
      taxii.getVersions(principalOf(res), param(req, 'root'), param(req, 'collection'), param(req, 'objectId'), rawQueryOf(req.originalUrl)),
    ),
  );
  router.all('/:root/collections/:collection/objects/:objectId/versions', methodNotAllowed('GET'));

  return router;
}
