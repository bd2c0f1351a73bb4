// Host and Expect, checked by the application rather than by Node's HTTP server, which
// answers both itself with an empty body (a bare 400 for a missing Host, a bare 417 for an
// expectation it cannot meet). Here they are TAXII error resources (§3.6.1; §3.1 lets
// every 4xx carry one) like every other refusal, with a request id and a log line.
// The listening server is set up for this in connection-limits.ts: `requireHostHeader:
// false`, and a 'checkExpectation' listener that hands the request to the application.
import type http from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { TaxiiError, badRequest } from '../taxii/taxii-error';

/** Requests Node's server found with an expectation other than 100-continue. */
const unmetExpectations = new WeakSet<http.IncomingMessage>();

/**
 * Node emits 'checkExpectation' (instead of answering a bare 417) for an HTTP/1.1 request
 * whose Expect is not 100-continue, once a listener exists; the request then goes to the
 * application marked, and `hostAndExpectation` refuses it.
 */
export function forwardUnmetExpectations(server: http.Server): void {
  server.on('checkExpectation', (req: http.IncomingMessage, res: http.ServerResponse) => {
    unmetExpectations.add(req);
    server.emit('request', req, res);
  });
}

const hostLines = (req: Request): number => {
  let n = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if ((req.rawHeaders[i] as string).toLowerCase() === 'host') n++;
  return n;
};

export function hostAndExpectation() {
  return (req: Request, _res: Response, next: NextFunction): void => {
    // RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request without a Host header,
    // or with more than one (Node keeps the first of several without a word).
    if (req.httpVersionMajor === 1 && req.httpVersionMinor === 1 && hostLines(req) !== 1) {
      const e = badRequest('An HTTP/1.1 request must carry exactly one Host header (RFC 9112 §3.2).');
      return next(new TaxiiError(e.status, e.title, e.description, { Connection: 'close' }));
    }
    // RFC 9110 §10.1.1: 100-continue is the only expectation; 417 for any other. The
    // connection is closed: the client may or may not send the body it announced.
    if (unmetExpectations.has(req)) {
      return next(
        new TaxiiError(
          417,
          'Expectation Failed',
          `This server meets no expectation but 100-continue (RFC 9110 §10.1.1); got Expect: '${String(req.headers.expect).slice(0, 100)}'.`,
          { Connection: 'close' },
        ),
      );
    }
    next();
  };
}
