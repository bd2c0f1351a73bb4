// Reads a POST body within the API root's max_content_length (TAXII 2.1 §4.2.1: a body
// up to that size MUST NOT get a 413; a larger one does, before it is read whole).
import type { IncomingMessage } from 'node:http';
import getRawBody from 'raw-body';
import { TaxiiError, badRequest, payloadTooLarge } from '../taxii/taxii-error';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Whether JSON text nests objects/arrays deeper than `max`: one linear pass, before
 * JSON.parse, so that a 10,000-deep body costs nothing and reaches no recursive code.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/**
 * The body as text, checked for size, UTF-8 and nesting depth; parsing is left to the
 * use case (validation threads start on the text while the request thread parses it).
 */
export async function readBodyText(req: IncomingMessage, maxContentLength: number, maxDepth: number): Promise<string> {
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
  if (nestsDeeperThan(text, maxDepth)) {
    throw badRequest(`The request body nests deeper than ${maxDepth} levels.`);
  }
  return text;
}
