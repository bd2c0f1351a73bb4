// Admin request bodies: application/json, at most 1 MB, nested no deeper than the
// server's JSON depth limit, a single JSON object, and no key that could reach an
// object prototype (`__proto__`, `constructor`, `prototype`) at any depth.
import type { Request } from 'express';
import { parse as parseContentType } from 'content-type';
import { readBodyText } from '../read-body-text';
import { Problem, badRequestProblem } from './admin-problem';

export const ADMIN_BODY_LIMIT = 1024 * 1024;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export type JsonObject = Record<string, unknown>;

function assertJsonContentType(req: Request): void {
  const header = req.headers['content-type'];
  let type: string | undefined;
  try {
    type = header === undefined ? undefined : parseContentType(header).type;
  } catch {
    type = undefined;
  }
  if (type !== 'application/json') {
    throw new Problem(415, `Request bodies must be application/json (got '${header ?? 'nothing'}').`);
  }
}

/** Every path (`/a/0/b`) at which a forbidden key occurs; the depth is bounded before parsing. */
function forbiddenKeys(value: unknown, path: string, found: string[]): string[] {
  if (Array.isArray(value)) value.forEach((v, i) => forbiddenKeys(v, `${path}/${i}`, found));
  else if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) found.push(`${path}/${key}: the key '${key}' is not allowed`);
      else forbiddenKeys((value as JsonObject)[key], `${path}/${key}`, found);
    }
  }
  return found;
}

export async function readJsonObject(req: Request, maxDepth: number): Promise<JsonObject> {
  assertJsonContentType(req);
  const text = await readBodyText(req, ADMIN_BODY_LIMIT, maxDepth);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw badRequestProblem('The request body is not JSON.', [(e as Error).message]);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw badRequestProblem('The request body must be a JSON object.');
  }
  const bad = forbiddenKeys(parsed, '', []);
  if (bad.length > 0) throw badRequestProblem('The request body has forbidden keys.', bad);
  return parsed as JsonObject;
}
