import type { JsonObject } from './admin-body';

/**
 * Only the fields the PATCH body names, converted by the resource's fromJson: a PATCH
 * leaves every field it does not name as it is.
 */
export function patchOf<R>(body: JsonObject, full: R, keys: Record<string, keyof R>): Partial<R> {
  const patch: Partial<R> = {};
  for (const jsonKey of Object.keys(body)) {
    const key = keys[jsonKey];
    if (key !== undefined) patch[key] = full[key];
  }
  return patch;
}
