// Reads a POST body within the API root's max_content_length (TAXII 2.1 §4.2.1: a body
// up to that size MUST NOT get a 413; a larger one does, before it is read whole).
import { setImmediate } from 'node:timers/promises';
import type { IncomingMessage } from 'node:http';
import getRawBody from 'raw-body';
import { TaxiiError, badRequest, payloadTooLarge } from '../taxii/taxii-error';

/** Bytes decoded between pauses: decoding 100 MiB at once held the request thread for 300 ms. */
const DECODE_SLICE = 1024 * 1024;

/** Decodes strict UTF-8, a slice at a time, serving other requests between slices. */
async function decodeUtf8(buffer: Buffer): Promise<string> {
  // One decoder per body: it carries a character split between slices.
  const decoder = new TextDecoder('utf-8', { fatal: true });
  if (buffer.length <= DECODE_SLICE) return decoder.decode(buffer);
  const parts: string[] = [];
  for (let at = 0; at < buffer.length; at += DECODE_SLICE) {
    if (at > 0) await setImmediate();
    const end = at + DECODE_SLICE;
    parts.push(decoder.decode(buffer.subarray(at, end), { stream: end < buffer.length }));
  }
  return parts.join('');
}

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
 * The body as text, checked for size, UTF-8 and (given `maxDepth`) nesting depth; parsing
 * is left to the use case (a TAXII POST locates its envelope's objects in one pass that
 * checks the depth too, and pauses for other requests: envelope-text.ts).
 */
export async function readBodyText(req: IncomingMessage, maxContentLength: number, maxDepth?: number): Promise<string> {
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
    text = await decodeUtf8(buffer);
  } catch {
    throw badRequest('The request body is not valid UTF-8.');
  }
  if (maxDepth !== undefined && nestsDeeperThan(text, maxDepth)) {
    throw badRequest(`The request body nests deeper than ${maxDepth} levels.`);
  }
  return text;
}
