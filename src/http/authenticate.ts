// Authentication: HTTP Basic (Microsoft Sentinel and several other clients can do
// nothing else) and Bearer tokens, through passport. 401 always carries WWW-Authenticate.
import type { NextFunction, Request, Response } from 'express';
import passport from 'passport';
import { Strategy as BearerStrategy } from 'passport-http-bearer';
import basicAuth from 'basic-auth';
import type { AuthResult, Authenticator } from '../access/authenticator';
import type { Principal } from '../access/principal';
import { badRequest, forbidden, unauthorized } from '../taxii/taxii-error';

export const CHALLENGE = 'Basic realm="Concord", Bearer realm="Concord"';

/**
 * passport-http's BasicStrategy is not used: it matches the scheme with an unanchored
 * /Basic/i (so "NotBasic <valid credentials>" passes) and cuts passwords at a second
 * colon. basic-auth parses RFC 7617 exactly, with a case-insensitive scheme (MISP sends
 * `basic`).
 */
class BasicStrategy extends passport.Strategy {
  override name = 'basic';

  constructor(private readonly authenticator: Authenticator) {
    super();
  }

  override authenticate(req: Request): void {
    const credentials = basicAuth(req);
    if (!credentials) return this.fail('Basic realm="Concord"', 401);
    this.authenticator.byPassword(credentials.name, credentials.pass).then(
      (result) => settle(this, result),
      (e: unknown) => this.error(e as Error),
    );
  }
}

/**
 * `Authorization: Token <token>`: the scheme of taxii2-client's own `TokenAuth` class
 * (taxii2client.common.TokenAuth), which its users reach for first. The same API tokens
 * as Bearer, nothing else; TAXII 2.1 §1.6.9 and §8.2.2 require HTTP Basic and leave other
 * schemes to the server. Checked by the interop suite (test/interop) and
 * test/http/client-quirks.test.ts.
 */
class TokenSchemeStrategy extends passport.Strategy {
  override name = 'token-scheme';

  constructor(private readonly authenticator: Authenticator) {
    super();
  }

  override authenticate(req: Request): void {
    const match = /^Token +([^\s]+) *$/i.exec(req.headers.authorization ?? '');
    if (!match) return this.fail(401);
    this.authenticator.byToken(match[1] as string).then(
      (result) => settle(this, result),
      (e: unknown) => this.error(e as Error),
    );
  }
}

/** A suspended member's valid credential is an error (403), not a failure to authenticate. */
function settle(strategy: passport.StrategyCreatedStatic, result: AuthResult): void {
  if (result.ok) strategy.success(result.principal);
  else if (result.reason === 'suspended') strategy.error(forbidden('Your organisation\'s access to the hub is suspended.'));
  else strategy.fail(401);
}

/** The authenticated principal of a request (set by `authenticate`). */
export function principalOf(res: Response): Principal {
  return res.locals.principal as Principal;
}

export function authenticate(authenticator: Authenticator) {
  const instance = new passport.Passport();
  instance.use(new BasicStrategy(authenticator));
  instance.use(new TokenSchemeStrategy(authenticator));
  instance.use(
    new BearerStrategy((token, done) => {
      authenticator.byToken(token).then(
        (result) => {
          if (result.ok) done(null, result.principal);
          else if (result.reason === 'suspended') done(forbidden('Your organisation\'s access to the hub is suspended.'));
          else done(null, false);
        },
        (e: unknown) => done(e as Error),
      );
    }),
  );
  return (req: Request, res: Response, next: NextFunction): void => {
    // Tokens in URLs end up in logs and proxies; passport-http-bearer would accept them.
    if (/[?&]access_token=/.test(req.originalUrl)) {
      return next(badRequest('Send credentials in the Authorization header, not in the URL.'));
    }
    instance.authenticate(['basic', 'bearer', 'token-scheme'], { session: false }, (err: unknown, principal: Principal | false) => {
      if (err) return next(err);
      if (!principal) return next(unauthorized(CHALLENGE));
      res.locals.principal = principal;
      next();
    })(req, res, next);
  };
}
