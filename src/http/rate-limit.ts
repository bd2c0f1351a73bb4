// Throttling of failed authentications (401s), counted two ways within one window, as
// OWASP's Authentication Cheat Sheet describes ("Login Throttling"):
//
// - per address and claimed identity: the Basic user name, or the public prefix of a token
//   in Concord's format (`concord_` + 8 characters, the prefix credential lists show). After
//   `maxFailures` of them, that identity from that address gets 429, and nobody else: one
//   user mistyping, or someone guessing one user's password, behind a NAT or proxy that
//   many members share no longer locks every other user of that address out. Failures that
//   claim no identity (no credentials, another scheme, a token of another form, such as a
//   CONCORD_ADMIN_TOKEN) count together per address under the same limit, as all failures
//   did before;
// - per address, every failure: after `maxFailuresPerAddress` (by default 10 × maxFailures)
//   the address gets 429 whatever it sends, the backstop against one address trying one
//   password over many user names (spraying).
//
// A throttled request is refused before its credentials are checked, with Retry-After (the
// seconds left in the window of the count that refused it) and a TAXII error.
//
// express-rate-limit's own middleware counts a request when it starts and takes it back
// when it ends successfully (skipSuccessfulRequests), so a client with more requests in
// flight than the limit would be refused although none of them failed. Here only 401s are
// ever counted, after the response: the counting store (windows, expiry) is
// express-rate-limit's MemoryStore, and IPv6 addresses are grouped by /56 as it does
// (ipKeyGenerator). The counts are per process.
import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { MemoryStore, ipKeyGenerator, type ClientRateLimitInfo, type Options } from 'express-rate-limit';
import basicAuth from 'basic-auth';
import { tokenPrefix } from '../access/secrets';
import { TaxiiError } from '../taxii/taxii-error';

export interface AuthFailureLimitOptions {
  /** Failures allowed per address and claimed identity (or per address, for failures that claim none). */
  maxFailures: number;
  /** Failures allowed per address in all; 10 × maxFailures when absent. */
  maxFailuresPerAddress?: number;
  windowSeconds: number;
}

export type AuthFailureLimiter = ((req: Request, res: Response, next: NextFunction) => void) & {
  /** Stops the store's cleanup timer and forgets every address. */
  shutdown(): void;
};

/** Whom an Authorization header claims to be, in the words of a refusal; undefined when it claims no one. */
interface Claim {
  key: string;
  what: 'user name' | 'token';
}

/** The Basic user name, or the public prefix of a Concord token; undefined for anything else. */
export function claimOf(authorization: string | undefined): Claim | undefined {
  if (authorization === undefined) return undefined;
  const basic = basicAuth.parse(authorization);
  if (basic) return { key: `user ${basic.name}`, what: 'user name' };
  const token = /^(?:Bearer|Token) +(\S+) *$/i.exec(authorization)?.[1];
  const prefix = token === undefined ? undefined : tokenPrefix(token);
  return prefix === undefined ? undefined : { key: `token ${prefix}`, what: 'token' };
}

// A user name may be as long as the request head: the count is kept under its digest.
const digest = (text: string) => crypto.createHash('sha256').update(text, 'utf8').digest('base64url');

export function authFailureLimiter(options: AuthFailureLimitOptions): AuthFailureLimiter {
  const windowMs = options.windowSeconds * 1000;
  const perAddress = options.maxFailuresPerAddress ?? options.maxFailures * 10;
  const store = new MemoryStore();
  store.init({ windowMs } as Options);

  const refusal = (client: ClientRateLimitInfo | undefined, limit: number, who: string): TaxiiError | undefined => {
    if (!client || client.totalHits < limit) return undefined;
    const resetMs = client.resetTime ? client.resetTime.getTime() - Date.now() : windowMs;
    const retryAfter = Math.max(1, Math.ceil(resetMs / 1000));
    return new TaxiiError(429, 'Too Many Requests', `Too many failed authentications ${who}; retry in ${retryAfter} seconds.`, {
      'Retry-After': String(retryAfter),
    });
  };

  const middleware = (req: Request, res: Response, next: NextFunction): void => {
    const address = ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown');
    const claim = claimOf(req.headers.authorization);
    const addressKey = `address ${address}`;
    const claimKey = claim ? `claim ${address} ${digest(claim.key)}` : `unclaimed ${address}`;
    Promise.all([store.get(addressKey), store.get(claimKey)]).then(
      ([all, claimed]) => {
        const refused =
          refusal(all, perAddress, 'from this address') ??
          refusal(claimed, options.maxFailures, claim ? `for this ${claim.what} from this address` : 'without a user name or a Concord token from this address');
        if (refused) return next(refused);
        res.once('finish', () => {
          if (res.statusCode !== 401) return;
          void store.increment(addressKey);
          void store.increment(claimKey);
        });
        next();
      },
      (e: unknown) => next(e),
    );
  };
  return Object.assign(middleware, { shutdown: () => store.shutdown() });
}
