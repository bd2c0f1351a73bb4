// The express application. buildApp never listens: main.ts does, and tests drive it
// with supertest.
import crypto from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';
import type { ObjectStore, StoreLifecycle } from '../store/store';
import type { AdminService } from '../admin/admin-service';
import type { Sharing } from '../sharing/sharing';
import { notFound } from '../taxii/taxii-error';
import { errorHandler } from './error-handler';
import { taxiiRouter, type TaxiiRouterDeps } from './taxii-router';
import { ADMIN_BASE, adminRouter } from './admin-router';
import { authFailureLimiter, type AuthFailureLimitOptions } from './rate-limit';
import { requestLimiters, type RequestLimitOptions } from './request-limits';
import { urlLengthLimit } from './connection-limits';
import { hostAndExpectation } from './host-and-expect';

export interface AppDeps extends TaxiiRouterDeps {
  /** How deep an admin API body may nest (a TAXII POST's depth is checked as its envelope is read). */
  maxJsonDepth: number;
  /** Failed authentications allowed per address and user, and per address, per window (off when absent). */
  authFailureLimit?: AuthFailureLimitOptions;
  /** Requests per member and per address and minute (off when absent). */
  requestLimit?: RequestLimitOptions;
  /** Longest URL accepted (414 beyond; off when absent). */
  maxUrlBytes?: number;
  /** Reverse-proxy hops whose X-Forwarded-For is believed (express `trust proxy`). */
  trustProxy?: number | false;
  store: ObjectStore & StoreLifecycle;
  logger: Logger;
  admin: AdminService;
  /** The sharing layer, for the admin API's explain and simulate. */
  sharing: Sharing;
  /** The server's start-up writes (src/startup-writes.ts); absent: done before the app was built. */
  startup?: StartupWritesProgress;
}

/** What the app sees of the start-up writes: requests that write wait for those they depend on. */
export interface StartupWritesProgress {
  state(): 'waiting' | 'ready' | 'failed';
  /** Whether requests that write may go ahead (the directory files and bootstrap admin are written). */
  writesOpen(): boolean;
  whenWritesOpen(): Promise<void>;
}

/** Methods that never write. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

// A client may pass its own request id for tracing; anything else gets a fresh UUID.
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

function requestId(req: Request, res: Response): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : crypto.randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

export function buildApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', false); // TAXII parameters are parsed from the raw URL (taxii/query-params.ts)
  // Behind a load balancer, per-address limits must see the client, not the proxy.
  app.set('trust proxy', deps.trustProxy ?? false);

  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: requestId,
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["proxy-authorization"]'], censor: '[redacted]' },
      serializers: {
        req: (req: { id: string; method: string; url: string; remoteAddress?: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url,
          remoteAddress: req.remoteAddress,
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    }),
  );
  app.use(helmet());
  app.use(hostAndExpectation());
  if (deps.maxUrlBytes !== undefined) app.use(urlLengthLimit(deps.maxUrlBytes));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // Ready: the store answers, so reads are served. Writes may still wait for the start-up
  // writes (MongoDB, a lease left by a dead process): the body says so, and /readyz/writes
  // answers 200 only once they are done (503 while waiting or after one failed for good).
  const writes = () => deps.startup?.state() ?? 'ready';
  app.get('/readyz', (_req, res) => {
    deps.store.ping().then(
      () => res.json(writes() === 'ready' ? { status: 'ready' } : { status: 'ready', writes: writes() }),
      (e: unknown) => {
        deps.logger.warn({ err: e }, 'store not ready');
        res.status(503).json({ status: 'unavailable' });
      },
    );
  });
  app.get('/readyz/writes', (_req, res) => {
    deps.store.ping().then(
      () => res.status(writes() === 'ready' ? 200 : 503).json({ status: writes() }),
      (e: unknown) => {
        deps.logger.warn({ err: e }, 'store not ready');
        res.status(503).json({ status: 'unavailable' });
      },
    );
  });

  // Before the TAXII router, which would take /admin for an API root.
  // One count of failed authentications (per address and user, and per address), for the admin API and TAXII alike.
  const authLimiter = deps.authFailureLimit ? authFailureLimiter(deps.authFailureLimit) : undefined;
  const limiters = deps.requestLimit ? requestLimiters(deps.requestLimit) : undefined;
  if (limiters) app.use(limiters.perAddress);
  const routerDeps = { ...deps, ...(authLimiter ? { authLimiter } : {}), ...(limiters ? { memberLimiter: limiters.perMember } : {}) };
  // A request that writes waits for the start-up writes of the directory files and the
  // bootstrap admin, so that it sees the directory they make; reads go ahead at once.
  const startup = deps.startup;
  if (startup) {
    app.use((req: Request, _res: Response, next: NextFunction) => {
      if (SAFE_METHODS.has(req.method) || startup.writesOpen()) return next();
      startup.whenWritesOpen().then(() => next(), next);
    });
  }
  app.use(ADMIN_BASE, adminRouter(routerDeps));
  app.use(taxiiRouter(routerDeps));
  app.use((_req: Request, _res: Response, next: NextFunction) => next(notFound('There is no TAXII endpoint at this URL.')));
  app.use(errorHandler(deps.logger));
  return app;
}
