// What the store needs of a published object: its identity, version and spec version.
// The STIX 2.1 gatekeeper (schemas and the spec's further rules) runs before this; this
// check alone keeps anything unaddressable out of the store.
import type { NewObjectVersion } from '../store/store';
import { parseStixId } from '../vocabulary/stix-id';
import { isStixTimestamp, versionKey } from '../vocabulary/time';

export interface ObjectFailure {
  id: string;
  version: string;
  message: string;
}

export function toStorable(candidate: unknown, index: number): NewObjectVersion | ObjectFailure {
  if (typeof candidate !== 'object' || candidate === null || Array.isArray(candidate)) {
    return { id: `objects[${index}]`, version: '', message: `objects[${index}] is not a JSON object` };
  }
  const obj = candidate as Record<string, unknown>;
  const id = typeof obj.id === 'string' ? obj.id : `objects[${index}]`;
  const stated = typeof obj.modified === 'string' ? obj.modified : typeof obj.created === 'string' ? obj.created : undefined;
  const fail = (message: string): ObjectFailure => ({ id, version: stated ?? '', message: `${id}: ${message}` });

  if (typeof obj.type !== 'string') return fail('/type is required and must be a string (STIX 2.1 §3.1)');
  if (typeof obj.id !== 'string') return fail('/id is required and must be a string (STIX 2.1 §3.1)');
  const parsed = parseStixId(obj.id, 'stix');
  if (!parsed) return fail('/id must be <type>--<UUID> (STIX 2.1 §2.9)');
  if (parsed.type !== obj.type) return fail(`/id must start with its type '${obj.type}--' (STIX 2.1 §2.9)`);
  const specVersion = obj.spec_version ?? '2.1';
  if (specVersion !== '2.1') {
    return fail(`/spec_version '${String(specVersion)}' is not supported: this server stores STIX 2.1 (TAXII 2.1 §5.5)`);
  }
  for (const property of ['created', 'modified'] as const) {
    if (obj[property] !== undefined && !isStixTimestamp(obj[property])) {
      return fail(`/${property} must be a STIX timestamp such as 2021-06-10T00:00:00.000Z (STIX 2.1 §3.2)`);
    }
  }
  return {
    id: obj.id,
    type: obj.type,
    version: stated,
    versionKey: stated === undefined ? undefined : versionKey(stated),
    specVersion,
    json: JSON.stringify(obj),
  };
}

export function isFailure(x: NewObjectVersion | ObjectFailure): x is ObjectFailure {
  return 'message' in x;
}
