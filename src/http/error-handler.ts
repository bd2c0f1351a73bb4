// Every 4xx/5xx is a TAXII error resource (§3.6.1): title, description, error_id (the
// request id, also sent as X-Request-Id) and http_status as a string equal to the status.
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { TaxiiError } from '../taxii/taxii-error';
import { TAXII_MEDIA_TYPE } from '../taxii/taxii-service';

export function sendTaxiiError(res: Response, error: TaxiiError): void {
  const requestId = String(res.getHeader('X-Request-Id') ?? '');
  const body: Record<string, string> = { title: error.title };
  if (error.description !== undefined) body.description = error.description;
  body.error_id = requestId;
  body.http_status = String(error.status);
  res.statusCode = error.status;
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  res.setHeader('Content-Type', TAXII_MEDIA_TYPE);
  res.end(JSON.stringify(body));
}

/** Errors raised by body-parsing libraries carry `status`/`type`; everything else is a 500. */
function toTaxiiError(err: unknown): TaxiiError {
  if (err instanceof TaxiiError) return err;
  const e = err as { status?: number; statusCode?: number; type?: string; message?: string };
  const status = e.status ?? e.statusCode;
  if (status === 413) return new TaxiiError(413, 'Payload Too Large', 'The request body is too large.');
  if (status === 400 || e.type === 'request.aborted') return new TaxiiError(400, 'Bad Request', 'The request could not be read.');
  return new TaxiiError(500, 'Internal Server Error', 'The server could not complete the request; it has been logged.');
}

export function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) return next(err);
    const error = toTaxiiError(err);
    if (error.status >= 500) logger.error({ err, requestId: res.getHeader('X-Request-Id'), url: req.originalUrl }, 'request failed');
    sendTaxiiError(res, error);
  };
}
