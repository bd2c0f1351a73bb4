// Domain errors carry an HTTP status; one middleware (error-handler.ts) turns them
// into the TAXII 2.1 error resource (§3.6.1).
export class TaxiiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly description?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(description ?? title);
    this.name = 'TaxiiError';
  }
}

export const badRequest = (description: string) => new TaxiiError(400, 'Bad Request', description);
export const unauthorized = (challenge: string) =>
  new TaxiiError(401, 'Unauthorized', 'Authentication is required: HTTP Basic or a Bearer token.', {
    'WWW-Authenticate': challenge,
  });
export const forbidden = (description: string) => new TaxiiError(403, 'Forbidden', description);
export const notFound = (description = 'The resource was not found, or you do not have access to it.') =>
  new TaxiiError(404, 'Not Found', description);
export const notAcceptable = (
  description = 'This server answers with application/taxii+json;version=2.1; the Accept header does not allow it.',
) => new TaxiiError(406, 'Not Acceptable', description);
export const payloadTooLarge = (max: number) =>
  new TaxiiError(413, 'Payload Too Large', `The request body exceeds this API root's max_content_length of ${max} octets.`);
export const unsupportedMediaType = (got: string, reason?: string) =>
  new TaxiiError(
    415,
    'Unsupported Media Type',
    `${reason !== undefined ? `${reason} ` : ''}POST bodies must be application/taxii+json;version=2.1 (got '${got}').`,
  );
export const unprocessable = (description: string) => new TaxiiError(422, 'Unprocessable Entity', description);
