// Admin API errors as RFC 9457 problem details (application/problem+json). AdminError
// keeps its status and problems; TAXII errors raised by shared middleware (authenticate,
// body reading) keep their status and headers (WWW-Authenticate, Allow); anything else
// is a logged 500 that reveals nothing.
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { AdminError } from '../../admin/admin-error';
import { NothingToExplain } from '../../sharing/explain';
import { TaxiiError } from '../../taxii/taxii-error';

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
};

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly problems: string[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'Problem';
  }
}

export const badRequestProblem = (detail: string, problems: string[] = []) => new Problem(400, detail, problems);
export const notFoundProblem = (detail = 'There is no admin API endpoint at this URL.') => new Problem(404, detail);
export const methodNotAllowedProblem = (allow: string) =>
  new Problem(405, `This endpoint supports ${allow}.`, [], { Allow: allow });

export function toProblem(err: unknown): Problem {
  if (err instanceof Problem) return err;
  if (err instanceof AdminError) return new Problem(err.status, err.message, err.problems);
  if (err instanceof NothingToExplain) return new Problem(err.status, err.message);
  if (err instanceof TaxiiError) return new Problem(err.status, err.description ?? err.title, [], err.headers);
  const e = err as { status?: number; statusCode?: number; type?: string };
  const status = e.status ?? e.statusCode;
  if (status === 413) return new Problem(413, 'The request body is too large.');
  if (status === 400 || e.type === 'request.aborted') return new Problem(400, 'The request could not be read.');
  return new Problem(500, 'The server could not complete the request; it has been logged.');
}

export function sendProblem(res: Response, problem: Problem): void {
  const body: Record<string, unknown> = {
    type: 'about:blank',
    title: TITLES[problem.status] ?? 'Error',
    status: problem.status,
    detail: problem.detail,
  };
  if (problem.problems.length > 0) body.problems = problem.problems;
  res.statusCode = problem.status;
  for (const [name, value] of Object.entries(problem.headers)) res.setHeader(name, value);
  res.setHeader('Content-Type', PROBLEM_MEDIA_TYPE);
  res.end(JSON.stringify(body));
}

export function problemHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) return next(err);
    const problem = toProblem(err);
    if (problem.status >= 500) logger.error({ err, requestId: res.getHeader('X-Request-Id'), url: req.originalUrl }, 'admin request failed');
    sendProblem(res, problem);
  };
}
