// A reader's row for a base version: what a view holds of it once decide() allowed it.
import type { StixObject } from '../stix/rules/rule';
import type { NewObjectVersion } from '../store/store';
import type { BaseVersion } from './base-versions';
import type { Decision } from './decision';
import { applyTransforms } from './transforms';

// Fan-out decides the same version for many readers: each distinct set of transforms is
// applied and serialised once (readers with the same transforms — e.g. everyone but the
// provider, under pseudonymisation — share the result).
const transformedVersions = new WeakMap<BaseVersion, Map<string, string>>();

function transformedJson(version: BaseVersion, decision: Decision, object: StixObject): string {
  if (decision.transforms.length === 0) return version.json;
  const key = JSON.stringify(decision.transforms);
  let forms = transformedVersions.get(version);
  if (forms === undefined) {
    forms = new Map();
    transformedVersions.set(version, forms);
  }
  let json = forms.get(key);
  if (json === undefined) {
    json = JSON.stringify(applyTransforms(object, decision.transforms));
    forms.set(key, json);
  }
  return json;
}

/** A reader's row for a base version: the base JSON ('') unless the decision transforms it. */
export function derivedRow(version: BaseVersion, collectionId: string, decision: Decision, object: StixObject): NewObjectVersion {
  const json = transformedJson(version, decision, object);
  // A pseudonymised provider's own identity object is served as the pseudonym identity:
  // under the pseudonym's id on every endpoint, so that the real id is never revealed.
  const pseudonym = decision.transforms.find((t) => t.kind === 'pseudonymise' && t.identityRef === version.id);
  const id = pseudonym?.kind === 'pseudonymise' ? pseudonym.pseudonym : version.id;
  return {
    id,
    ...(id !== version.id ? { baseObjectId: version.id } : {}),
    type: version.type,
    version: version.version,
    versionKey: version.versionKey,
    specVersion: version.specVersion,
    json: json === version.json ? '' : json,
    baseCollection: collectionId,
  };
}
