// Request-rate limits: per client address before authentication, per member
// after it, so that one misbehaving SIEM — whatever credentials or addresses it uses —
// cannot starve the others. Beyond a limit: 429 with Retry-After and a TAXII error body
// (TAXII 2.1 §3.6.1; a problem document on the admin API). Fixed one-minute windows from
// express-rate-limit (IPv6 addresses grouped by /56); the counts are per process.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { rateLimit, ipKeyGenerator } from 'express-rate-limit';
import { principalOf } from './authenticate';
import { TaxiiError } from '../taxii/taxii-error';

export interface RequestLimitOptions {
  perMemberPerMinute: number;
  perAddressPerMinute: number;
}

function tooMany(who: string) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
    const retryAfter = Math.max(1, Math.ceil(((reset?.getTime() ?? Date.now() + 60_000) - Date.now()) / 1000));
    next(new TaxiiError(429, 'Too Many Requests', `Too many requests from this ${who}; retry in ${retryAfter} seconds.`, { 'Retry-After': String(retryAfter) }));
  };
}

export interface RequestLimiters {
  /** Before authentication: counts every request of an address. */
  perAddress: RequestHandler;
  /** After authentication: counts every request of the authenticated member. */
  perMember: RequestHandler;
}

export function requestLimiters(options: RequestLimitOptions): RequestLimiters {
  const common = { windowMs: 60_000, standardHeaders: 'draft-7' as const, legacyHeaders: false };
  return {
    perAddress: rateLimit({
      ...common,
      limit: options.perAddressPerMinute,
      keyGenerator: (req) => `address:${ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown')}`,
      handler: tooMany('address'),
    }),
    perMember: rateLimit({
      ...common,
      limit: options.perMemberPerMinute,
      keyGenerator: (_req, res) => `member:${principalOf(res).id}`,
      handler: tooMany('member'),
    }),
  };
}
