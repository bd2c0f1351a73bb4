// Reads a POST body within the API root's max_content_length (TAXII 2.1 §4.2.1: a body
// up to that size MUST NOT get a 413; a larger one does, before it is read whole).
import type { IncomingMessage } from 'node:http';
import getRawBody from 'raw-body';
import { TaxiiError, badRequest, payloadTooLarge } from '../taxii/taxii-error';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export async function readJsonBody(req: IncomingMessage, maxContentLength: number): Promise<unknown> {
  let buffer: Buffer;
  try {
    buffer = await getRawBody(req, { limit: maxContentLength, length: req.headers['content-length'] });
  } catch (e) {
    const err = e as { type?: string; status?: number };
    if (err.type === 'entity.too.large') throw payloadTooLarge(maxContentLength);
    if (err.type === 'request.size.invalid') throw badRequest('The body length does not match Content-Length.');
    throw new TaxiiError(400, 'Bad Request', 'The request body could not be read.');
  }
  let text: string;
  try {
    text = utf8.decode(buffer);
  } catch {
    throw badRequest('The request body is not valid UTF-8.');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw badRequest(`The request body is not valid JSON: ${(e as Error).message}`);
  }
}
