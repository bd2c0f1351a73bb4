// Throttling of failed authentications. An address that has had
// `maxFailures` 401s within the window is refused with 429, Retry-After and a TAXII error,
// whatever credentials it sends, until its window ends; other addresses are not affected.
//
// express-rate-limit's own middleware counts a request when it starts and takes it back
// when it ends successfully (skipSuccessfulRequests), so a client with more requests in
// flight than the limit would be refused although none of them failed. Here only 401s are
// ever counted, after the response: the counting store (windows, expiry) is
// express-rate-limit's MemoryStore, and IPv6 addresses are grouped by /56 as it does
// (ipKeyGenerator). The count is per process.
import type { NextFunction, Request, Response } from 'express';
import { MemoryStore, ipKeyGenerator, type Options } from 'express-rate-limit';
import { TaxiiError } from '../taxii/taxii-error';

export interface AuthFailureLimitOptions {
  maxFailures: number;
  windowSeconds: number;
}

export type AuthFailureLimiter = ((req: Request, res: Response, next: NextFunction) => void) & {
  /** Stops the store's cleanup timer and forgets every address. */
  shutdown(): void;
};

export function authFailureLimiter(options: AuthFailureLimitOptions): AuthFailureLimiter {
  const windowMs = options.windowSeconds * 1000;
  const store = new MemoryStore();
  store.init({ windowMs } as Options);

  const middleware = (req: Request, res: Response, next: NextFunction): void => {
    const key = ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown');
    store.get(key).then(
      (client) => {
        if (client && client.totalHits >= options.maxFailures) {
          const resetMs = client.resetTime ? client.resetTime.getTime() - Date.now() : windowMs;
          const retryAfter = Math.max(1, Math.ceil(resetMs / 1000));
          return next(
            new TaxiiError(429, 'Too Many Requests', `Too many failed authentications from this address; retry in ${retryAfter} seconds.`, {
              'Retry-After': String(retryAfter),
            }),
          );
        }
        res.once('finish', () => {
          if (res.statusCode === 401) void store.increment(key);
        });
        next();
      },
      (e: unknown) => next(e),
    );
  };
  return Object.assign(middleware, { shutdown: () => store.shutdown() });
}
